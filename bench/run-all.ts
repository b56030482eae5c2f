/**
 * Runs the benches one after another, each as its own process (`node bin/run-ts.js bench/<name>.ts`,
 * so one bench's stack, JIT and heap never colour the next one's figures), and prints one JSON
 * document on stdout: `{ machine: { node, cpus, loadavg }, benches: { <name>: { ok, seconds, loadavgAtStart, result } } }`.
 * Progress lines (and each bench's stderr) go to stderr.
 *   npm run bench                                  # all of them (~3.5–5 minutes)
 *   npm run bench -- --only sync-latency,resync    # some of them
 * Exits 1 when a bench failed (its entry then has `error` and the tail of its stderr).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machine, progress, round } from './bench-support.ts';

/** Every bench, in the order they run (the slow CDK synth last). */
const BENCHES = ['intake', 'api-calls', 'import-read-cost', 'sync-latency', 'resync', 'bundle-size'] as const;
type BenchName = (typeof BENCHES)[number];

/** A bench that runs longer than this is stopped and reported as failed. */
const BENCH_TIMEOUT_MS = 300_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function selected(argv: string[]): BenchName[] {
  const i = argv.indexOf('--only');
  if (i < 0) return [...BENCHES];
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !(BENCHES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    process.stderr.write(
      `unknown bench ${unknown.join(', ') || '(none given)'}; choose from ${BENCHES.join(', ')}\n`,
    );
    process.exit(2);
  }
  return BENCHES.filter((b) => names.includes(b));
}

interface BenchRun {
  ok: boolean;
  seconds: number;
  loadavgAtStart: number[];
  exitCode: number | null;
  result?: unknown;
  error?: string;
  stderrTail?: string;
}

/** The JSON document a bench printed: all of stdout, or from the first line that opens an object. */
function extractJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    const start = stdout.search(/^\{/m);
    if (start < 0) throw new Error('the bench printed no JSON object');
    return JSON.parse(stdout.slice(start));
  }
}

function runBench(name: BenchName): Promise<BenchRun> {
  const loadavgAtStart = machine().loadavg;
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', `bench/${name}.ts`], {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), BENCH_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const base = { seconds: round((Date.now() - t0) / 1000, 1), loadavgAtStart, exitCode: code };
      const tail = stderr.split('\n').slice(-15).join('\n');
      if (code !== 0) {
        resolve({
          ...base,
          ok: false,
          error: signal ? `stopped by ${signal}` : `exit code ${code}`,
          stderrTail: tail,
        });
        return;
      }
      try {
        resolve({ ...base, ok: true, result: extractJson(stdout) });
      } catch (error) {
        resolve({ ...base, ok: false, error: (error as Error).message, stderrTail: tail });
      }
    });
  });
}

const names = selected(process.argv.slice(2));
const atStart = machine();
const benches: Partial<Record<BenchName, BenchRun>> = {};
for (const name of names) {
  progress('run-all', `${name}: running (load ${machine().loadavg.join(' ')})`);
  const run = await runBench(name);
  progress('run-all', `${name}: ${run.ok ? 'done' : `FAILED (${run.error})`} in ${run.seconds} s`);
  benches[name] = run;
}
console.log(
  JSON.stringify(
    {
      machine: {
        node: atStart.node,
        cpus: atStart.cpus,
        cpuModel: atStart.cpuModel,
        loadavg: atStart.loadavg,
        loadavgAtEnd: machine().loadavg,
      },
      benches,
    },
    null,
    2,
  ),
);
process.exitCode = Object.values(benches).every((b) => b?.ok) ? 0 : 1;

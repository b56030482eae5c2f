import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { HistoryReport, WorkerTask } from './long-run-worker.ts';
import { historyOfSeed, workerExecArgv } from './long-run-worker.ts';
import { report as describeHistory } from './run-history.ts';

/**
 * The long run of the reliability model (docs/reliability.md "Long run"): many random histories in
 * parallel worker processes, each on its own stack, with progress on stderr and a JSON summary on
 * stdout — `{histories, steps, faults: {kind: n}, violations: {invariant: n}, seeds}`. History `i`
 * plays seed `base + i`, so any failing seed replays alone: `--seed <it> --histories 1 --workers 1`.
 *
 *   npm run reliability -- --histories 100000 --seed random [--workers 2] [--steps 30] [--out run.json]
 *   npm run reliability -- --companies …   (company sync on, company steps: docs/reliability.md "Companies")
 *   npm run reliability -- --seed <failing seed> --histories 1 --repeat 20 --traces <dir>
 *     (a timing seed: played until it fails, at most 20 times; a failing play's step log goes to <dir>)
 *
 * Ctrl-C (or SIGTERM) stops the workers and still prints the summary of what ran.
 */
const { values: args } = parseArgs({
  options: {
    histories: { type: 'string', default: '1000' },
    seed: { type: 'string', default: 'random' },
    workers: { type: 'string' },
    steps: { type: 'string', default: '30' },
    without: { type: 'string', default: '' },
    companies: { type: 'boolean', default: false },
    out: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    traces: { type: 'string' },
    'progress-seconds': { type: 'string', default: '30' },
  },
});

const histories = positive('histories', args.histories);
const base = args.seed === 'random' ? Date.now() % 2 ** 31 : positive('seed', args.seed, true);
const workers = Math.min(positive('workers', args.workers ?? String(availableParallelism())), histories);
const maxSteps = positive('steps', args.steps);
const without = args.without.split(',').filter((k) => k.length > 0);
const companies = args.companies;
const repeat = positive('repeat', args.repeat);
if (args.traces) mkdirSync(args.traces, { recursive: true });

function positive(name: string, text: string, zeroOk = false): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1))
    throw new Error(
      `--${name} must be a ${zeroOk ? 'non-negative' : 'positive'} integer (got ${JSON.stringify(text)})`,
    );
  return n;
}

/**
 * The commit the run plays, and whether tracked files differ from it: parts of one run made on several
 * machines or days are one run only when they played the same code (`combine.ts`).
 */
function codeVersion(): { commit: string; dirty: boolean } {
  const git = (...a: string[]) =>
    execFileSync('git', a, { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

const started = Date.now();
const loadAtStart = loadavg();
const summary = {
  histories: 0,
  steps: 0,
  faults: {} as Record<string, number>,
  violations: {} as Record<string, number>,
  seeds: { base, failing: [] as { seed: number; invariants: string[] }[] },
  requested: histories,
  workers,
  maxSteps,
  without,
  companies,
  repeat,
  plays: 0,
  durationSeconds: 0,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  code: codeVersion(),
  loadAverage: { start: loadAtStart, end: loadAtStart },
  interrupted: false,
};
const printed = { failures: 0 };

function add(r: HistoryReport): void {
  summary.histories++;
  summary.plays += r.plays;
  summary.steps += r.steps;
  for (const [k, n] of Object.entries(r.faults)) summary.faults[k] = (summary.faults[k] ?? 0) + n;
  for (const [k, n] of Object.entries(r.byInvariant))
    summary.violations[k] = (summary.violations[k] ?? 0) + n;
  if (r.violations.length === 0) return;
  summary.seeds.failing.push({ seed: r.seed, invariants: Object.keys(r.byInvariant) });
  if (args.traces && r.trace) {
    const [people, steps] = historyOfSeed(r.seed, maxSteps, new Set(without), companies);
    const file = join(args.traces, `${r.seed}.trace.txt`);
    writeFileSync(
      file,
      `${describeHistory(people, steps, r.violations)}\nplay ${r.plays}\n${r.trace.join('\n')}\n`,
    );
    process.stderr.write(`reliability: seed ${r.seed} failed on play ${r.plays}; its step log: ${file}\n`);
  }
  // The first few failures in full (steps and violations); the rest by seed only.
  if (printed.failures++ < 5) {
    const [people, steps] = historyOfSeed(r.seed, maxSteps, new Set(without), companies);
    process.stderr.write(
      `\nreliability: seed ${r.seed} failed\n${describeHistory(people, steps, r.violations)}\n`,
    );
  }
}

function finish(): void {
  summary.durationSeconds = Math.round((Date.now() - started) / 1000);
  summary.loadAverage.end = loadavg();
  const json = JSON.stringify(summary, null, 2);
  if (args.out) writeFileSync(args.out, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

function progress(): void {
  const seconds = (Date.now() - started) / 1000;
  const rate = summary.histories / Math.max(seconds, 1);
  const left = rate > 0 ? Math.round((histories - summary.histories) / rate) : 0;
  const violations = Object.values(summary.violations).reduce((a, b) => a + b, 0);
  process.stderr.write(
    `reliability: ${summary.histories}/${histories} histories, ${summary.steps} steps, ${violations} violation(s), ` +
      `${rate.toFixed(2)}/s, eta ${Math.floor(left / 3600)}h${String(Math.floor((left % 3600) / 60)).padStart(2, '0')}m, ` +
      `load ${loadavg()[0]!.toFixed(2)}\n`,
  );
  // A partial summary on disk, so a run cut short still leaves its evidence.
  if (args.out) {
    summary.durationSeconds = Math.round(seconds);
    summary.loadAverage.end = loadavg();
    writeFileSync(args.out, `${JSON.stringify(summary, null, 2)}\n`);
  }
}

const worker = resolve(import.meta.dirname, 'long-run-worker.ts');
const runTs = resolve(import.meta.dirname, '../../bin/run-ts.js');
const children: ChildProcess[] = [];
process.stderr.write(
  `reliability: ${histories} histories of up to ${maxSteps} steps, seed ${base}, ${workers} worker(s)` +
    `${without.length > 0 ? `, without ${without.join(',')}` : ''}${companies ? ', with companies' : ''}\n`,
);
const ticker = setInterval(progress, positive('progress-seconds', args['progress-seconds']) * 1000);
const done = Promise.all(
  Array.from({ length: workers }, (_, index) => {
    const task: WorkerTask = {
      base,
      histories,
      workers,
      index,
      maxSteps,
      without,
      companies,
      repeat,
      trace: args.traces !== undefined,
    };
    const child = fork(runTs, [worker], {
      execArgv: workerExecArgv(),
      env: { ...process.env, RELIABILITY_TASK: JSON.stringify(task) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(child);
    child.on('message', (m) => add(m as HistoryReport));
    return new Promise<void>((resolveExit, reject) =>
      child.on('exit', (code, signal) =>
        code === 0 || summary.interrupted
          ? resolveExit()
          : reject(new Error(`worker ${index} exited with ${signal ?? `code ${code}`}`)),
      ),
    );
  }),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    summary.interrupted = true;
    for (const child of children) child.kill('SIGTERM');
  });
}
try {
  await done;
} finally {
  clearInterval(ticker);
  finish();
}
const violations = Object.values(summary.violations).reduce((a, b) => a + b, 0);
process.exitCode = violations > 0 || summary.interrupted ? 1 : 0;

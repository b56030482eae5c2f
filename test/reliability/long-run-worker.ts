import fc from 'fast-check';
import { type AnyStep, anyHistoryArbitrary, isCompanyStep } from './company-steps.ts';
import { runHistory } from './run-history.ts';
import { faultOf } from './steps.ts';
import { type LocalAws, startLocalAws } from '../support/test-stack.ts';

/** What the long run hands one worker process (environment variable RELIABILITY_TASK, JSON). */
export interface WorkerTask {
  /** The run's base seed: history `i` plays seed `(base + i) mod 2^31`. */
  base: number;
  histories: number;
  workers: number;
  /** This worker plays histories index, index + workers, … */
  index: number;
  maxSteps: number;
  without: string[];
  /** Histories with company sync on and company steps (`--companies`, company-steps.ts). */
  companies?: boolean;
  /** Each seed is played up to this many times, until it fails (`--repeat`: timing seeds). */
  repeat?: number;
  /** A failing play sends its step log (`--traces`, trace-log.ts). */
  trace?: boolean;
}

/**
 * Node flags of a worker process. A history allocates mostly short-lived objects (SDK middleware, HTTP
 * buffers, JSON) while the heap that survives stays at ~50 MB: a larger young generation makes the
 * scavenges rarer and promotes less (docs/reliability.md "Speed of the long run").
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=64'];

/** The Node flags a worker starts with: the parent's own, then `WORKER_NODE_FLAGS`. */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  return [...parent, ...WORKER_NODE_FLAGS];
}

/** One history's result, sent to the parent over IPC. */
export interface HistoryReport {
  seed: number;
  people: number;
  steps: number;
  faults: Record<string, number>;
  byInvariant: Record<string, number>;
  /** The violation messages (and the steps, described) when any: the parent prints the first ones. */
  violations: string[];
  /** How often the seed was played: up to `repeat`, the last play the failing one when it failed. */
  plays: number;
  /** The failing play's step log, when the task asked for traces. */
  trace?: string[];
}

/** The history a seed plays: the same in every worker and in a rerun (`--seed S --histories 1`). */
export function historyOfSeed(
  seed: number,
  maxSteps: number,
  without: ReadonlySet<string>,
  companies = false,
): [number, AnyStep[]] {
  const [history] = fc.sample(anyHistoryArbitrary(maxSteps, without, companies), { seed, numRuns: 1 });
  if (!history) throw new Error(`fast-check generated no history for seed ${seed}`);
  return history;
}

/** What playing one seed found: the last play's violations, how many plays it took, its step log. */
export type SeedPlay = Pick<HistoryReport, 'byInvariant' | 'violations' | 'plays' | 'trace'>;

/**
 * Plays one seed's history up to `repeat` times, stopping at the first play that violates an
 * invariant: a failure that depends on timing (two processors interleaving, a loaded machine) may
 * pass several plays first (`--repeat`, docs/reliability.md "Long run"). `run` is `runHistory`; `aws`:
dynalite and the local SQS the worker reuses.
 */
export async function playSeed(
  people: number,
  steps: AnyStep[],
  options: { companies: boolean; repeat: number; trace: boolean; aws?: LocalAws },
  run: typeof runHistory = runHistory,
): Promise<SeedPlay> {
  const out: SeedPlay = { byInvariant: {}, violations: [], plays: 0 };
  while (out.plays < options.repeat && out.violations.length === 0) {
    out.plays++;
    try {
      const outcome = await run(people, steps, {
        companies: options.companies,
        trace: options.trace,
        ...(options.aws ? { aws: options.aws } : {}),
      });
      out.byInvariant = outcome.byInvariant;
      out.violations = outcome.violations;
      if (outcome.trace) out.trace = outcome.trace;
    } catch (error) {
      // A history that could not even settle (a poison loop, a harness failure) is a violation too.
      out.byInvariant = { settles: 1 };
      out.violations = [error instanceof Error ? `${error.name}: ${error.message}` : String(error)];
    }
  }
  return out;
}

/**
 * Histories a worker plays on one dynalite and local SQS before it starts them afresh. Reusing them
 * saves a new SDK client's first calls and the table's creation per history (docs/reliability.md
 * "Speed of the long run"); restarting now and then bounds what they keep between histories (the
 * heap after GC grew ~55 KB per history more than with a fresh stack each time).
 */
export const HISTORIES_PER_AWS = 100;

async function main(): Promise<void> {
  const task = JSON.parse(process.env['RELIABILITY_TASK'] ?? '') as WorkerTask;
  const without = new Set(task.without);
  let aws: LocalAws | undefined;
  let played = 0;
  try {
    for (let i = task.index; i < task.histories; i += task.workers) {
      if (played++ % HISTORIES_PER_AWS === 0) {
        await aws?.close();
        aws = await startLocalAws({ unsignedAws: true });
      }
      process.send?.(await playHistory(task, (task.base + i) % 2 ** 31, without, aws!));
    }
  } finally {
    await aws?.close();
  }
}

/** Plays the history of one seed (`--repeat` times at most) and reports it. */
async function playHistory(
  task: WorkerTask,
  seed: number,
  without: ReadonlySet<string>,
  aws: LocalAws,
): Promise<HistoryReport> {
  const companies = task.companies === true;
  const [people, steps] = historyOfSeed(seed, task.maxSteps, without, companies);
  const faults: Record<string, number> = {};
  for (const s of steps) {
    const f = isCompanyStep(s) ? s.kind : faultOf(s);
    if (f !== 'none') faults[f] = (faults[f] ?? 0) + 1;
  }
  const played = await playSeed(people, steps, {
    companies,
    repeat: task.repeat ?? 1,
    trace: task.trace === true,
    aws,
  });
  return { seed, people, steps: steps.length, faults, ...played };
}

if (process.env['RELIABILITY_TASK']) {
  main().then(
    () => process.disconnect?.(),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

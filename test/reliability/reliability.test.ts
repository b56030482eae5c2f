import fc from 'fast-check';
import { describe, it } from 'vitest';
import { report, runHistory } from './run-history.ts';
import { historyArbitrary } from './steps.ts';

/**
 * docs/design.md#reliability: random histories on both CRMs — user creates and edits on either side,
 * segment joins and leaves, lead conversions, merges — interleaved with faults — duplicated,
 * reordered and lost deliveries, lost acknowledgements, 429 storms and 5xx bursts — then quiescence
 * and the invariants (see run-history.ts). Longer runs:
 *   RELIABILITY_RUNS=300 RELIABILITY_STEPS=60 npx vitest run test/reliability
 * New histories: RELIABILITY_SEED=random; per-history timing: RELIABILITY_VERBOSE=1.
 * Reproduce a failure with the seed (and path) fast-check prints: RELIABILITY_SEED=… RELIABILITY_PATH=…
 */
const RUNS = Number(process.env['RELIABILITY_RUNS'] ?? 30);
const STEPS = Number(process.env['RELIABILITY_STEPS'] ?? 30);
// A fixed seed by default: the suite is deterministic. RELIABILITY_SEED=random explores new histories.
const SEED_ENV = process.env['RELIABILITY_SEED'] ?? '20261129';
const SEED = SEED_ENV === 'random' ? Date.now() % 2 ** 31 : Number(SEED_ENV);
// Step kinds to leave out, comma-separated (to look past a known bug): RELIABILITY_WITHOUT=salesforce-merge
const WITHOUT = new Set((process.env['RELIABILITY_WITHOUT'] ?? '').split(',').filter((k) => k.length > 0));
const VERBOSE = process.env['RELIABILITY_VERBOSE'] === '1';
const PATH = process.env['RELIABILITY_PATH'];

describe('reliability (model-based): random histories with faults', () => {
  it('converge with no lost update, no out-of-segment write beyond R6, no loop, idempotent replay, one-to-one links', async () => {
    const seed = SEED;
    console.info(
      `reliability: seed ${seed}, ${RUNS} runs of up to ${STEPS} steps${WITHOUT.size > 0 ? `, without ${[...WITHOUT].join(', ')}` : ''}`,
    );
    const history = historyArbitrary(STEPS, WITHOUT);
    await fc.assert(
      fc.asyncProperty(history, async ([people, steps]) => {
        const started = Date.now();
        const { violations } = await runHistory(people, steps);
        if (VERBOSE)
          console.info(
            `history: ${people} people, ${steps.length} steps, ${Date.now() - started} ms, ${violations.length} violation(s)`,
          );
        if (violations.length > 0) throw new Error(report(people, steps, violations));
      }),
      {
        numRuns: RUNS,
        seed,
        ...(PATH ? { path: PATH } : {}),
        // Shrinking reruns whole histories; cap it, and count an interrupted run as the failure it is.
        interruptAfterTimeLimit: Number(process.env['RELIABILITY_TIME_LIMIT_MS'] ?? 300_000),
        markInterruptAsFailure: true,
      },
    );
  }, 900_000);
});

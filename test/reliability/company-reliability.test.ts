import fc from 'fast-check';
import { describe, it } from 'vitest';
import { companyHistoryArbitrary } from './company-steps.ts';
import { report, runHistory } from './run-history.ts';

/**
 * docs/reliability.md "Companies": random histories with company sync on — company and account
 * creation and edits, merges on either side (C9), owner changes on both sides (O1–O5: owners on both
 * sides, on one side only, an inactive user) — beside the contact steps and every fault of the
 * contact model, then quiescence and every invariant, the company ones included (convergence of
 * linked pairs, one-to-one, every account linked, owners, no loop, idempotent replay). A fixed seed
 * and 10 histories here; more: RELIABILITY_COMPANY_RUNS=100 RELIABILITY_SEED=random, or the long run's
 * `--companies`.
 */
const RUNS = Number(process.env['RELIABILITY_COMPANY_RUNS'] ?? 10);
const STEPS = Number(process.env['RELIABILITY_STEPS'] ?? 30);
const SEED_ENV = process.env['RELIABILITY_SEED'] ?? '20261205';
const SEED = SEED_ENV === 'random' ? Date.now() % 2 ** 31 : Number(SEED_ENV);
const PATH = process.env['RELIABILITY_PATH'];

describe('reliability (model-based) with companies: random histories with faults', () => {
  it('C2/C7/C9/O1–O5: linked companies and accounts converge one-to-one, owners map or are refused, no loop, idempotent replay', async () => {
    console.info(`reliability (companies): seed ${SEED}, ${RUNS} runs of up to ${STEPS} steps`);
    await fc.assert(
      fc.asyncProperty(companyHistoryArbitrary(STEPS), async ([people, steps]) => {
        const { violations } = await runHistory(people, steps, { companies: true });
        if (violations.length > 0) throw new Error(report(people, steps, violations));
      }),
      {
        numRuns: RUNS,
        seed: SEED,
        ...(PATH ? { path: PATH } : {}),
        interruptAfterTimeLimit: Number(process.env['RELIABILITY_TIME_LIMIT_MS'] ?? 300_000),
        markInterruptAsFailure: true,
      },
    );
  }, 900_000);
});

import { parseArgs } from 'node:util';
import { historyOfSeed } from './long-run-worker.ts';
import { report, runHistory } from './run-history.ts';
import type { AnyStep } from './company-steps.ts';

/**
 * Shrinks a failing long-run history (docs/reliability.md, "Long run"): the long run samples histories
 * without shrinking, and a 30-step history with faults is hard to read. Removes runs of steps, longest
 * first, and keeps a removal when the history still violates one of the invariants the seed violated;
 * stops when no single step can go. Every try is a whole history on a fresh stack (a few seconds), so
 * a 30-step history shrinks in minutes. Prints the shrunk history as numbered steps and as the
 * `Step[]` JSON a regression in `regressions-<kind>.test.ts` starts from.
 *
 *   npm run reliability:shrink -- --seed <failing seed> [--steps 30] [--companies] [--webhook-window-ms 60000]
 *
 * `--webhook-window-ms` holds the HubSpot sandbox's webhook window open that long (a timing seed's
 * webhook deliveries then follow the steps, not the clock), as the timing seeds' regressions do.
 */
export async function shrinkSteps<S extends AnyStep>(
  steps: S[],
  stillFails: (candidate: S[]) => Promise<boolean>,
): Promise<S[]> {
  let current = steps;
  for (let changed = true; changed; ) {
    changed = false;
    for (let chunk = Math.max(1, Math.floor(current.length / 4)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
      for (let i = current.length - chunk; i >= 0; i--) {
        const candidate = [...current.slice(0, i), ...current.slice(i + chunk)];
        if (!(await stillFails(candidate))) continue;
        current = candidate;
        changed = true;
        i = Math.min(i, current.length - chunk + 1);
      }
    }
  }
  return current;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      steps: { type: 'string', default: '30' },
      companies: { type: 'boolean', default: false },
      'webhook-window-ms': { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed <failing seed> is required (an integer)');
  const window = values['webhook-window-ms'];
  const webhookWindowMs = window === undefined ? undefined : Number(window);
  if (webhookWindowMs !== undefined && !(Number.isInteger(webhookWindowMs) && webhookWindowMs > 0))
    throw new Error(`--webhook-window-ms must be a positive integer of milliseconds (got "${window}")`);
  const options = {
    companies: values.companies,
    ...(webhookWindowMs !== undefined ? { webhookWindowMs } : {}),
  };
  const [people, steps] = historyOfSeed(seed, Number(values.steps), new Set(), options.companies);
  const first = await runHistory(people, steps, options);
  const target = Object.keys(first.byInvariant);
  if (target.length === 0) {
    console.log(`seed ${seed}: no invariant is violated; nothing to shrink`);
    return;
  }
  process.stderr.write(`seed ${seed}: ${steps.length} steps violate ${target.join(', ')}; shrinking\n`);
  const shrunk = await shrinkSteps(steps, async (candidate) => {
    const outcome = await runHistory(people, candidate, options).catch(() => undefined);
    const fails = outcome !== undefined && target.some((t) => (outcome.byInvariant[t] ?? 0) > 0);
    if (fails) process.stderr.write(`  ${candidate.length} steps still fail\n`);
    return fails;
  });
  const last = await runHistory(people, shrunk, options);
  console.log(report(people, shrunk, last.violations));
  console.log(JSON.stringify(shrunk));
}

if (process.argv[1]?.endsWith('shrink.ts')) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

import { describe, expect, it } from 'vitest';
import type { AnyStep } from './company-steps.ts';
import { report, runHistory } from './run-history.ts';

/**
 * What the model with companies found (docs/reliability.md "Companies", findings C-1 to C-3), shrunk by
 * hand to the steps that matter and replayed through the whole pipeline; each failed before its fix.
 */
async function expectClean(people: number, steps: AnyStep[]): Promise<void> {
  const { violations } = await runHistory(people, steps, { companies: true });
  expect(violations, report(people, steps, violations)).toEqual([]);
}

describe('reliability with companies: regressions', () => {
  it('C-1 (seeds 1000, 1019, 1023): two processors create a company for one new account — the loser archives its copy (C2)', async () => {
    await expectClean(3, [
      { kind: 'account-create', o: 0, values: { name: 'Globex', city: 'Lima' }, owner: 'bo' },
      { kind: 'deliver', mode: 'duplicated', seed: 1 },
      { kind: 'process-concurrently', max: 200, share: 4, seed: 7 },
    ]);
  });

  it('C-2: a company merged into a linked company leaves its account linked to a company of its own (C9, C2)', async () => {
    await expectClean(3, [
      { kind: 'account-create', o: 0, values: { name: 'Acme' } },
      { kind: 'account-create', o: 1, values: { name: 'Initech', phone: '+1 555 0201' } },
      { kind: 'deliver', mode: 'in-order', seed: 1 },
      { kind: 'process', max: 200, loseAck: false, fault: 'none', severity: 1 },
      { kind: 'company-merge', o: 0, q: 1 },
    ]);
  });

  it('C-3 (seeds 5084, 5086): a company whose create response was lost is linked by the retry, not made twice (C2, C3 a)', async () => {
    await expectClean(3, [
      { kind: 'account-create', o: 0, values: { name: 'Umbrella', city: 'Lyon' }, owner: 'ann' },
      { kind: 'deliver', mode: 'in-order', seed: 1 },
      { kind: 'process', max: 200, loseAck: false, fault: 'write-response-lost', severity: 1 },
    ]);
  });
});

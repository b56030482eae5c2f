import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyPair } from '../../lib/ports.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * C9 when both merged records were linked: the survivor keeps its link, the loser's link goes, and the
 * record on the other side of the removed link is synced at once as an unlinked one — an account by
 * C3/C2, a company by C4 — so the batch ends at a fixed point (found by the reliability model with
 * companies: the account was left with no company until its next change; docs/reliability.md "Companies").
 */
describe('C9: a merge into a linked record leaves no orphan behind', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
    await setCompanySync({ store: s.store, config: s.config }, true);
  });
  afterAll(async () => {
    await s?.close();
  });
  const link = (companyId: string, accountId: string) =>
    s.store.putCompanyPair(
      {
        companyId,
        accountId,
        snapshot: {},
        version: 0,
        lastSyncedAt: 0,
        origin: 'created-in-salesforce',
      } satisfies CompanyPair,
      0,
    );
  let n = 0;
  const merged = (objectType: 'company' | 'Account', recordId: string, survivorId: string) => ({
    source: objectType === 'company' ? ('hubspot' as const) : ('salesforce' as const),
    objectType,
    recordId,
    kind: 'merged' as const,
    survivorId,
    eventId: `orphan-${recordId}-${++n}`,
    occurredAt: Date.now(),
  });

  it('C9/C2: the account of a company merged into a linked company gets a company of its own in the same batch', async () => {
    const survivor = await s.hubspotSandbox.userCreateCompany({ name: 'Keep' });
    const loser = await s.hubspotSandbox.userCreateCompany({ name: 'Fold' });
    const kept = await s.salesforceSandbox.userCreate('Account', { Name: 'Keep' });
    const orphan = await s.salesforceSandbox.userCreate('Account', { Name: 'Fold', BillingCity: 'Lima' });
    await link(survivor, kept);
    await link(loser, orphan);
    await s.hubspotSandbox.userMergeCompanies(survivor, loser);

    const result = await s.process([merged('company', loser, survivor)]);
    expect(result.batchItemFailures).toEqual([]);
    expect((await s.store.getCompanyPairsByCompanyIds([survivor])).get(survivor)?.accountId).toBe(kept);
    const pair = (await s.store.getCompanyPairsByAccountIds([orphan])).get(orphan);
    expect(pair?.companyId).toBeDefined();
    expect(pair?.companyId).not.toBe(loser);
    const [company] = await s.hubspot.readCompanies([pair!.companyId], ['name', 'city']);
    expect(company?.properties).toMatchObject({ name: 'Fold', city: 'Lima' });
    const [repoint] = await s.store.listDecisions(`hubspot-company:${loser}`);
    expect(repoint?.reason).toMatch(
      /^C9: company .* linked already; the merged link is removed and its account/,
    );
    const trace = await s.store.listDecisions(`salesforce:${orphan}`);
    expect(trace.map((d) => d.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^C2: company \d+ created/)]),
    );
  });

  it('C9/C4: the company of an account merged into a linked account is decided by C4 in the same batch', async () => {
    const master = await s.salesforceSandbox.userCreate('Account', { Name: 'Master Co' });
    const loser = await s.salesforceSandbox.userCreate('Account', { Name: 'Loser Co' });
    const masterCompany = await s.hubspotSandbox.userCreateCompany({ name: 'Master Co' });
    const orphan = await s.hubspotSandbox.userCreateCompany({ name: 'Loser Co' });
    await link(masterCompany, master);
    await link(orphan, loser);
    await s.salesforceSandbox.merge('Account', master, [loser]);

    const result = await s.process([merged('Account', loser, master)]);
    expect(result.batchItemFailures).toEqual([]);
    expect((await s.store.getCompanyPairsByCompanyIds([orphan])).size).toBe(0);
    const [decision] = await s.store.listDecisions(`hubspot-company:${orphan}`);
    expect(decision).toMatchObject({
      outcome: 'noop',
      reason: expect.stringMatching(/^C4: no account created/),
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../lib/errors.ts';
import type { CompanyPair } from '../../lib/ports.ts';
import { linkedContactTwins, startCompanyStack } from '../support/company-fixtures.ts';
import type { TestStack } from '../support/test-stack.ts';

/**
 * What the reliability model with companies found in the company lane (docs/reliability.md
 * "Companies", findings C-1 to C-3), each through the real processor and clients:
 * - creation races: two processors create a counterpart for one unlinked account (C2) or company (C4);
 *   the one whose pair commits second removes the record it created and hands its notice back, and
 *   the retry merges into the winner's pair (lib/sync/company-creation-race.ts). The other processor
 *   is played deterministically: it commits its pair right after this one's create call returned;
 * - a lost create response: the retry finds the company by `salesforceaccountid` (C3 a);
 * - C9 merges into a linked record: the record left on the other side of the removed link syncs at
 *   once as an unlinked one (an account by C3/C2, a company by C4), so no orphan is left behind.
 */

/** `port`, with `after` run once each `method` call has returned (and before its caller goes on). */
function thenRun<T extends object>(port: T, method: keyof T & string, after: () => Promise<unknown>): T {
  return new Proxy(port, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      if (key !== method) return fn.bind(target);
      return async (...args: unknown[]) => {
        const out = await fn.apply(target, args);
        await after();
        return out;
      };
    },
  });
}

describe('company lane: creation races, lost create responses, merges into linked records (C2, C3 a, C4, C9)', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startCompanyStack();
  });
  afterAll(async () => {
    await s?.close();
  });
  const pairOf = (companyId: string, accountId: string): CompanyPair => ({
    companyId,
    accountId,
    snapshot: {},
    version: 0,
    lastSyncedAt: 0,
    origin: 'created-in-salesforce',
  });
  let n = 0;
  const notice = (source: 'hubspot' | 'salesforce', recordId: string) => ({
    source,
    objectType: source === 'hubspot' ? ('company' as const) : ('Account' as const),
    recordId,
    kind: 'updated' as const,
    eventId: `race-${recordId}-${++n}`,
    occurredAt: Date.now(),
  });

  const link = (companyId: string, accountId: string) =>
    s.store.putCompanyPair(pairOf(companyId, accountId), 0);
  const merged = (objectType: 'company' | 'Account', recordId: string, survivorId: string) => ({
    source: objectType === 'company' ? ('hubspot' as const) : ('salesforce' as const),
    objectType,
    recordId,
    kind: 'merged' as const,
    survivorId,
    eventId: `orphan-${recordId}-${++n}`,
    occurredAt: Date.now(),
  });

  it('C2: the loser of a company creation race archives its company and retries; the retry syncs into the winner', async () => {
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Raced', BillingCity: 'Oslo' });
    const winner = await s.hubspotSandbox.userCreateCompany({ name: 'Raced' });
    // The other processor commits its pair right after this one's create call returned.
    const hubspot = thenRun(s.hubspot, 'createCompanies', () =>
      s.store.putCompanyPair(pairOf(winner, account), 0),
    );
    const lost = await s.process([notice('salesforce', account)], { hubspot });
    expect(lost.batchItemFailures).toHaveLength(1);
    const decision = (await s.store.listDecisions(`salesforce:${account}`)).find((d) =>
      d.reason?.startsWith('C2: lost'),
    );
    expect(decision).toMatchObject({
      outcome: 'received',
      reason: expect.stringMatching(/^C2: lost a creation race/),
    });
    const removed = String(decision?.detail?.['removed']);
    expect(await s.hubspot.readCompanies([removed], ['name'])).toEqual([]);

    const retry = await s.process([notice('salesforce', account)]);
    expect(retry.batchItemFailures).toEqual([]);
    const [company] = await s.hubspot.readCompanies([winner], ['city']);
    expect(company?.properties['city']).toBe('Oslo');
    expect((await s.store.getCompanyPairsByAccountIds([account])).get(account)?.companyId).toBe(winner);
  });

  it('C2/C3(a): a company whose create response was lost is linked by the retry, not created twice', async () => {
    const account = await s.salesforceSandbox.userCreate('Account', {
      Name: 'Lost Reply',
      BillingCity: 'Lima',
    });
    const lost = thenRun(s.hubspot, 'createCompanies', async () => {
      throw new RetryableError('createCompanies: the response was lost after HubSpot applied it', 'network');
    });
    const first = await s.process([notice('salesforce', account)], { hubspot: lost });
    expect(first.batchItemFailures).toHaveLength(1);
    const made = await s.hubspot.findCompaniesByAccountIds([account], ['name']);
    expect(made.map((c) => c.properties['name'])).toEqual(['Lost Reply']);

    const { result, calls } = await s.measure(() => s.process([notice('salesforce', account)]));
    expect(result.batchItemFailures).toEqual([]);
    expect((await s.store.getCompanyPairsByAccountIds([account])).get(account)?.companyId).toBe(made[0]?.id);
    expect(await s.hubspot.findCompaniesByAccountIds([account], [])).toHaveLength(1);
    expect(calls.hubspot.writes).toBe(0);
    const [decision] = await s.store.listDecisions(`salesforce:${account}`);
    expect(decision).toMatchObject({
      outcome: 'linked',
      reason: expect.stringMatching(/^C3\(a\): company \d+ names account/),
    });
  });

  it('C4: the loser of an account creation race deletes its Account and retries', async () => {
    const company = await s.hubspotSandbox.userCreateCompany({ name: 'Raced Co' });
    const { hubspotId: contact } = await linkedContactTwins(s, {
      email: 'race@raced.example',
      lastname: 'Race',
    });
    await s.hubspotSandbox.userAssociate(contact, company, true);
    const winner = await s.salesforceSandbox.userCreate('Account', { Name: 'Raced Co' });
    const salesforce = thenRun(s.salesforce, 'createRecords', () =>
      s.store.putCompanyPair(pairOf(company, winner), 0),
    );
    const lost = await s.process([notice('hubspot', company)], { salesforce });
    expect(lost.batchItemFailures).toHaveLength(1);
    const decision = (await s.store.listDecisions(`hubspot-company:${company}`)).find((d) =>
      d.reason?.startsWith('C4: lost'),
    );
    expect(decision).toMatchObject({
      outcome: 'received',
      reason: expect.stringMatching(/^C4: lost a creation race/),
    });
    const removed = String(decision?.detail?.['removed']);
    const [deleted] = await s.salesforce.readAccounts([removed], ['Name']);
    expect(deleted?.isDeleted).toBe(true);
    const retry = await s.process([notice('hubspot', company)]);
    expect(retry.batchItemFailures).toEqual([]);
    expect((await s.store.getCompanyPairsByCompanyIds([company])).get(company)?.accountId).toBe(winner);
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../lib/errors.ts';
import type { CompanyPair } from '../../lib/ports.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * Two processors create a counterpart for the same unlinked account (C2) or company (C4) at once: the
 * one whose pair commits second removes the record it created and hands its notice back; the retry
 * merges into the winner's pair (lib/sync/company-creation-race.ts; docs/reliability.md "Companies").
 * The other processor is played deterministically: it commits its pair right after this one's create
 * call returned, before this one commits.
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

describe('company creation race (C2, C4)', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
    await setCompanySync({ store: s.store, config: s.config }, true);
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
    const contact = await s.hubspotSandbox.userCreateContact({
      email: 'race@raced.example',
      lastname: 'Race',
    });
    await s.hubspotSandbox.userAssociate(contact, company, true);
    const sfContact = await s.salesforceSandbox.userCreate('Contact', {
      LastName: 'Race',
      Email: 'race@raced.example',
    });
    await s.store.putPair(
      {
        hubspotId: contact,
        salesforceId: sfContact,
        salesforceType: 'Contact',
        snapshot: {},
        version: 0,
        lastSyncedAt: 0,
        origin: 'matched',
      },
      0,
    );
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
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companyProperties, companyTrace, latest, startCompanyScenario } from './company-scenario.ts';
import type { Scenario } from './scenario-stack.ts';

/**
 * C7 (field rules), C8 (triggers, resync, import) and C9 (merges) through real deliveries: HubSpot
 * `company.*` webhooks, Salesforce outbound messages and `AccountChangeEvent` CDC events go through
 * the intake, the local SQS and the processor. Each test checks both sides' values, the write
 * counters and the recorded decision.
 */
describe('companies ⇄ accounts, C7–C9 (scenario)', () => {
  let s: Scenario;
  /** A linked account/company pair, created from Salesforce (C2). */
  async function linkedAccount(
    fields: Record<string, unknown>,
  ): Promise<{ account: string; company: string }> {
    const account = await s.salesforceSandbox.userCreate('Account', fields);
    await s.flush();
    const pair = (await companyTrace(s, 'account', account)).pair;
    if (!pair) throw new Error(`account ${account} did not link`);
    return { account, company: pair.companyId };
  }

  beforeAll(async () => {
    s = await startCompanyScenario();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('C7: a two-way field edited on the company (company.propertyChange webhook) is written to the account, once', async () => {
    const { account, company } = await linkedAccount({ Name: 'Two Way Inc', BillingCity: 'Oslo' });
    const calls = await s.measure(() => s.hubspotSandbox.userUpdateCompany(company, { city: 'Bergen' }));
    expect(s.salesforceSandbox.getRecord(account)).toMatchObject({
      BillingCity: 'Bergen',
      Name: 'Two Way Inc',
    });
    expect((await companyProperties(s, company)).city).toBe('Bergen');
    expect(calls.salesforce.writes).toBe(1);
    expect(calls.hubspot.writes).toBe(0);
    const trace = await companyTrace(s, 'account', account);
    expect(trace.decisions.find((d) => d.outcome === 'synced')).toMatchObject({
      reason: expect.stringMatching(/^C7: account \w+ is linked to company \d+/),
    });
    // The account's CDC echo of our write found nothing to do (three-way merge): no ping-pong.
    expect(latest(trace)?.outcome).toBe('noop');
    expect(trace.fields.find((f) => f.salesforce === 'BillingCity')).toMatchObject({ inSync: true });
  });

  it('C7: prefer-salesforce-unless-blank — a company industry edit is not written over the account’s, which is set back on the company', async () => {
    const { account, company } = await linkedAccount({ Name: 'Picky Ltd', Industry: 'Retail' });
    expect((await companyProperties(s, company)).industry).toBe('RETAIL'); // value table (C7)
    const calls = await s.measure(() => s.hubspotSandbox.userUpdateCompany(company, { industry: 'BANKING' }));
    expect(s.salesforceSandbox.getRecord(account)?.['Industry']).toBe('Retail');
    expect((await companyProperties(s, company)).industry).toBe('RETAIL');
    expect(calls.salesforce.writes).toBe(0);
    expect(calls.hubspot.writes).toBe(1);
  });

  it('C7: a picklist value with no row in the value table is a sync error with its category, never a silent drop', async () => {
    const { account, company } = await linkedAccount({ Name: 'Odd Industry Co' });
    const calls = await s.measure(() =>
      s.hubspotSandbox.userUpdateCompany(company, { industry: 'MARITIME', city: 'Brest' }),
    );
    const trace = await companyTrace(s, 'account', account);
    expect(latest(trace)).toMatchObject({
      outcome: 'error',
      category: 'picklist-value-unmapped',
      reason: expect.stringMatching(/^C7: .*MARITIME/),
      detail: { field: 'industry', side: 'salesforce' }, // the side it could not be written to
    });
    // The other fields still sync: the city is written, the industry is left as it was.
    expect(s.salesforceSandbox.getRecord(account)).toMatchObject({ BillingCity: 'Brest', Industry: null });
    expect(calls.salesforce.writes).toBe(1);
  });

  it('C8: `import salesforce --objects Account` links existing accounts through the stack, and a resync writes nothing when all agree', async () => {
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Imported Later' });
    await s.flush();
    // The account existed before crmsync: forget what its creation did, as if it had never synced.
    const created = (await companyTrace(s, 'account', account)).pair!;
    await s.stack.store.deleteCompanyPair(created.companyId, created.version);
    const imported = await s.stack.importSalesforce(['Account']);
    expect(imported.objects).toEqual([expect.objectContaining({ object: 'Account', queued: 1, done: true })]);
    await s.flush();
    const trace = await companyTrace(s, 'account', account);
    expect(trace.pair?.accountId).toBe(account);

    const calls = await s.measure(() => s.stack.resync());
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
    expect(latest(await companyTrace(s, 'account', account))).toMatchObject({ outcome: 'noop' });
  });

  it('C9: a Salesforce Account merge re-points the link to the master account', async () => {
    const master = await linkedAccount({ Name: 'Merge Master' });
    const loser = await linkedAccount({ Name: 'Merge Loser' });
    const calls = await s.measure(() =>
      s.salesforceSandbox.merge('Account', master.account, [loser.account]),
    );
    const masterTrace = await companyTrace(s, 'account', master.account);
    expect(masterTrace.pair?.companyId).toBe(master.company);
    // The master is linked already: the merged-away account's link goes (one-to-one links).
    expect((await companyTrace(s, 'company', loser.company)).pair).toBeNull();
    expect((await s.stack.store.getCompanyPairsByAccountIds([loser.account])).size).toBe(0);
    const loserDecisions = await s.stack.store.listDecisions(`salesforce:${loser.account}`, 20);
    expect(loserDecisions.find((d) => d.outcome === 'relinked')).toMatchObject({
      reason: expect.stringMatching(/^C9: account \w+ merged into \w+, which is linked already/),
    });
    expect(calls.hubspot.writes).toBe(0);
  });

  it('C9: a HubSpot company merge (ours: the native integration refuses it) re-points the link to the surviving company', async () => {
    const { account, company } = await linkedAccount({ Name: 'Merged Away' });
    const survivor = await s.hubspotSandbox.userCreateCompany({ name: 'Survivor' });
    await s.flush(); // C4: no contact, no account — the survivor stays unlinked
    expect((await companyTrace(s, 'company', survivor)).pair).toBeNull();
    await s.measure(() => s.hubspotSandbox.userMergeCompanies(survivor, company));
    const trace = await companyTrace(s, 'account', account);
    expect(trace.pair?.companyId).toBe(survivor);
    const merged = await s.stack.store.listDecisions(`hubspot-company:${company}`, 20);
    expect(merged.find((d) => d.outcome === 'relinked')).toMatchObject({
      reason: expect.stringMatching(/^C9: company \d+ merged into \d+; the link moves to the survivor/),
    });
    // Both sides agree again after the merge (the survivor's values meet the account's: C7).
    expect(trace.fields.every((f) => f.inSync)).toBe(true);
  });
});

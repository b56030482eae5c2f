import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import {
  companyCount,
  companyProperties,
  companyTrace,
  latest,
  linkedContact,
  startCompanyScenario,
} from './company-scenario.ts';
import { hubspotContact, type Scenario, uniqueEmail } from './scenario-stack.ts';

/**
 * C1–C5 through real deliveries: a user edits an account or a company in a sandbox, the sandbox
 * delivers the outbound message / CDC event / webhook to the intake, the processor syncs it.
 * Each test checks both sides' values, the write counters and the recorded decision.
 */
describe('companies ⇄ accounts, C1–C5 (scenario)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startCompanyScenario();
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await setCompanySync(s.deps, true);
  });

  it('C1: with company sync off, a new account creates, links and writes nothing; turning it on back-fills nothing; the next edit syncs it', async () => {
    await setCompanySync(s.deps, false);
    const companies = await companyCount(s);
    let account = '';
    const off = await s.measure(async () => {
      account = await s.salesforceSandbox.userCreate('Account', { Name: 'Toggle Off Ltd' });
    });
    expect(off.hubspot.writes).toBe(0);
    expect(await companyCount(s)).toBe(companies);
    const trace = await companyTrace(s, 'account', account);
    expect(trace.pair).toBeNull();
    expect(trace.companiesEnabled).toBe(false);
    expect(latest(trace)).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^C1: /) });

    // Turning it on syncs nobody by itself (as R4)…
    const on = await s.measure(() => setCompanySync(s.deps, true));
    expect(on.hubspot.writes + on.salesforce.writes).toBe(0);
    expect((await companyTrace(s, 'account', account)).pair).toBeNull();
    // …the account's next edit does (C2).
    const edit = await s.measure(() =>
      s.salesforceSandbox.userUpdate('Account', account, { Name: 'Toggle On Ltd' }),
    );
    expect(edit.hubspot.writes).toBe(1);
    const linked = await companyTrace(s, 'account', account);
    expect(linked.pair?.accountId).toBe(account);
    expect((await companyProperties(s, linked.pair!.companyId)).name).toBe('Toggle On Ltd');
  });

  it('C2: a new account (no contact needed) creates a HubSpot company with every mapped value, in one batch write', async () => {
    let account = '';
    const calls = await s.measure(async () => {
      account = await s.salesforceSandbox.userCreate('Account', {
        Name: 'Acme Anvils',
        BillingCity: 'Lyon',
        Phone: '+33 4 00 00 00 00',
        Industry: 'Banking',
      });
    });
    const trace = await companyTrace(s, 'account', account);
    expect(latest(trace)).toMatchObject({
      outcome: 'synced',
      reason: expect.stringMatching(/^C2: company \d+ created for account \w+ \(C3\(c\): no company to link/),
    });
    const companyId = trace.pair!.companyId;
    expect(await companyProperties(s, companyId)).toMatchObject({
      name: 'Acme Anvils',
      city: 'Lyon',
      industry: 'BANKING', // picklist table: Salesforce "Banking" → HubSpot "BANKING" (C7)
    });
    expect(trace.pair?.origin).toBe('created-in-salesforce');
    expect(calls.hubspot.writes).toBe(1);
    expect(calls.salesforce.writes).toBe(0);
    expect(trace.fields.every((f) => f.inSync)).toBe(true);
  });

  it('C3: an account links to the company its Contacts’ HubSpot contacts are associated with — never to the company with its name', async () => {
    await setCompanySync(s.deps, false); // existing records, before company sync
    const lee = await linkedContact(s, 'lee');
    const hq = await s.hubspotSandbox.userCreateCompany({ name: 'Initech HQ', city: 'Austin' });
    const sameName = await s.hubspotSandbox.userCreateCompany({ name: 'Initech' });
    await s.hubspotSandbox.userAssociate(lee.hubspotId, hq, true);
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Initech' });
    await s.salesforceSandbox.userUpdate('Contact', lee.contactId, { AccountId: account });
    await s.flush();
    await setCompanySync(s.deps, true);
    const companies = await companyCount(s);

    const calls = await s.measure(() =>
      s.salesforceSandbox.userUpdate('Account', account, { BillingCity: 'Dallas' }),
    );
    const trace = await companyTrace(s, 'account', account);
    expect(trace.pair).toMatchObject({ companyId: hq, accountId: account, origin: 'matched-by-contacts' });
    expect(latest(trace)).toMatchObject({
      outcome: 'linked',
      reason: expect.stringMatching(
        /^C3\(b\): company \d+ is associated with 1 of the account's synced contacts/,
      ),
    });
    // First sync of the link (C7, two-way): the account changed last, so its values win.
    expect(await companyProperties(s, hq)).toMatchObject({ name: 'Initech', city: 'Dallas' });
    expect((await companyProperties(s, sameName)).name).toBe('Initech');
    expect((await companyTrace(s, 'company', sameName)).pair).toBeNull();
    expect(await companyCount(s)).toBe(companies); // nothing created
    expect(calls.hubspot.writes).toBe(1);
  });

  it('C4: a company associated with a contact that syncs to a Contact with no account creates an Account', async () => {
    const ann = await linkedContact(s, 'ann');
    let company = '';
    const calls = await s.measure(async () => {
      company = await s.hubspotSandbox.userCreateCompany({ name: 'Hooli Labs', city: 'Palo Alto' });
      await s.hubspotSandbox.userAssociate(ann.hubspotId, company, true);
    });
    const trace = await companyTrace(s, 'company', company);
    expect(trace.decisions.find((d) => d.reason?.startsWith('C4: '))).toMatchObject({
      outcome: 'synced',
      reason: expect.stringMatching(/^C4: account 001\w+ created for company \d+$/),
    });
    // The new account's own CDC event and outbound message come back as an echo: nothing to do (no loop).
    expect(latest(trace)).toMatchObject({ outcome: 'noop', reason: expect.stringMatching(/^C7: /) });
    const accountId = trace.pair!.accountId;
    expect(trace.pair?.origin).toBe('created-in-hubspot');
    expect(s.salesforceSandbox.getRecord(accountId)).toMatchObject({
      Name: 'Hooli Labs',
      BillingCity: 'Palo Alto',
    });
    // One Account create (C4), then the Contact's AccountId follows its primary company (C6).
    expect(s.salesforceSandbox.getRecord(ann.contactId)?.['AccountId']).toBe(accountId);
    expect(calls.salesforce.writes).toBe(2);
  });

  it('C4: a company with no associated contact creates no Account, and the decision says why', async () => {
    let company = '';
    const calls = await s.measure(async () => {
      company = await s.hubspotSandbox.userCreateCompany({ name: 'Lonely Co' });
    });
    const trace = await companyTrace(s, 'company', company);
    expect(trace.pair).toBeNull();
    expect(latest(trace)).toMatchObject({
      outcome: 'noop',
      reason: expect.stringMatching(/^C4: no account created for company \d+: /),
    });
    expect(calls.salesforce.writes).toBe(0);
  });

  it('C5: a company whose contacts all sync with Leads creates no Account; the Lead Company text field syncs through the contact mapping', async () => {
    const email = uniqueEmail('lead');
    const hubspotId = await s.hubspotSandbox.userCreateContact({
      email,
      lastname: 'Lead',
      company: 'Umbrella',
    });
    await s.flush(); // R2: the contact syncs and becomes a Lead (creation.salesforceObject: Lead)
    const pair = (await s.stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
    expect(pair?.salesforceType).toBe('Lead');
    let company = '';
    const calls = await s.measure(async () => {
      company = await s.hubspotSandbox.userCreateCompany({ name: 'Umbrella Corp' });
      await s.hubspotSandbox.userAssociate(hubspotId, company, true);
      await s.salesforceSandbox.userUpdate('Lead', pair!.salesforceId, { Company: 'Umbrella Corporation' });
    });
    const trace = await companyTrace(s, 'company', company);
    expect(trace.pair).toBeNull();
    expect(latest(trace)).toMatchObject({
      outcome: 'noop',
      reason: expect.stringMatching(/^C4: no account created .*Leads, which have no account \(C5\)/),
    });
    expect(calls.salesforce.writes).toBe(0); // no Account, no Lead write
    expect((await hubspotContact(s, hubspotId)).company).toBe('Umbrella Corporation');
    expect(s.salesforceSandbox.getRecord(pair!.salesforceId)?.['Company']).toBe('Umbrella Corporation');
  });
});

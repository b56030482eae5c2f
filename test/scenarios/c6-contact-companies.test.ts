import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyAssociation } from '../../lib/ports.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { decisionsSince, type Scenario, startScenario, uniqueEmail } from './scenario-stack.ts';

/**
 * C6 on contacts through real deliveries: Salesforce CDC and outbound messages, HubSpot webhooks
 * (`contact.associationChange` included) → the intake → the local SQS → the processor → the real
 * clients against the sandboxes. No segment (R2): every contact syncs. Company sync is on (C1).
 */
describe('C6 contact ⇄ company associations (scenario)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario();
    await setCompanySync(s.deps, true);
  });
  afterAll(async () => {
    await s?.close();
  });

  const companiesOf = async (contactId: string): Promise<CompanyAssociation[]> =>
    (await s.stack.hubspot.readContactCompanies([contactId])).get(contactId) ?? [];
  const primaryOf = async (contactId: string) =>
    (await companiesOf(contactId)).find((a) => a.primary)?.companyId;
  const companyOfAccount = async (accountId: string) =>
    (await s.stack.store.getCompanyPairsByAccountIds([accountId])).get(accountId)?.companyId;
  const accountIdOf = async (contactId: string) =>
    (await s.stack.salesforce.readRecords('Contact', [contactId], ['AccountId']))[0]?.fields['AccountId'];
  const hubspotIdOf = async (salesforceId: string) =>
    (await s.stack.store.getPairsBySalesforceIds([salesforceId])).get(salesforceId)?.hubspotId;

  /** A Lead created in Salesforce and synced to a new HubSpot contact (R2). */
  async function syncedLead(label: string) {
    const lead = await s.salesforceSandbox.userCreate('Lead', {
      LastName: label,
      Company: `${label} Co`,
      Email: uniqueEmail(label),
    });
    await s.flush();
    const hubspotId = await hubspotIdOf(lead);
    if (!hubspotId) throw new Error(`${label}: the lead did not sync`);
    return { lead, hubspotId };
  }

  /** Two accounts synced to companies (C2), and a Contact under the first, synced to a new HubSpot contact. */
  async function contactUnderAccount(label: string) {
    const first = await s.salesforceSandbox.userCreate('Account', { Name: `${label} One` });
    const second = await s.salesforceSandbox.userCreate('Account', { Name: `${label} Two` });
    await s.flush();
    const contact = await s.salesforceSandbox.userCreate('Contact', {
      LastName: label,
      Email: uniqueEmail(label),
      AccountId: first,
    });
    await s.flush();
    const hubspotId = await hubspotIdOf(contact);
    const [companyOne, companyTwo] = [await companyOfAccount(first), await companyOfAccount(second)];
    if (!hubspotId || !companyOne || !companyTwo) throw new Error(`${label}: setup did not sync`);
    return { first, second, contact, hubspotId, companyOne, companyTwo };
  }

  it('C6: a Contact created under an account gets that account’s company as its HubSpot primary company', async () => {
    const { hubspotId, companyOne, contact } = await contactUnderAccount('Created');
    expect(await companiesOf(hubspotId)).toEqual([{ companyId: companyOne, primary: true }]);
    const pair = (await s.stack.store.getPairsBySalesforceIds([contact])).get(contact);
    expect(pair?.snapshot['@account']).toBeDefined();
  });

  it('C6: a Contact moved to another account moves its HubSpot contact’s primary company; the old one stays, demoted', async () => {
    const { contact, second, hubspotId, companyOne, companyTwo } = await contactUnderAccount('Moved');
    const since = Date.now();
    const calls = await s.measure(() =>
      s.salesforceSandbox.userUpdate('Contact', contact, { AccountId: second }),
    );

    expect(await primaryOf(hubspotId)).toBe(companyTwo);
    expect(await companiesOf(hubspotId)).toContainEqual({ companyId: companyOne, primary: false });
    expect(await accountIdOf(contact)).toBe(second);
    // One association write (HubSpot demotes the old primary itself); Salesforce is not written.
    expect(calls.hubspot.writes).toBe(1);
    expect(calls.salesforce.writes).toBe(0);
    const decided = decisionsSince(await s.trace('salesforce', contact), since);
    expect(decided).toContainEqual(
      expect.objectContaining({
        outcome: 'synced',
        reason: expect.stringContaining(
          `C6: primary company set to ${companyTwo}, linked to AccountId ${second}`,
        ),
      }),
    );
    const pair = (await s.stack.store.getPairsBySalesforceIds([contact])).get(contact);
    expect(pair?.snapshot['@account']).toBe(second);
    // The echo of our own association write changes nothing.
    expect(await s.measure(() => s.flush())).toMatchObject({
      hubspot: { writes: 0 },
      salesforce: { writes: 0 },
    });
  });

  it('C6: a primary company changed in HubSpot (contact.associationChange) moves the Contact’s AccountId', async () => {
    const { contact, second, hubspotId, companyOne, companyTwo } = await contactUnderAccount('Reverse');
    const since = Date.now();
    const calls = await s.measure(() => s.hubspotSandbox.userAssociate(hubspotId, companyTwo, true));

    expect(await accountIdOf(contact)).toBe(second);
    expect(await primaryOf(hubspotId)).toBe(companyTwo);
    expect(await companiesOf(hubspotId)).toContainEqual({ companyId: companyOne, primary: false });
    expect(calls.salesforce.writes).toBe(1);
    expect(calls.hubspot.writes).toBe(0);
    const decided = decisionsSince(await s.trace('hubspot', hubspotId), since);
    expect(decided).toContainEqual(
      expect.objectContaining({
        outcome: 'synced',
        reason: expect.stringContaining(
          `C6: AccountId set to ${second}, the account of primary company ${companyTwo}`,
        ),
      }),
    );
    expect((await s.stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId)?.snapshot['@account']).toBe(
      second,
    );
  });

  it('C6: AccountId cleared in Salesforce demotes the primary company; the company stays associated', async () => {
    const { contact, hubspotId, companyOne } = await contactUnderAccount('Cleared');
    const calls = await s.measure(() =>
      s.salesforceSandbox.userUpdate('Contact', contact, { AccountId: null }),
    );
    expect(await companiesOf(hubspotId)).toEqual([{ companyId: companyOne, primary: false }]);
    expect(calls.hubspot.writes).toBe(1);
    const decided = decisionsSince(await s.trace('salesforce', contact), 0);
    expect(decided.map((d) => d.reason)).toContainEqual(
      expect.stringContaining('C6: AccountId cleared in Salesforce'),
    );
  });

  it('C6/C2: a Contact moved to an account with no company yet gets one created (C2) and made primary in the same batch', async () => {
    const { contact, hubspotId } = await contactUnderAccount('Fresh');
    // Created while company sync was off (C1): the account has no company when the Contact moves to it.
    await setCompanySync(s.deps, false);
    const third = await s.salesforceSandbox.userCreate('Account', { Name: 'Fresh Three' });
    await s.flush();
    await setCompanySync(s.deps, true);
    expect(await companyOfAccount(third)).toBeUndefined();
    await s.salesforceSandbox.userUpdate('Contact', contact, { AccountId: third });
    await s.flush();
    const company = await companyOfAccount(third);
    expect(company).toBeDefined();
    expect(await primaryOf(hubspotId)).toBe(company);
    const trace = await s.stack.store.listDecisions(`salesforce:${third}`);
    expect(trace.map((d) => d.reason)).toContainEqual(expect.stringMatching(/^C2: company \d+ created/));
  });

  it('C6/C4: a Contact with no account whose HubSpot contact gets a new primary company: C4 creates the Account and AccountId follows in the same batch', async () => {
    const contact = await s.salesforceSandbox.userCreate('Contact', {
      LastName: 'NoAcct',
      Email: uniqueEmail('noacct'),
    });
    await s.flush();
    const hubspotId = await hubspotIdOf(contact);
    if (!hubspotId) throw new Error('the Contact did not sync');
    const company = await s.hubspotSandbox.userCreateCompany({ name: 'Brand New Co' });
    await s.hubspotSandbox.userAssociate(hubspotId, company, true);
    await s.flush();
    const account = (await s.stack.store.getCompanyPairsByCompanyIds([company])).get(company)?.accountId;
    expect(account).toBeDefined();
    expect(await accountIdOf(contact)).toBe(account);
    const trace = await s.stack.store.listDecisions(`hubspot-company:${company}`);
    expect(trace.map((d) => d.reason)).toContainEqual(
      expect.stringMatching(/^C4: account \w+ created for company/),
    );
  });

  it('C5: a HubSpot contact linked to a Lead that changes its primary company leaves the Lead alone, and the decision says why', async () => {
    const { hubspotId } = await syncedLead('lead-company');
    const company = await s.hubspotSandbox.userCreateCompany({ name: 'Lead Co' });
    const since = Date.now();
    const calls = await s.measure(() => s.hubspotSandbox.userAssociate(hubspotId, company, true));
    expect(calls.salesforce.writes).toBe(0);
    const decided = decisionsSince(await s.trace('hubspot', hubspotId), since);
    expect(decided).toContainEqual(
      expect.objectContaining({ reason: expect.stringContaining('C5: a Lead has no account') }),
    );
  });

  it('C5/C6: when the Lead converts, the pair follows the Contact and its HubSpot contact gets the new account’s company as primary', async () => {
    const { lead, hubspotId } = await syncedLead('converted');
    expect(await companiesOf(hubspotId)).toEqual([]);
    const { contactId, accountId } = await s.salesforceSandbox.convertLead(lead);
    await s.flush();
    expect((await s.stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId)?.salesforceId).toBe(
      contactId,
    );
    const company = await companyOfAccount(accountId);
    expect(company).toBeDefined();
    expect(await primaryOf(hubspotId)).toBe(company);
  });
});

describe('creation.salesforceObject "ContactIfAccount" (scenario)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario({
      config: (c) => {
        c.creation = { ...c.creation, salesforceObject: 'ContactIfAccount' };
      },
    });
    await setCompanySync(s.deps, true);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('C6: a new HubSpot contact whose primary company is linked to an account becomes a Contact under it; one without becomes a Lead', async () => {
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Under Co' });
    await s.flush();
    const company = (await s.stack.store.getCompanyPairsByAccountIds([account])).get(account)?.companyId;
    if (!company) throw new Error('the account did not sync');
    const unlinked = await s.hubspotSandbox.userCreateCompany({ name: 'Nobody’s Co' });
    const under = await s.hubspotSandbox.userCreateContact({
      email: uniqueEmail('under'),
      lastname: 'Under',
    });
    await s.hubspotSandbox.userAssociate(under, company, true);
    const alone = await s.hubspotSandbox.userCreateContact({
      email: uniqueEmail('alone'),
      lastname: 'Alone',
    });
    await s.hubspotSandbox.userAssociate(alone, unlinked, true);
    await s.flush();

    const pairs = await s.stack.store.getPairsByHubSpotIds([under, alone]);
    // A contact that becomes a Lead gives C4 nothing to decide in the contact's batch (C5): the company's
    // only C4 decision is the one its own creation notice made.
    expect(await s.stack.store.listDecisions(`hubspot-company:${unlinked}`)).toHaveLength(1);
    expect(pairs.get(under)?.salesforceType).toBe('Contact');
    expect(pairs.get(alone)?.salesforceType).toBe('Lead');
    const [contact] = await s.stack.salesforce.readRecords(
      'Contact',
      [pairs.get(under)?.salesforceId ?? ''],
      ['AccountId'],
    );
    expect(contact?.fields['AccountId']).toBe(account);
    const created = (await s.trace('hubspot', under)).decisions.find(
      (d) => d.reason === 'created in Salesforce',
    );
    expect(created?.detail).toMatchObject({ objectType: 'Contact' });
    expect(created?.detail?.['links']).toContainEqual(
      expect.objectContaining({
        rule: 'C6',
        reason: expect.stringContaining(`created under account ${account}`),
      }),
    );
  });
});

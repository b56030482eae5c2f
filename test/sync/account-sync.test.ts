import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { refreshOwnerDirectory } from '../../lib/sync/owner-directory.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { syncAccounts } from '../../lib/sync/account-sync.ts';
import type { AccountSyncDeps } from '../../lib/sync/account-sync.ts';
import { linkedContactTwins, startCompanyStack } from '../support/company-fixtures.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * Salesforce Accounts → HubSpot companies through the real adapters and the sandboxes: C1 gate, C2
 * creation, C3 matching through contacts, C7 field rules, O1–O4 owners on accounts.
 */
describe('account sync (C1, C2, C3, C7, O1–O4)', () => {
  let s: TestStack;
  let deps: AccountSyncDeps;
  beforeAll(async () => {
    s = await startTestStack();
    deps = {
      store: s.store,
      hubspot: s.hubspot,
      salesforce: s.salesforce,
      config: s.config,
      now: () => Date.now(),
    };
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await setCompanySync(deps, true);
  });

  it('C1: with company sync off, an account creates, links and writes nothing, and the decision says why', async () => {
    await setCompanySync(deps, false);
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Off Corp' });
    const { result, calls } = await s.measure(() => syncAccounts(deps, [account]));
    expect(result).toMatchObject([
      { recordKey: `salesforce:${account}`, outcome: 'skipped', reason: expect.stringMatching(/^C1: /) },
    ]);
    expect(calls.hubspot.reads + calls.hubspot.writes + calls.salesforce.reads).toBe(0);
    expect((await s.store.getCompanyPairsByAccountIds([account])).size).toBe(0);
  });

  it('C2/C7: a new account creates a company with its mapped values; a rename then updates the company', async () => {
    const account = await s.salesforceSandbox.userCreate('Account', {
      Name: 'Acme',
      BillingCity: 'Lyon',
      Industry: 'Banking',
    });
    const [created] = await syncAccounts(deps, [account]);
    expect(created).toMatchObject({
      outcome: 'synced',
      reason: expect.stringMatching(/^C2: company \d+ created .*C3\(c\): no company to link/),
    });
    const pair = (await s.store.getCompanyPairsByAccountIds([account])).get(account)!;
    const [company] = await s.hubspot.readCompanies([pair.companyId], ['name', 'city', 'industry']);
    expect(company?.properties).toMatchObject({ name: 'Acme', city: 'Lyon', industry: 'BANKING' });

    await s.salesforceSandbox.userUpdate('Account', account, { Name: 'Acme Corp' });
    const { result, calls } = await s.measure(() => syncAccounts(deps, [account]));
    expect(result).toMatchObject([{ outcome: 'synced', reason: expect.stringMatching(/^C7: /) }]);
    expect(calls.hubspot.writes).toBe(1);
    expect(calls.salesforce.writes).toBe(0);
    const [renamed] = await s.hubspot.readCompanies([pair.companyId], ['name']);
    expect(renamed?.properties['name']).toBe('Acme Corp');
    // An echo of our own write finds nothing to do.
    expect(await syncAccounts(deps, [account])).toMatchObject([{ outcome: 'noop' }]);
  });

  it('C3: an account links to the company of the HubSpot contacts that sync with its Contacts, never by name', async () => {
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Globex' });
    const { hubspotId: hsContact } = await linkedContactTwins(s, {
      email: 'lee@globex.example',
      lastname: 'Lee',
      accountId: account,
    });
    const company = await s.hubspotSandbox.userCreateCompany({ name: 'Globex Corporation (HQ)' });
    await s.hubspotSandbox.userCreateCompany({ name: 'Globex' });
    await s.hubspotSandbox.userAssociate(hsContact, company, true);
    const [decision] = await syncAccounts(deps, [account]);
    expect(decision).toMatchObject({
      outcome: 'linked',
      reason: expect.stringMatching(/^C3\(b\): company \d+ is associated with 1/),
    });
    expect((await s.store.getCompanyPairsByAccountIds([account])).get(account)?.companyId).toBe(company);
    // First sync of the new link (C7, two-way): the company's name changed later, so it wins.
    const [renamed] = await s.salesforce.readAccounts([account], ['Name']);
    expect(renamed?.fields['Name']).toBe('Globex Corporation (HQ)');
  });

  it('C3: on a first sync the account links through Contacts not linked yet, by their HubSpot twins’ email — no duplicate company', async () => {
    // The first resync of an org: the contact batch runs the account pipeline before it stores the
    // contact links it is making, so the Contact's link is not in the store yet.
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Vandelay Industries' });
    await s.salesforceSandbox.userCreate('Contact', {
      LastName: 'Kramer',
      Email: 'Kramer@Vandelay.example',
      AccountId: account,
    });
    const twin = await s.hubspotSandbox.userCreateContact({
      email: 'kramer@vandelay.example',
      lastname: 'Kramer',
    });
    const company = await s.hubspotSandbox.userCreateCompany({ name: 'Vandelay' });
    await s.hubspotSandbox.userAssociate(twin, company, true);
    const { result, calls } = await s.measure(() => syncAccounts(deps, [account]));
    expect(result).toMatchObject([
      { outcome: 'linked', reason: expect.stringMatching(/^C3\(b\): company \d+ is associated with 1 /) },
    ]);
    expect((await s.store.getCompanyPairsByAccountIds([account])).get(account)?.companyId).toBe(company);
    // One write in all: the name, to whichever side C7's first link finds older (the two records
    // were created in the same millisecond or one after the other), and no company created.
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(1);
    const [linkedCompany] = await s.hubspot.readCompanies([company], ['name']);
    const [linkedAccount] = await s.salesforce.readAccounts([account], ['Name']);
    expect(linkedAccount?.fields['Name']).toBe(linkedCompany?.properties['name']);

    // A twin linked to another record does not count: it syncs with that one, not with this Contact.
    const other = await s.salesforceSandbox.userCreate('Account', { Name: 'Kramerica' });
    const lead = await s.salesforceSandbox.userCreate('Lead', {
      LastName: 'K',
      Company: 'K',
      Email: 'k@kramerica.example',
    });
    await s.salesforceSandbox.userCreate('Contact', {
      LastName: 'K',
      Email: 'k@kramerica.example',
      AccountId: other,
    });
    const taken = await s.hubspotSandbox.userCreateContact({ email: 'k@kramerica.example', lastname: 'K' });
    await s.hubspotSandbox.userAssociate(
      taken,
      await s.hubspotSandbox.userCreateCompany({ name: 'K Co' }),
      true,
    );
    await s.store.putPair(
      {
        hubspotId: taken,
        salesforceId: lead,
        salesforceType: 'Lead',
        snapshot: {},
        version: 0,
        lastSyncedAt: 0,
        origin: 'matched',
      },
      0,
    );
    expect(await syncAccounts(deps, [other])).toMatchObject([
      { outcome: 'synced', reason: expect.stringMatching(/^C2: company \d+ created .*C3\(c\)/) },
    ]);
  });

  it('O3: an account owner goes to the HubSpot owner with that email; with none, HubSpot is left and the decision says so', async () => {
    const owner = s.hubspotSandbox.addOwner({ email: 'owner.ann@example.com' });
    const ann = s.salesforceSandbox.addUser({ Email: 'Owner.Ann@example.com', LastName: 'Ann' });
    const dee = s.salesforceSandbox.addUser({ Email: 'only.salesforce@example.com', LastName: 'Dee' });
    await refreshOwnerDirectory(deps); // the scheduled refresh
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Owned', OwnerId: ann });
    await syncAccounts(deps, [account]);
    const pair = (await s.store.getCompanyPairsByAccountIds([account])).get(account)!;
    const read = async () =>
      (await s.hubspot.readCompanies([pair.companyId], ['hubspot_owner_id']))[0]?.properties[
        'hubspot_owner_id'
      ];
    expect(await read()).toBe(owner.id);

    await s.salesforceSandbox.userUpdate('Account', account, { OwnerId: dee });
    const [decision] = await syncAccounts(deps, [account]);
    expect(decision?.reason).toContain(
      'O3: HubSpot owner left unchanged: no HubSpot owner has the Salesforce owner’s email',
    );
    expect(await read()).toBe(owner.id);
  });

  it('O2: a company owner set in HubSpot with no active Salesforce user is refused and set back', async () => {
    const ann = s.hubspotSandbox.addOwner({ email: 'o2.ann@example.com' });
    const cid = s.hubspotSandbox.addOwner({ email: 'o2.cid@example.com' });
    const user = s.salesforceSandbox.addUser({ Email: 'o2.ann@example.com', LastName: 'Ann' });
    await refreshOwnerDirectory(deps); // the scheduled refresh
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Set back', OwnerId: user });
    await syncAccounts(deps, [account]);
    const pair = (await s.store.getCompanyPairsByAccountIds([account])).get(account)!;
    await s.hubspotSandbox.userUpdateCompany(pair.companyId, { hubspot_owner_id: cid.id });
    const [decision] = await syncAccounts(deps, [account]);
    expect(decision?.reason).toContain('O2: OwnerId not written');
    const [company] = await s.hubspot.readCompanies([pair.companyId], ['hubspot_owner_id']);
    expect(company?.properties['hubspot_owner_id']).toBe(ann.id);
    const [after] = await s.salesforce.readAccounts([account], []);
    expect(after?.fields['OwnerId']).toBe(user);
  });
});

describe('C8: Account notices through the processor', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(async () => {
    await s?.close();
  });
  const notice = (recordId: string, n: number, extra: Record<string, unknown> = {}) => ({
    source: 'salesforce' as const,
    objectType: 'Account' as const,
    recordId,
    kind: 'updated' as const,
    eventId: `acct-evt-${recordId}-${n}`,
    occurredAt: Date.now(),
    ...extra,
  });

  it('C8/C2: an AccountChangeEvent notice creates the company in the account lane; C1 off skips it', async () => {
    const deps = { store: s.store, config: s.config };
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Lane Co' });
    await setCompanySync(deps, false);
    const off = await s.process([notice(account, 1)]);
    expect(off.summary).toMatchObject({ skipped: 1, synced: 0 });
    await setCompanySync(deps, true);
    const on = await s.process([notice(account, 2)]);
    expect(on.summary).toMatchObject({ synced: 1 });
    expect(on.batchItemFailures).toEqual([]);
    const pair = (await s.store.getCompanyPairsByAccountIds([account])).get(account);
    expect(pair?.origin).toBe('created-in-salesforce');
    const trace = await s.store.listDecisions(`salesforce:${account}`);
    expect(trace.map((d) => d.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^C2: company/), expect.stringMatching(/^C1: /)]),
    );
  });

  it('C9: an Account merge re-points the link to the master account', async () => {
    const deps = { store: s.store, config: s.config };
    await setCompanySync(deps, true);
    const master = await s.salesforceSandbox.userCreate('Account', { Name: 'Master' });
    const loser = await s.salesforceSandbox.userCreate('Account', { Name: 'Loser' });
    await s.process([notice(loser, 1)]);
    const company = (await s.store.getCompanyPairsByAccountIds([loser])).get(loser)!.companyId;
    await s.salesforceSandbox.merge('Account', master, [loser]);
    const result = await s.process([notice(loser, 2, { kind: 'merged', survivorId: master })]);
    expect(result.batchItemFailures).toEqual([]);
    expect((await s.store.getCompanyPairsByAccountIds([master])).get(master)?.companyId).toBe(company);
    expect((await s.store.getCompanyPairsByAccountIds([loser])).size).toBe(0);
    const trace = await s.store.listDecisions(`salesforce:${loser}`);
    expect(trace[0]?.reason).toMatch(/^C9: account .* merged into/);
  });
});

describe('C4/C8/C9: HubSpot company notices through the processor', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startCompanyStack();
  });
  afterAll(async () => {
    await s?.close();
  });
  let n = 0;
  const notice = (recordId: string, extra: Record<string, unknown> = {}) => ({
    source: 'hubspot' as const,
    objectType: 'company' as const,
    recordId,
    kind: 'updated' as const,
    eventId: `company-evt-${recordId}-${++n}`,
    occurredAt: Date.now(),
    ...extra,
  });

  it('C4: a company with no associated contact creates no account, and the decision says why', async () => {
    const company = await s.hubspotSandbox.userCreateCompany({ name: 'Lonely' });
    const { result, calls } = await s.measure(() => s.process([notice(company)]));
    expect(result.summary).toMatchObject({ noop: 1 });
    expect(calls.salesforce.writes).toBe(0);
    const [d] = await s.store.listDecisions(`hubspot-company:${company}`);
    expect(d?.reason).toContain('C4: no account created');
    expect(d?.reason).toContain('no associated contact');
  });

  it('C4: a company whose contact syncs with a Salesforce Contact without account creates the Account', async () => {
    const company = await s.hubspotSandbox.userCreateCompany({ name: 'Initrode', city: 'Austin' });
    const { hubspotId: contact } = await linkedContactTwins(s, {
      email: 'pm@initrode.example',
      lastname: 'Pm',
    });
    await s.hubspotSandbox.userAssociate(contact, company, true);
    const result = await s.process([notice(company)]);
    expect(result.summary).toMatchObject({ synced: 1 });
    const pair = (await s.store.getCompanyPairsByCompanyIds([company])).get(company)!;
    const [account] = await s.salesforce.readAccounts([pair.accountId], ['Name', 'BillingCity']);
    expect(account?.fields).toMatchObject({ Name: 'Initrode', BillingCity: 'Austin' });
    // C7: a later company edit syncs through the link, both ways.
    await s.hubspotSandbox.userUpdateCompany(company, { city: 'Dallas' });
    await s.process([notice(company)]);
    const [edited] = await s.salesforce.readAccounts([pair.accountId], ['BillingCity']);
    expect(edited?.fields['BillingCity']).toBe('Dallas');
  });

  it('C9: a HubSpot company merge moves the link to the surviving company (ours: the native refuses)', async () => {
    const loser = await s.hubspotSandbox.userCreateCompany({ name: 'Merge Me' });
    const survivor = await s.hubspotSandbox.userCreateCompany({ name: 'Survivor' });
    const account = await s.salesforceSandbox.userCreate('Account', { Name: 'Merge Me' });
    await s.store.putCompanyPair(
      {
        companyId: loser,
        accountId: account,
        snapshot: {},
        version: 0,
        lastSyncedAt: 0,
        origin: 'matched-by-contacts',
      },
      0,
    );
    await s.hubspotSandbox.userMergeCompanies(survivor, loser);
    const result = await s.process([notice(loser, { kind: 'merged', survivorId: survivor })]);
    expect(result.batchItemFailures).toEqual([]);
    expect((await s.store.getCompanyPairsByAccountIds([account])).get(account)?.companyId).toBe(survivor);
    const [d] = await s.store.listDecisions(`hubspot-company:${loser}`);
    expect(d?.reason).toMatch(/^C9: company .* merged into/);
  });
});

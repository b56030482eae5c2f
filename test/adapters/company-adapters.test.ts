import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * The company side of both adapters, through the real clients against the sandboxes: companies and
 * Accounts batched at the floor, associations v4 read and written in batches, owners and users read
 * for the owner directory.
 */
describe('company/account adapters', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('C2/C7: creates 150 companies in two batch calls, updates and reads them in two each', async () => {
    const inputs = Array.from({ length: 150 }, (_, i) => ({
      ref: `r${i}`,
      properties: { name: `Co ${i}`, city: 'Lyon' },
    }));
    const created = await s.measure(() => s.hubspot.createCompanies(inputs));
    expect(created.result.every((o) => o.ok)).toBe(true);
    expect(created.calls.hubspot.writes).toBe(2);
    const ids = created.result.map((o) => (o.ok ? o.id : ''));
    const updated = await s.measure(() =>
      s.hubspot.updateCompanies(ids.map((id, i) => ({ ref: `u${i}`, id, properties: { city: 'Paris' } }))),
    );
    expect(updated.result.every((o) => o.ok)).toBe(true);
    expect(updated.calls.hubspot.writes).toBe(2);
    const read = await s.measure(() => s.hubspot.readCompanies(ids, ['name', 'city']));
    expect(read.result).toHaveLength(150);
    expect(read.result.every((c) => c.properties['city'] === 'Paris')).toBe(true);
    expect(read.calls.hubspot.reads).toBe(2);
  });

  it('C6: sets primary companies in one call; the old primary stays associated, unlabeled; demotion keeps it', async () => {
    const contact = await s.hubspotSandbox.userCreateContact({ email: 'assoc@example.com', lastname: 'A' });
    const acme = await s.hubspotSandbox.userCreateCompany({ name: 'Acme' });
    const globex = await s.hubspotSandbox.userCreateCompany({ name: 'Globex' });
    await s.hubspot.setPrimaryCompanies([{ contactId: contact, companyId: acme }]);
    const moved = await s.measure(() =>
      s.hubspot.setPrimaryCompanies([{ contactId: contact, companyId: globex }]),
    );
    expect(moved.calls.hubspot.writes).toBe(1);
    const read = await s.hubspot.readContactCompanies([contact]);
    expect(read.get(contact)).toEqual(
      expect.arrayContaining([
        { companyId: globex, primary: true },
        { companyId: acme, primary: false },
      ]),
    );
    await s.hubspot.demotePrimaryCompanies([{ contactId: contact, companyId: globex }]);
    const after = await s.hubspot.readContactCompanies([contact]);
    expect(after.get(contact)?.every((a) => !a.primary)).toBe(true);
    expect(after.get(contact)).toHaveLength(2);
    expect((await s.hubspot.readCompanyContacts([acme, globex])).get(acme)).toEqual([contact]);
  });

  it('C4: reads the contacts of many companies in one association call', async () => {
    const companies = await s.hubspot.createCompanies(
      Array.from({ length: 120 }, (_, i) => ({ ref: `c${i}`, properties: { name: `Assoc ${i}` } })),
    );
    const ids = companies.map((o) => (o.ok ? o.id : ''));
    const read = await s.measure(() => s.hubspot.readCompanyContacts(ids));
    expect(read.calls.hubspot.reads).toBe(1);
    expect([...read.result.values()].flat()).toEqual([]);
  });

  it('O3: lists active and archived HubSpot owners with their emails', async () => {
    const ann = s.hubspotSandbox.addOwner({ email: 'ann.owner@example.com' });
    const gone = s.hubspotSandbox.addOwner({ email: 'gone.owner@example.com', archived: true });
    const owners = await s.hubspot.listOwners();
    expect(owners).toEqual(
      expect.arrayContaining([
        { id: ann.id, email: 'ann.owner@example.com', archived: false },
        { id: gone.id, email: 'gone.owner@example.com', archived: true },
      ]),
    );
  });

  it('C4/C7: creates 250 Accounts in two collection calls and reads them back by id with OwnerId', async () => {
    const inputs = Array.from({ length: 250 }, (_, i) => ({
      ref: `a${i}`,
      fields: { Name: `Account ${i}`, BillingCity: 'Lyon' },
    }));
    const created = await s.measure(() => s.salesforce.createRecords('Account', inputs));
    expect(created.result.every((o) => o.ok)).toBe(true);
    expect(created.calls.salesforce.writes).toBe(2);
    const ids = created.result.map((o) => (o.ok ? o.id : ''));
    const read = await s.salesforce.readAccounts(ids, ['Name', 'BillingCity']);
    expect(read).toHaveLength(250);
    expect(read[0]?.fields).toMatchObject({ Name: expect.stringMatching(/^Account /), BillingCity: 'Lyon' });
    expect(read[0]?.fields['OwnerId']).toEqual(expect.any(String));
  });

  it('C3/C6: reads the Contacts of accounts by AccountId; C9: a merged-away account names its master', async () => {
    const a = await s.salesforceSandbox.userCreate('Account', { Name: 'Initech' });
    const b = await s.salesforceSandbox.userCreate('Account', { Name: 'Initech Ltd' });
    const contact = await s.salesforceSandbox.userCreate('Contact', { LastName: 'Lumbergh', AccountId: b });
    expect(await s.salesforce.readAccountContacts([a, b])).toEqual([{ id: contact, accountId: b }]);
    await s.salesforceSandbox.merge('Account', a, [b]);
    const [loser] = await s.salesforce.readAccounts([b], ['Name']);
    expect(loser).toMatchObject({ id: b, isDeleted: true, masterRecordId: a });
    expect(await s.salesforce.readAccountContacts([a])).toEqual([{ id: contact, accountId: a }]);
  });

  it('O2: lists Salesforce users with Email, IsActive and UserType', async () => {
    const active = s.salesforceSandbox.addUser({ Email: 'Dee@Example.com', LastName: 'Dee' });
    const inactive = s.salesforceSandbox.addUser({
      Email: 'eve@example.com',
      LastName: 'Eve',
      IsActive: false,
    });
    const users = await s.salesforce.listUsers();
    expect(users).toEqual(
      expect.arrayContaining([
        { id: active, email: 'Dee@Example.com', isActive: true, userType: 'Standard' },
        { id: inactive, email: 'eve@example.com', isActive: false, userType: 'Standard' },
      ]),
    );
  });
});

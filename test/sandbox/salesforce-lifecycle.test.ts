import jsforce from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';

let sb: SalesforceSandbox;
let conn: jsforce.Connection;

beforeAll(async () => {
  sb = await startSalesforceSandbox({ port: 0, autoDeliver: false });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.reset();
  conn = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'any-token', version: '64.0' });
});

describe('Salesforce sandbox: lead conversion', () => {
  it('creates an Account and a Contact and marks the lead converted', async () => {
    const leadId = await sb.userCreate('Lead', {
      FirstName: 'Lin',
      LastName: 'Ma',
      Company: 'Initech',
      Email: 'lin.ma@initech.example.com',
      Phone: '+1 555 100 2000',
      City: 'Austin',
    });
    const { contactId, accountId } = await sb.convertLead(leadId);
    expect(contactId).toMatch(/^003/);
    expect(accountId).toMatch(/^001/);
    const res = await conn.query<Record<string, unknown>>(
      `SELECT Id, IsConverted, ConvertedContactId, ConvertedAccountId, ConvertedDate, Status FROM Lead WHERE Id = '${leadId}'`,
    );
    expect(res.records[0]).toMatchObject({
      IsConverted: true,
      ConvertedContactId: contactId,
      ConvertedAccountId: accountId,
      Status: 'Closed - Converted',
    });
    expect(res.records[0]?.ConvertedDate).toMatch(/^\d{4}-\d\d-\d\d$/);
    const contact = await conn.sobject('Contact').retrieve(contactId);
    expect(contact).toMatchObject({
      FirstName: 'Lin',
      LastName: 'Ma',
      Email: 'lin.ma@initech.example.com',
      AccountId: accountId,
      MailingCity: 'Austin',
    });
    const account = await conn.sobject('Account').retrieve(accountId);
    expect(account.Name).toBe('Initech');
    expect((await conn.query('SELECT Id FROM Lead WHERE IsConverted = false')).totalSize).toBe(0);
  });

  it('converts into an existing contact when asked', async () => {
    const existing = await sb.userCreate('Contact', { LastName: 'Ma', Email: 'lin.ma@initech.example.com' });
    const leadId = await sb.userCreate('Lead', {
      LastName: 'Ma',
      Company: 'Initech',
      Email: 'lin.ma@initech.example.com',
    });
    const out = await sb.convertLead(leadId, { contactId: existing });
    expect(out.contactId).toBe(existing);
    expect(sb.getRecord(existing)?.AccountId).toBe(out.accountId);
    expect((await conn.query('SELECT Id FROM Contact')).totalSize).toBe(1);
  });

  it('makes converted leads read-only (CANNOT_UPDATE_CONVERTED_LEAD), also in collections', async () => {
    const leadId = await sb.userCreate('Lead', { LastName: 'Ro', Company: 'C' });
    await sb.convertLead(leadId);
    await expect(conn.sobject('Lead').update({ Id: leadId, Title: 'x' })).rejects.toMatchObject({
      errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD',
    });
    const res = await conn.sobject('Lead').update([{ Id: leadId, Title: 'x' }]);
    expect(res[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD' }],
    });
    await expect(sb.convertLead(leadId)).rejects.toMatchObject({ errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD' });
  });

  it('does not let an API client set Status to Closed - Converted directly', async () => {
    await expect(
      conn.sobject('Lead').create({ LastName: 'S', Company: 'C', Status: 'Closed - Converted' }),
    ).rejects.toMatchObject({
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
    });
  });
});

describe('Salesforce sandbox: merge, delete and undelete', () => {
  it('merges: losers are deleted with MasterRecordId, master keeps its values and fills blanks', async () => {
    const master = await sb.userCreate('Contact', { LastName: 'Master', Email: 'm@example.com' });
    const loser1 = await sb.userCreate('Contact', { LastName: 'Loser1', Title: 'CTO' });
    const loser2 = await sb.userCreate('Contact', { LastName: 'Loser2' });
    await sb.merge('Contact', master, [loser1, loser2]);
    const deleted = await conn.query<{ Id: string; MasterRecordId: string; IsDeleted: boolean }>(
      `SELECT Id, MasterRecordId, IsDeleted FROM Contact WHERE MasterRecordId = '${master}'`,
      { scanAll: true },
    );
    expect(deleted.records.map((r) => r.Id).sort()).toEqual([loser1, loser2].sort());
    expect(deleted.records.every((r) => r.IsDeleted)).toBe(true);
    const m = await conn.sobject('Contact').retrieve(master);
    expect(m).toMatchObject({ LastName: 'Master', Email: 'm@example.com', Title: 'CTO' });
    await expect(conn.sobject('Contact').retrieve(loser1)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
  });

  it('refuses merging more than three records or a record with itself', async () => {
    const ids = await Promise.all(
      [1, 2, 3, 4].map((i) => sb.userCreate('Lead', { LastName: `L${i}`, Company: 'C' })),
    );
    await expect(sb.merge('Lead', ids[0] as string, ids.slice(1))).rejects.toMatchObject({
      errorCode: 'INVALID_OPERATION',
    });
    await expect(sb.merge('Lead', ids[0] as string, [ids[0] as string])).rejects.toMatchObject({
      errorCode: 'INVALID_ID_FIELD',
    });
  });

  it('undeletes a record from the recycle bin', async () => {
    const id = await sb.userCreate('Lead', { LastName: 'Back', Company: 'C' });
    await sb.userDelete('Lead', id);
    await expect(conn.sobject('Lead').retrieve(id)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    await sb.userUndelete('Lead', id);
    await expect(conn.sobject('Lead').retrieve(id)).resolves.toMatchObject({ Id: id, IsDeleted: false });
  });
});

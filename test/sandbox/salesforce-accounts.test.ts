import jsforce from 'jsforce';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RelayedEvent } from '../../sandbox/salesforce/cdc.ts';
import { makeId } from '../../sandbox/salesforce/ids.ts';
import {
  INTEGRATION_USER_ID,
  type SalesforceSandbox,
  startSalesforceSandbox,
} from '../../sandbox/salesforce/index.ts';
import { type CaptureReceiver, startCaptureReceiver } from '../../sandbox/salesforce/receiver.ts';

let sb: SalesforceSandbox;
let conn: jsforce.Connection;
let outbound: CaptureReceiver;
let cdc: CaptureReceiver;

beforeAll(async () => {
  outbound = await startCaptureReceiver();
  cdc = await startCaptureReceiver();
  sb = await startSalesforceSandbox({
    port: 0,
    autoDeliver: false,
    outboundUrl: outbound.url,
    cdcUrl: cdc.url,
  });
});
afterAll(async () => {
  await sb.close();
  await outbound.close();
  await cdc.close();
});
beforeEach(() => {
  sb.reset();
  conn = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 't', version: '64.0' });
});
afterEach(() => {
  outbound.requests.length = 0;
  cdc.requests.length = 0;
});

/** The error jsforce throws: `errorCode` plus the REST body in `data`. */
async function sfError(
  p: Promise<unknown>,
): Promise<{ errorCode: string; message: string; fields?: string[] }> {
  try {
    await p;
  } catch (err) {
    const e = err as { errorCode: string; message: string; data?: { fields?: string[] } };
    return { errorCode: e.errorCode, message: e.message, fields: e.data?.fields ?? [] };
  }
  throw new Error('expected the call to fail');
}

const newAccount = async (fields: Record<string, unknown>): Promise<string> => {
  const r = await conn.sobject('Account').create({ Name: 'Acme', ...fields });
  if (!r.success) throw new Error('create failed');
  return r.id;
};

describe('Salesforce sandbox: Account', () => {
  it('creates, reads, updates an Account over REST; Name is required', async () => {
    const id = await newAccount({
      Website: 'https://acme.example.com',
      BillingCity: 'Lyon',
      NumberOfEmployees: 40,
    });
    expect(id).toMatch(/^001[A-Za-z0-9]{15}$/);
    await conn.sobject('Account').update({ Id: id, Name: 'Acme SA' });
    const read = (await conn.sobject('Account').retrieve(id)) as Record<string, unknown>;
    expect(read).toMatchObject({
      Name: 'Acme SA',
      BillingCity: 'Lyon',
      NumberOfEmployees: 40,
      OwnerId: INTEGRATION_USER_ID,
    });
    const missing = await sfError(conn.sobject('Account').create({ Website: 'x.example.com' }));
    expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
  });

  it('SOQL reads accounts by WHERE Id IN, and contacts by AccountId', async () => {
    const a = await newAccount({ Name: 'A' });
    const b = await newAccount({ Name: 'B' });
    await newAccount({ Name: 'C' });
    await conn.sobject('Contact').create({ LastName: 'Lee', AccountId: a });
    const r = await conn.query<{ Id: string; Name: string }>(
      `SELECT Id, Name, OwnerId FROM Account WHERE Id IN ('${a}', '${b}') ORDER BY Name`,
    );
    expect(r.records.map((x) => x.Name)).toEqual(['A', 'B']);
    const contacts = await conn.query<{ AccountId: string }>(
      `SELECT Id, AccountId FROM Contact WHERE AccountId = '${a}'`,
    );
    expect(contacts.records.map((x) => x.AccountId)).toEqual([a]);
  });

  it('collections create 200 accounts per call and refuse 201', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ Name: `Co ${i}` }));
    const made = await conn.sobject('Account').create(rows);
    expect(made.filter((x) => x.success)).toHaveLength(200);
    const tooMany = await sfError(conn.sobject('Account').create([...rows, { Name: 'one more' }]));
    expect(tooMany.errorCode).toBe('EXCEEDED_ID_LIMIT');
  });

  it('Contact.AccountId must name a live Account: another type is FIELD_INTEGRITY_EXCEPTION, a deleted one INVALID_CROSS_REFERENCE_KEY', async () => {
    const lead = await sb.userCreate('Lead', { LastName: 'L', Company: 'C' });
    const wrongType = await sfError(conn.sobject('Contact').create({ LastName: 'X', AccountId: lead }));
    expect(wrongType).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['AccountId'] });
    expect(wrongType.message).toContain('Account ID: id value of incorrect type');
    const acc = await newAccount({});
    await conn.sobject('Account').destroy(acc);
    const deleted = await sfError(conn.sobject('Contact').create({ LastName: 'X', AccountId: acc }));
    expect(deleted).toMatchObject({ errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['AccountId'] });
  });

  it('an Account merge re-parents the losers’ Contacts to the master and deletes the losers with MasterRecordId', async () => {
    const master = await newAccount({ Name: 'Master' });
    const loser = await newAccount({ Name: 'Loser', Phone: '+33 1' });
    const contact = await sb.userCreate('Contact', { LastName: 'Moved', AccountId: loser });
    await sb.flushDeliveries();
    cdc.requests.length = 0;
    await sb.merge('Account', master, [loser]);
    expect(sb.getRecord(contact)?.AccountId).toBe(master);
    expect(sb.getRecord(loser)).toMatchObject({ IsDeleted: true, MasterRecordId: master });
    expect(sb.getRecord(master)).toMatchObject({ Name: 'Master', Phone: '+33 1' });
    await sb.flushDeliveries();
    const headers = cdc.requests.map(
      (r) => (JSON.parse(r.body) as RelayedEvent).detail.payload.ChangeEventHeader,
    );
    expect(headers.map((h) => `${h.entityName} ${h.changeType}`).sort()).toEqual([
      'Account DELETE',
      'Account UPDATE',
      'Contact UPDATE',
    ]);
    expect(headers.find((h) => h.entityName === 'Contact')?.changedFields).toContain('AccountId');
  });
});

describe('Salesforce sandbox: owners (User, queues)', () => {
  it('User is queryable (Email, IsActive, UserType, Name) and read-only over REST', async () => {
    const ann = sb.addUser({ Email: 'ann@example.com', FirstName: 'Ann', LastName: 'Lee' });
    sb.addUser({ Email: 'old@example.com', LastName: 'Gone', IsActive: false });
    expect(ann).toMatch(/^005[A-Za-z0-9]{15}$/);
    const users = await conn.query<{ Email: string; Name: string; UserType: string }>(
      "SELECT Id, Email, Name, IsActive, UserType FROM User WHERE IsActive = true AND Email = 'ann@example.com'",
    );
    expect(users.records.map((u) => [u.Email, u.Name, u.UserType])).toEqual([
      ['ann@example.com', 'Ann Lee', 'Standard'],
    ]);
    const all = await conn.query('SELECT Id FROM User');
    expect(all.totalSize).toBe(5); // the integration, UI and data-load users, Ann, and the inactive one
    const write = await sfError(conn.sobject('User').create({ LastName: 'New', Email: 'n@example.com' }));
    expect(write.errorCode).toBe('INSUFFICIENT_ACCESS_OR_READONLY');
  });

  it('OwnerId takes an active User; an inactive one is INACTIVE_OWNER_OR_USER, an unknown one INVALID_CROSS_REFERENCE_KEY', async () => {
    const active = sb.addUser({ Email: 'rep@example.com', LastName: 'Rep' });
    const inactive = sb.addUser({ Email: 'left@example.com', LastName: 'Left', IsActive: false });
    const acc = await newAccount({ OwnerId: active });
    expect(sb.getRecord(acc)?.OwnerId).toBe(active);
    const inactiveErr = await sfError(conn.sobject('Contact').create({ LastName: 'X', OwnerId: inactive }));
    expect(inactiveErr.errorCode).toBe('INACTIVE_OWNER_OR_USER');
    sb.setUserActive(inactive, true);
    await conn.sobject('Account').update({ Id: acc, OwnerId: inactive });
    expect(sb.getRecord(acc)?.OwnerId).toBe(inactive);
    const unknown = await sfError(
      conn.sobject('Account').update({ Id: acc, OwnerId: makeId('005', 987_654) }),
    );
    expect(unknown).toMatchObject({ errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['OwnerId'] });
  });

  it('a queue (00G) may own a Lead but not a Contact or an Account', async () => {
    const queue = sb.addQueue({ Name: 'Inbound Leads' });
    expect(queue).toMatch(/^00G[A-Za-z0-9]{15}$/);
    const lead = await conn.sobject('Lead').create({ LastName: 'Q', Company: 'C', OwnerId: queue });
    expect(lead.success).toBe(true);
    const contact = await sfError(conn.sobject('Contact').create({ LastName: 'Q', OwnerId: queue }));
    expect(contact).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['OwnerId'] });
    const groups = await conn.query<{ Type: string }>(
      "SELECT Id, Name, Type FROM Group WHERE Type = 'Queue'",
    );
    expect(groups.records.map((g) => g.Type)).toEqual(['Queue']);
  });
});

describe('Salesforce sandbox: Account deliveries', () => {
  it('outbound messages carry Accounts under their own action; AccountChangeEvent has Name as a plain field', async () => {
    const id = await newAccount({ Name: 'Initech' });
    await conn.sobject('Account').update({ Id: id, Name: 'Initech Ltd' });
    await sb.flushDeliveries();
    const xml = outbound.requests.map((r) => r.body).join('\n');
    expect(xml).toContain('xsi:type="sf:Account"');
    expect(xml).toContain('<sf:Name>Initech Ltd</sf:Name>');
    const events = cdc.requests.map((r) => JSON.parse(r.body) as RelayedEvent);
    expect(events.map((e) => e['detail-type'])).toEqual(['AccountChangeEvent', 'AccountChangeEvent']);
    const update = events.find((e) => e.detail.payload.ChangeEventHeader.changeType === 'UPDATE');
    expect(update?.detail.payload.ChangeEventHeader.changedFields).toEqual(['Name', 'LastModifiedDate']);
    expect(update?.detail.payload['Name']).toBe('Initech Ltd');
  });
});

import jsforce from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { idSuffix, isWellFormedId } from '../../sandbox/salesforce/ids.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';

let sb: SalesforceSandbox;
let conn: jsforce.Connection;

const connect = (accessToken = 'any-token'): jsforce.Connection =>
  new jsforce.Connection({ instanceUrl: sb.url, accessToken, version: '64.0' });

beforeAll(async () => {
  sb = await startSalesforceSandbox({ port: 0, autoDeliver: false });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.reset();
  conn = connect();
});

describe('Salesforce sandbox: sObject rows through jsforce', () => {
  it('creates a Lead with an 18-char 00Q id whose checksum suffix is valid, and reads it back', async () => {
    const res = await conn.sobject('Lead').create({
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Company: 'Analytical',
      Email: 'ada@analytical.example.com',
    });
    expect(res.success).toBe(true);
    const id = res.id as string;
    expect(id).toMatch(/^00Q[a-zA-Z0-9]{15}$/);
    expect(isWellFormedId(id)).toBe(true);
    expect(id.slice(15)).toBe(idSuffix(id.slice(0, 15)));
    const lead = await conn.sobject('Lead').retrieve(id);
    expect(lead).toMatchObject({
      attributes: { type: 'Lead', url: `/services/data/v64.0/sobjects/Lead/${id}` },
      Id: id,
      Name: 'Ada Lovelace',
      Status: 'Open - Not Contacted',
      IsConverted: false,
      IsDeleted: false,
      HasOptedOutOfEmail: false,
    });
    expect(lead.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(lead.SystemModstamp).toBe(lead.LastModifiedDate);
  });

  it('creates a Contact with a 003 id; retrieve with fields returns only those fields', async () => {
    const res = await conn.sobject('Contact').create({ LastName: 'Hopper', Email: 'grace@navy.example.com' });
    expect(res.id).toMatch(/^003/);
    const c = await conn.sobject('Contact').retrieve(res.id as string, { fields: ['Email', 'LastName'] });
    expect(Object.keys(c).sort()).toEqual(['Email', 'LastName', 'attributes']);
  });

  it('updates (PATCH → 204) and bumps LastModifiedDate/SystemModstamp', async () => {
    let t = 1_700_000_000_000;
    const clocked = await startSalesforceSandbox({ port: 0, autoDeliver: false, now: () => t });
    try {
      const c = new jsforce.Connection({ instanceUrl: clocked.url, accessToken: 'x', version: '64.0' });
      const { id } = await c.sobject('Contact').create({ LastName: 'Old' });
      t += 5_000;
      const up = await c.sobject('Contact').update({ Id: id as string, LastName: 'New' });
      expect(up).toEqual({ id, success: true, errors: [] });
      const rec = await c.sobject('Contact').retrieve(id as string);
      expect(rec.LastName).toBe('New');
      expect(rec.CreatedDate).toBe('2023-11-14T22:13:20.000+0000');
      expect(rec.LastModifiedDate).toBe('2023-11-14T22:13:25.000+0000');
      expect(rec.SystemModstamp).toBe('2023-11-14T22:13:25.000+0000');
    } finally {
      await clocked.close();
    }
  });

  it('deletes: the record is gone (NOT_FOUND) and a second delete says ENTITY_IS_DELETED', async () => {
    const { id } = await conn.sobject('Contact').create({ LastName: 'Gone' });
    await conn.sobject('Contact').destroy(id as string);
    await expect(conn.sobject('Contact').retrieve(id as string)).rejects.toMatchObject({
      errorCode: 'NOT_FOUND',
    });
    await expect(conn.sobject('Contact').destroy(id as string)).rejects.toMatchObject({
      errorCode: 'ENTITY_IS_DELETED',
      message: 'entity is deleted',
    });
    expect(sb.getRecord(id as string)?.IsDeleted).toBe(true);
  });

  it('rejects missing required fields with REQUIRED_FIELD_MISSING (LastName; Company on Lead)', async () => {
    await expect(conn.sobject('Lead').create({ Email: 'x@y.example.com' })).rejects.toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [LastName, Company]',
      data: { fields: ['LastName', 'Company'] },
    });
    await expect(conn.sobject('Contact').create({ FirstName: 'No' })).rejects.toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
      data: { fields: ['LastName'] },
    });
    const { id } = await conn.sobject('Contact').create({ LastName: 'Keep' });
    await expect(conn.sobject('Contact').update({ Id: id as string, LastName: '' })).rejects.toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
    });
  });

  it('rejects a bad restricted picklist value with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', async () => {
    await expect(
      conn.sobject('Lead').create({ LastName: 'P', Company: 'C', Status: 'Hot Prospect' }),
    ).rejects.toMatchObject({
      errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: 'Status: bad value for restricted picklist field: Hot Prospect',
      data: { fields: ['Status'] },
    });
  });

  it('rejects unknown fields, read-only fields, bad emails and malformed ids', async () => {
    await expect(conn.sobject('Contact').create({ LastName: 'X', Shoe__c: 1 })).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: "No such column 'Shoe__c' on sobject of type Contact",
    });
    await expect(
      conn.sobject('Lead').create({ LastName: 'X', Company: 'C', IsConverted: true }),
    ).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      data: { fields: ['IsConverted'] },
    });
    await expect(
      conn.sobject('Contact').create({ LastName: 'X', Email: 'not an email' }),
    ).rejects.toMatchObject({
      errorCode: 'INVALID_EMAIL_ADDRESS',
    });
    await expect(
      conn.sobject('Contact').update({ Id: '00QSB0000000001AAA', LastName: 'X' }),
    ).rejects.toMatchObject({
      errorCode: 'MALFORMED_ID',
    });
  });

  it('describes Lead and Contact: field types, required fields and the Lead Status picklist', async () => {
    const lead = await conn.describe('Lead');
    expect(lead.name).toBe('Lead');
    expect(lead.keyPrefix).toBe('00Q');
    const byName = new Map(lead.fields.map((f) => [f.name, f]));
    expect(byName.get('Email')).toMatchObject({
      type: 'email',
      length: 80,
      nillable: true,
      updateable: true,
    });
    expect(byName.get('Company')).toMatchObject({ type: 'string', nillable: false });
    expect(byName.get('IsConverted')).toMatchObject({
      type: 'boolean',
      updateable: false,
      createable: false,
    });
    const status = byName.get('Status');
    expect(status?.type).toBe('picklist');
    expect(status?.restrictedPicklist).toBe(true);
    expect(status?.picklistValues?.map((p) => p.value)).toEqual([
      'Open - Not Contacted',
      'Working - Contacted',
      'Closed - Converted',
      'Closed - Not Converted',
    ]);
    const contact = await conn.describe('Contact');
    expect(contact.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['Id', 'AccountId', 'Email', 'SystemModstamp']),
    );
    await expect(conn.describe('Opportunity')).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
  });
});

describe('Salesforce sandbox: sessions and API allocation', () => {
  it('answers 401 INVALID_SESSION_ID without a token and for a revoked token', async () => {
    const res = await fetch(`${sb.url}/services/data/v64.0/limits`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
    const revoked = connect('revoked-token');
    await expect(revoked.limits()).resolves.toBeDefined();
    sb.revokeToken('revoked-token');
    await expect(revoked.limits()).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
    await expect(connect('another-token').limits()).resolves.toBeDefined();
  });

  it('re-authenticates: after a revoke, jsforce refreshes through /services/oauth2/token and retries', async () => {
    const refreshing = new jsforce.Connection({
      oauth2: { clientId: 'crmsync-app', clientSecret: 'secret', loginUrl: sb.url },
      instanceUrl: sb.url,
      accessToken: 'stale-token',
      refreshToken: 'refresh-1',
      version: '64.0',
    });
    const refreshed: string[] = [];
    refreshing.on('refresh', (token: string) => refreshed.push(token));
    sb.revokeToken('stale-token');
    await expect(refreshing.limits()).resolves.toMatchObject({ DailyApiRequests: { Max: 100000 } });
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatch(/^00D000000000062!/);
    expect(refreshing.accessToken).toBe(refreshed[0]);
    // A revoked refresh token cannot mint a new session.
    sb.revokeToken('refresh-1');
    sb.revokeToken(refreshed[0] as string);
    await expect(refreshing.limits()).rejects.toThrow(
      /Unable to refresh session.*expired access\/refresh token/,
    );
  });

  it('sends Sforce-Limit-Info on every response and reports DailyApiRequests in limits', async () => {
    const headers = { authorization: 'Bearer t' };
    const first = await fetch(`${sb.url}/services/data/v64.0/sobjects/Lead/describe`, { headers });
    expect(first.headers.get('sforce-limit-info')).toBe('api-usage=1/100000');
    const bad = await fetch(`${sb.url}/services/data/v64.0/sobjects/Lead/00QSB0000000009AAA`, { headers });
    expect(bad.status).toBe(404);
    expect(bad.headers.get('sforce-limit-info')).toBe('api-usage=2/100000');
    const limits = await conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 100000, Remaining: 100000 - 3 });
  });

  it('returns 403 REQUEST_LIMIT_EXCEEDED once the daily allocation is spent', async () => {
    const small = await startSalesforceSandbox({ port: 0, dailyApiLimit: 3, autoDeliver: false });
    try {
      const c = new jsforce.Connection({ instanceUrl: small.url, accessToken: 't', version: '64.0' });
      for (let i = 0; i < 3; i++) await c.sobject('Contact').create({ LastName: `N${i}` });
      await expect(c.sobject('Contact').create({ LastName: 'over' })).rejects.toMatchObject({
        errorCode: 'REQUEST_LIMIT_EXCEEDED',
        message: 'TotalRequests Limit exceeded.',
      });
      const raw = await fetch(`${small.url}/services/data/v64.0/limits`, {
        headers: { authorization: 'Bearer t' },
      });
      expect(raw.status).toBe(403);
      expect(raw.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    } finally {
      await small.close();
    }
  });

  it('counts API calls per route template', async () => {
    const { id } = await conn.sobject('Contact').create({ LastName: 'Count' });
    await conn.sobject('Contact').retrieve(id as string);
    await conn.sobject('Contact').retrieve(id as string);
    expect(sb.counters()).toEqual({
      'POST /services/data/v{version}/sobjects/{type}': 1,
      'GET /services/data/v{version}/sobjects/{type}/{id}': 2,
    });
  });

  it('injects faults: a 503 error once, then normal service', async () => {
    sb.injectFault({ kind: 'error', status: 503, count: 1 });
    await expect(conn.sobject('Contact').create({ LastName: 'F' })).rejects.toMatchObject({
      errorCode: 'SERVER_UNAVAILABLE',
    });
    await expect(conn.sobject('Contact').create({ LastName: 'F' })).resolves.toMatchObject({ success: true });
  });
});

import jsforce from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { type CaptureReceiver, startCaptureReceiver } from '../../sandbox/salesforce/receiver.ts';

let sb: SalesforceSandbox;
let conn: jsforce.Connection;
let receiver: CaptureReceiver;

const control = async (
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(`${sb.url}/__sandbox/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
};

beforeAll(async () => {
  receiver = await startCaptureReceiver();
  sb = await startSalesforceSandbox({ port: 0, autoDeliver: false });
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});
beforeEach(async () => {
  await control('POST', 'reset');
  conn = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'tok', version: '64.0' });
});

describe('Salesforce sandbox: control API over HTTP', () => {
  it('seeds leads and contacts with overlapping emails, deterministically', async () => {
    const seeded = await control('POST', 'seed', {
      leads: 30,
      contacts: 20,
      seed: 9,
      overlapEmails: ['shared@example.com'],
    });
    expect(seeded.status).toBe(200);
    const ids = seeded.json as { leadIds: string[]; contactIds: string[] };
    expect(ids.leadIds).toHaveLength(30);
    expect(ids.contactIds).toHaveLength(20);
    const lead = await conn.sobject('Lead').retrieve(ids.leadIds[0] as string);
    expect(lead.Email).toBe('shared@example.com');
    const first = (
      await conn.query<{ Email: string }>('SELECT Email FROM Contact ORDER BY Email')
    ).records.map((r) => r.Email);
    await control('POST', 'reset');
    await control('POST', 'seed', {
      leads: 30,
      contacts: 20,
      seed: 9,
      overlapEmails: ['shared@example.com'],
    });
    const again = (
      await conn.query<{ Email: string }>('SELECT Email FROM Contact ORDER BY Email')
    ).records.map((r) => r.Email);
    expect(again).toEqual(first);
    // Seeding is an import: it produces no outbound messages or change events.
    expect(await sb.flushDeliveries()).toEqual({ outbound: 0, cdc: 0, failed: 0 });
  });

  it('reads counters, revokes tokens, injects and clears faults', async () => {
    await conn.limits();
    expect((await control('GET', 'counters')).json).toEqual({ 'GET /services/data/v{version}/limits': 1 });
    await control('POST', 'revoke', { token: 'tok' });
    await expect(conn.limits()).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
    const other = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'tok2', version: '64.0' });
    await control('POST', 'faults', { kind: 'request-limit', count: 1 });
    await expect(other.limits()).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    await expect(other.limits()).resolves.toBeDefined();
    await control('POST', 'faults', {
      kind: 'error',
      status: 500,
      errorCode: 'UNKNOWN_EXCEPTION',
      match: '/query',
    });
    await expect(other.query('SELECT Id FROM Lead')).rejects.toMatchObject({
      errorCode: 'UNKNOWN_EXCEPTION',
    });
    await expect(other.limits()).resolves.toBeDefined();
    await control('DELETE', 'faults');
    await expect(other.query('SELECT Id FROM Lead')).resolves.toMatchObject({ totalSize: 0 });
    expect((await control('POST', 'faults', { kind: 'nonsense' })).status).toBe(400);
  });

  it('acts as a UI user, converts and merges, and configures delivery targets', async () => {
    await control('POST', 'config', { outboundUrl: receiver.url });
    const created = await control('POST', 'user/Lead', {
      LastName: 'Ui',
      Company: 'Acme',
      Email: 'ui@acme.example.com',
    });
    expect(created.status).toBe(201);
    const leadId = (created.json as { id: string }).id;
    expect((await control('PATCH', `user/Lead/${leadId}`, { Title: 'Boss' })).status).toBe(204);
    const converted = await control('POST', 'convert-lead', { leadId });
    expect(converted.json).toMatchObject({
      contactId: expect.stringMatching(/^003/),
      accountId: expect.stringMatching(/^001/),
    });
    const other = await control('POST', 'user/Contact', { LastName: 'Dup' });
    const { contactId } = converted.json as { contactId: string };
    expect(
      (
        await control('POST', 'merge', {
          objectType: 'Contact',
          masterId: contactId,
          loserIds: [(other.json as { id: string }).id],
        })
      ).status,
    ).toBe(200);
    const bad = await control('POST', 'user/Lead', { LastName: 'NoCompany' });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual([
      {
        message: 'Required fields are missing: [Company]',
        errorCode: 'REQUIRED_FIELD_MISSING',
        fields: ['Company'],
      },
    ]);
    const flushed = await control('POST', 'flush');
    expect(flushed.json).toMatchObject({ failed: 0 });
    expect((flushed.json as { outbound: number }).outbound).toBeGreaterThanOrEqual(4);
    expect(receiver.requests.length).toBeGreaterThan(0);
    await control('POST', 'config', { outboundUrl: null });
  });
});

import jsforce from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSalesforceConnection } from '../../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../../lib/salesforce/salesforce-crm.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { INTEGRATION_USER_ID, UI_USER_ID } from '../../sandbox/salesforce/store.ts';
import { roomySalesforceLimiter } from '../adapters/fake-time.ts';

/**
 * Field History Tracking in the sandbox (sandbox/salesforce/field-history.ts): ContactHistory rows for
 * the tracked fields only, as Salesforce writes them, and the adapter's read of them for a late first
 * link (docs/design.md#late-first-link, reliability finding 25).
 */
let sb: SalesforceSandbox;
let conn: jsforce.Connection;
let t = Date.UTC(2026, 0, 5, 12, 0, 0);
const HISTORY = 'SELECT ContactId, Field, OldValue, NewValue, CreatedById, CreatedDate FROM ContactHistory';

beforeAll(async () => {
  sb = await startSalesforceSandbox({
    port: 0,
    autoDeliver: false,
    now: () => t,
    trackedFields: { Contact: ['FirstName', 'Title'] },
  });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.reset();
  conn = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'any-token', version: '64.0' });
});

/** A Contact a user made (no FirstName), filled by crmsync (Ada), then cleared by the user: seed 1228705811. */
async function clearedByUser(): Promise<string> {
  const id = await sb.userCreate('Contact', {
    LastName: 'Lee',
    Email: 'lee@example.com',
    Phone: '+1 555 0103',
  });
  t += 1_000;
  await conn.sobject('Contact').update({ Id: id, FirstName: 'Ada', Phone: '+1 555 0101' });
  t += 1_000;
  await sb.userUpdate('Contact', id, { FirstName: null });
  return id;
}

describe('Salesforce sandbox: field history (ContactHistory / LeadHistory)', () => {
  it('records created and each tracked field’s change with its author, old and new value; untracked fields record nothing', async () => {
    const id = await clearedByUser();
    const res = await conn.query<Record<string, unknown>>(`${HISTORY} WHERE ContactId IN ('${id}')`);
    const rows = res.records.map(({ attributes: _, ...r }) => r);
    expect(rows).toEqual([
      expect.objectContaining({
        ContactId: id,
        Field: 'created',
        OldValue: null,
        NewValue: null,
        CreatedById: UI_USER_ID,
      }),
      expect.objectContaining({
        Field: 'FirstName',
        OldValue: null,
        NewValue: 'Ada',
        CreatedById: INTEGRATION_USER_ID,
      }),
      expect.objectContaining({
        Field: 'FirstName',
        OldValue: 'Ada',
        NewValue: null,
        CreatedById: UI_USER_ID,
      }),
    ]);
    // Phone is not tracked: its change has no row.
    expect(rows.some((r) => r['Field'] === 'Phone')).toBe(false);
  });

  it('an object with nothing tracked (Lead here) has no history rows', async () => {
    const id = await sb.userCreate('Lead', { LastName: 'Lee', Company: 'Acme', FirstName: 'Bo' });
    await sb.userUpdate('Lead', id, { FirstName: null });
    const res = await conn.query(`SELECT LeadId, Field FROM LeadHistory WHERE LeadId IN ('${id}')`);
    expect(res.totalSize).toBe(0);
  });

  it('a rolled-back write (allOrNone) leaves no history row, and history rows cannot be written through the API', async () => {
    const id = await sb.userCreate('Contact', { LastName: 'Lee' });
    const results = await conn.sobject('Contact').update(
      [
        { Id: id, Title: 'CTO' },
        { Id: id, LastName: null },
      ],
      { allOrNone: true },
    );
    expect(results.map((r) => r.success)).toEqual([false, false]);
    const res = await conn.query(
      `SELECT Field FROM ContactHistory WHERE ContactId IN ('${id}') AND Field = 'Title'`,
    );
    expect(res.totalSize).toBe(0);
    await expect(
      conn.sobject('ContactHistory').create({ ContactId: id, Field: 'Title' }),
    ).rejects.toMatchObject({ errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY' });
  });

  it('the adapter reads the rows since a time (one query), with who changed which field when', async () => {
    const id = await clearedByUser();
    const crm = new SalesforceCrm({
      connection: createSalesforceConnection({
        instanceUrl: sb.url,
        accessToken: 'any-token',
        clientName: 'crmsync',
      }),
      limiter: roomySalesforceLimiter(),
      clientName: 'crmsync',
    });
    const before = sb.counters();
    const rows = await crm.readFieldHistory('Contact', [id], t - 1_000);
    expect(rows).toEqual([
      { recordId: id, field: 'FirstName', at: t - 1_000, byId: INTEGRATION_USER_ID },
      { recordId: id, field: 'FirstName', at: t, byId: UI_USER_ID },
    ]);
    const calls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(calls(sb.counters()) - calls(before)).toBe(1);
    expect(await crm.readFieldHistory('Lead', [], t)).toEqual([]);
  });
});

import jsforce from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';

let sb: SalesforceSandbox;
let conn: jsforce.Connection;
let t = Date.UTC(2026, 0, 5, 12, 0, 0);

beforeAll(async () => {
  sb = await startSalesforceSandbox({ port: 0, autoDeliver: false, queryPageSize: 250, now: () => t });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.reset();
  conn = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'any-token', version: '64.0' });
});

describe('Salesforce sandbox: SOQL through jsforce', () => {
  it('WHERE Id IN (...) returns exactly those records, with attributes', async () => {
    const { leadIds } = sb.seed({ leads: 20, contacts: 0, seed: 1 });
    const want = leadIds.slice(3, 8);
    const res = await conn.query<{ Id: string; Email: string }>(
      `SELECT Id, Email, Status FROM Lead WHERE Id IN ('${want.join("','")}')`,
    );
    expect(res.totalSize).toBe(5);
    expect(res.done).toBe(true);
    expect(res.records.map((r) => r.Id).sort()).toEqual([...want].sort());
    expect(res.records[0]).toMatchObject({ attributes: { type: 'Lead' } });
    expect(Object.keys(res.records[0] ?? {})).toEqual(['attributes', 'Id', 'Email', 'Status']);
  });

  it('matches 15-char ids in Id IN and compares Email case-insensitively', async () => {
    const { id } = await conn
      .sobject('Contact')
      .create({ LastName: 'Case', Email: 'Mixed.Case@Example.com' });
    const short = (id as string).slice(0, 15);
    expect((await conn.query(`SELECT Id FROM Contact WHERE Id IN ('${short}')`)).totalSize).toBe(1);
    const byEmail = await conn.query<{ Id: string }>(
      "SELECT Id FROM Contact WHERE Email IN ('mixed.case@example.com', 'other@example.com')",
    );
    expect(byEmail.records.map((r) => r.Id)).toEqual([id]);
  });

  it('SystemModstamp > datetime AND IsConverted = false, ORDER BY, LIMIT', async () => {
    const { leadIds } = sb.seed({ leads: 5, contacts: 0, seed: 2 });
    t += 60_000;
    await conn.sobject('Lead').update({ Id: leadIds[1] as string, Title: 'Later' });
    t += 60_000;
    await conn.sobject('Lead').update({ Id: leadIds[3] as string, Title: 'Latest' });
    const since = new Date(Date.UTC(2026, 0, 5, 12, 0, 30)).toISOString().replace('.000', '');
    const res = await conn.query<{ Id: string; Title: string }>(
      `SELECT Id, Title FROM Lead WHERE SystemModstamp > ${since} AND IsConverted = false ORDER BY SystemModstamp DESC LIMIT 10`,
    );
    expect(res.records.map((r) => r.Title)).toEqual(['Latest', 'Later']);
    const limited = await conn.query(`SELECT Id FROM Lead ORDER BY LastName ASC LIMIT 2`);
    expect(limited.totalSize).toBe(2);
  });

  it('pages with nextRecordsUrl; queryMore walks the pages; autoFetch returns them all', async () => {
    sb.seed({ leads: 600, contacts: 0, seed: 3 });
    const first = await conn.query<{ Id: string }>('SELECT Id FROM Lead');
    expect(first.totalSize).toBe(600);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(250);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v64\.0\/query\/01g[A-Za-z0-9]{15}-250$/);
    const second = await conn.queryMore<{ Id: string }>(first.nextRecordsUrl as string);
    expect(second.records).toHaveLength(250);
    const third = await conn.queryMore<{ Id: string }>(second.nextRecordsUrl as string);
    expect(third.records).toHaveLength(100);
    expect(third.done).toBe(true);
    const all = new Set([...first.records, ...second.records, ...third.records].map((r) => r.Id));
    expect(all.size).toBe(600);

    const fetched = await conn.query('SELECT Id FROM Lead').run({ autoFetch: true, maxFetch: 10_000 });
    expect(fetched.records).toHaveLength(600);
    expect(sb.counters()['GET /services/data/v{version}/query/{locator}']).toBe(4);
  });

  it('defaults to 2,000-record pages', async () => {
    const big = await startSalesforceSandbox({ port: 0, autoDeliver: false });
    try {
      big.seed({ leads: 2100, contacts: 0 });
      const c = new jsforce.Connection({ instanceUrl: big.url, accessToken: 't', version: '64.0' });
      const first = await c.query('SELECT Id FROM Lead');
      expect(first.records).toHaveLength(2000);
      expect(first.nextRecordsUrl).toMatch(/-2000$/);
    } finally {
      await big.close();
    }
  });

  it('queryAll includes deleted records; query does not', async () => {
    const { id } = await conn.sobject('Contact').create({ LastName: 'Del' });
    await conn.sobject('Contact').destroy(id as string);
    expect((await conn.query('SELECT Id FROM Contact')).totalSize).toBe(0);
    const all = await conn.query<{ Id: string; IsDeleted: boolean }>('SELECT Id, IsDeleted FROM Contact', {
      scanAll: true,
    });
    expect(all.records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })]);
    expect(sb.counters()['GET /services/data/v{version}/queryAll']).toBe(1);
  });

  it('reports MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE and INVALID_QUERY_LOCATOR', async () => {
    await expect(conn.query('SELEKT Id FROM Lead')).rejects.toMatchObject({
      errorCode: 'MALFORMED_QUERY',
      message: 'unexpected token: SELEKT',
    });
    await expect(conn.query('SELECT Bacon__c FROM Lead')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    await expect(conn.query('SELECT Id FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
    });
    await expect(conn.queryMore('01gSB0000000777AAA-2000')).rejects.toMatchObject({
      errorCode: 'INVALID_QUERY_LOCATOR',
    });
  });

  it('runs an Email IN query over 200 emails against 10,000 records quickly', async () => {
    const seeded = sb.seed({ leads: 5000, contacts: 5000, seed: 4 });
    const emails = (
      await conn.sobject('Lead').retrieve(seeded.leadIds.slice(0, 200), { fields: ['Email'] })
    ).map((r) => (r as { Email: string }).Email);
    const started = performance.now();
    const res = await conn.query(`SELECT Id, Email FROM Lead WHERE Email IN ('${emails.join("','")}')`);
    const ms = performance.now() - started;
    expect(res.totalSize).toBeGreaterThanOrEqual(200);
    // Generous bound: an accidental quadratic scan would take seconds.
    expect(ms).toBeLessThan(2000);
  });

  it('refuses request URIs over 16,384 characters (HTTP 414), so long IN lists must be split', async () => {
    const ids = Array.from({ length: 900 }, (_, i) => `00QSB${String(i).padStart(10, '0')}AAA`);
    await expect(conn.query(`SELECT Id FROM Lead WHERE Id IN ('${ids.join("','")}')`)).rejects.toMatchObject({
      errorCode: 'URI_TOO_LONG',
    });
    const ok = await conn.query(`SELECT Id FROM Lead WHERE Id IN ('${ids.slice(0, 300).join("','")}')`);
    expect(ok.totalSize).toBe(0);
  });

  it('serves a retried page again, and releases the oldest of more than 10 open cursors', async () => {
    sb.seed({ leads: 600, contacts: 0, seed: 5 });
    const first = await conn.query('SELECT Id FROM Lead');
    const again = await conn.queryMore(first.nextRecordsUrl as string);
    const retried = await conn.queryMore(first.nextRecordsUrl as string);
    expect(retried.records).toEqual(again.records);
    for (let i = 0; i < 10; i++) await conn.query('SELECT Id FROM Lead');
    await expect(conn.queryMore(first.nextRecordsUrl as string)).rejects.toMatchObject({
      errorCode: 'INVALID_QUERY_LOCATOR',
    });
    // Another session user has its own ten cursors.
    const other = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'other-user', version: '64.0' });
    const mine = await other.query('SELECT Id FROM Lead');
    for (let i = 0; i < 9; i++) await conn.query('SELECT Id FROM Lead');
    await expect(other.queryMore(mine.nextRecordsUrl as string)).resolves.toMatchObject({ done: false });
  });

  it('refuses literals of the wrong type, as Salesforce does (quoted datetimes, booleans, bad ids)', async () => {
    await expect(
      conn.query("SELECT Id FROM Lead WHERE SystemModstamp > '2026-01-01T00:00:00Z'"),
    ).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: expect.stringContaining(
        "value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes",
      ),
    });
    await expect(conn.query("SELECT Id FROM Lead WHERE IsConverted = 'false'")).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    await expect(conn.query('SELECT Id FROM Lead WHERE Email = 5')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    await expect(conn.query("SELECT Id FROM Lead WHERE Id IN ('abc')")).rejects.toMatchObject({
      errorCode: 'INVALID_QUERY_FILTER_OPERATOR',
      message: expect.stringContaining('invalid ID field: abc'),
    });
    await expect(conn.query('SELECT Id FROM Lead WHERE SystemModstamp > 2026-01-01')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    await expect(
      conn.query('SELECT Id FROM Lead WHERE Email = null AND IsConverted = false'),
    ).resolves.toMatchObject({ totalSize: 0 });
  });
});

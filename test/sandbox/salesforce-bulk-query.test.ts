import jsforce from 'jsforce';
import { parseCSV } from 'jsforce/lib/csv.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BULK_JOB_LIFETIME_MS } from '../../sandbox/salesforce/bulk-query.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';

let sb: SalesforceSandbox;
let t = Date.UTC(2026, 0, 5, 12, 0, 0);
const V = '/services/data/v64.0';

beforeAll(async () => {
  sb = await startSalesforceSandbox({ port: 0, autoDeliver: false, now: () => t });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.reset();
});

/** One raw call, so status codes, headers and bodies are seen exactly as a client gets them. */
async function call(method: string, path: string, body?: unknown, token = 'any-token') {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: '*/*' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json =
    (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

async function createJob(query: string, extra: Record<string, unknown> = {}) {
  const res = await call('POST', `${V}/jobs/query`, { operation: 'query', query, ...extra });
  expect(res.status).toBe(200);
  return res.json as { id: string; state: string };
}

async function completeJob(id: string): Promise<void> {
  for (let i = 0; i < 5; i++)
    if ((await call('GET', `${V}/jobs/query/${id}`)).json.state === 'JobComplete') return;
  throw new Error('job did not complete');
}

describe('Salesforce sandbox: Bulk API 2.0 query jobs', () => {
  it('creates a job as UploadComplete, InProgress at the first poll, JobComplete at the second, with the documented fields', async () => {
    sb.seed({ leads: 3, contacts: 0, seed: 1 });
    const created = await createJob('SELECT Id, Email FROM Lead');
    expect(created).toMatchObject({
      operation: 'query',
      object: 'Lead',
      state: 'UploadComplete',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: 64,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    });
    expect(created.id).toMatch(/^750[A-Za-z0-9]{15}$/);
    const first = await call('GET', `${V}/jobs/query/${created.id}`);
    expect(first.json).toMatchObject({ state: 'InProgress', jobType: 'V2Query', numberRecordsProcessed: 0 });
    const second = await call('GET', `${V}/jobs/query/${created.id}`);
    expect(second.json).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 3,
      retries: 0,
      isPkChunkingSupported: true,
    });
  });

  it('answers results as result sets: Sforce-NumberOfRecords, Sforce-Locator until "null", text/csv', async () => {
    const { leadIds } = sb.seed({ leads: 5, contacts: 0, seed: 2 });
    const { id } = await createJob('SELECT Id FROM Lead ORDER BY Id ASC');
    await completeJob(id);
    const seen: string[] = [];
    let locator: string | null = '';
    let sets = 0;
    while (locator !== 'null') {
      const q: string = locator ? `&locator=${locator}` : '';
      const res = await call('GET', `${V}/jobs/query/${id}/results?maxRecords=2${q}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const rows = parseCSV(res.text) as { Id: string }[];
      expect(res.headers.get('sforce-numberofrecords')).toBe(String(rows.length));
      seen.push(...rows.map((r) => r.Id));
      locator = res.headers.get('sforce-locator');
      sets++;
    }
    expect(sets).toBe(3);
    expect(seen).toEqual([...leadIds].sort());
    // "As long as the associated job exists, the locator string for a set of results does not change."
    const again = await call('GET', `${V}/jobs/query/${id}/results?maxRecords=2`);
    const locatorOfSecond = again.headers.get('sforce-locator');
    const secondTwice = await Promise.all(
      [1, 2].map(() => call('GET', `${V}/jobs/query/${id}/results?maxRecords=2&locator=${locatorOfSecond}`)),
    );
    expect(secondTwice[0]?.text).toBe(secondTwice[1]?.text);
  });

  it('writes real CSV: quotes, delimiters and newlines in values, blank as an empty field, booleans, numbers, datetimes in UTC', async () => {
    const conn = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'any-token', version: '64.0' });
    const made = await conn.sobject('Lead').create({
      LastName: 'O"Neil, Jr.',
      Company: 'Line one\nline two',
      Title: null,
      NumberOfEmployees: 42,
      AnnualRevenue: 1234.5,
      HasOptedOutOfEmail: true,
    });
    const { id } = await createJob(
      'SELECT Id, LastName, Company, Title, NumberOfEmployees, AnnualRevenue, HasOptedOutOfEmail, CreatedDate FROM Lead',
    );
    await completeJob(id);
    const res = await call('GET', `${V}/jobs/query/${id}/results`);
    const lines = res.text.split('\n');
    expect(lines[0]).toBe(
      '"Id","LastName","Company","Title","NumberOfEmployees","AnnualRevenue","HasOptedOutOfEmail","CreatedDate"',
    );
    expect(res.text).toContain(
      '"O""Neil, Jr.","Line one\nline two","","42","1234.5","true","2026-01-05T12:00:00.000Z"',
    );
    const [row] = parseCSV(res.text) as Record<string, string>[];
    expect(row).toMatchObject({
      Id: made.id,
      LastName: 'O"Neil, Jr.',
      Company: 'Line one\nline two',
      Title: '',
    });
  });

  it('honours columnDelimiter and lineEnding', async () => {
    sb.seed({ leads: 1, contacts: 0, seed: 3 });
    const { id } = await createJob('SELECT Id, LastName FROM Lead', {
      columnDelimiter: 'PIPE',
      lineEnding: 'CRLF',
    });
    await completeJob(id);
    const res = await call('GET', `${V}/jobs/query/${id}/results`);
    expect(res.text.startsWith('"Id"|"LastName"\r\n')).toBe(true);
    const bad = await call('POST', `${V}/jobs/query`, {
      operation: 'query',
      query: 'SELECT Id FROM Lead',
      columnDelimiter: 'SPACE',
    });
    expect(bad.status).toBe(400);
    expect(bad.json[0].errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('queryAll includes deleted records, query does not', async () => {
    const { leadIds } = sb.seed({ leads: 2, contacts: 0, seed: 4 });
    await sb.userDelete('Lead', leadIds[0] as string);
    const live = await createJob('SELECT Id, IsDeleted FROM Lead');
    const all = await createJob('SELECT Id, IsDeleted FROM Lead', { operation: 'queryAll' });
    await completeJob(live.id);
    await completeJob(all.id);
    const rows = async (id: string) =>
      parseCSV((await call('GET', `${V}/jobs/query/${id}/results`)).text) as { IsDeleted: string }[];
    expect(await rows(live.id)).toHaveLength(1);
    expect((await rows(all.id)).map((r: { IsDeleted: string }) => r.IsDeleted).sort()).toEqual([
      'false',
      'true',
    ]);
  });

  it('refuses malformed SOQL, unknown fields, COUNT() and OFFSET at creation (400 with errorCode and message)', async () => {
    const cases: [string, string][] = [
      ['SELEC Id FROM Lead', 'MALFORMED_QUERY'],
      ['SELECT Nope FROM Lead', 'INVALID_FIELD'],
      ['SELECT COUNT() FROM Lead', 'API_ERROR'],
      ['SELECT Id FROM Lead LIMIT 5 OFFSET 2', 'API_ERROR'],
    ];
    for (const [query, code] of cases) {
      const res = await call('POST', `${V}/jobs/query`, { operation: 'query', query });
      expect(res.status, query).toBe(400);
      expect(res.json[0]).toMatchObject({ errorCode: code, message: expect.any(String) });
    }
    const noOp = await call('POST', `${V}/jobs/query`, { query: 'SELECT Id FROM Lead' });
    expect(noOp.status).toBe(400);
    expect(noOp.json[0].errorCode).toBe('INVALIDJOB');
  });

  it('answers 404 for an unknown job, 412 for results before JobComplete, 409 for another API version', async () => {
    expect((await call('GET', `${V}/jobs/query/750SB9999999999AAA`)).status).toBe(404);
    expect((await call('GET', `${V}/jobs/query/750SB9999999999AAA/results`)).json[0].errorCode).toBe(
      'NOT_FOUND',
    );
    const { id } = await createJob('SELECT Id FROM Lead');
    const early = await call('GET', `${V}/jobs/query/${id}/results`);
    expect(early.status).toBe(412);
    expect(early.json[0]).toMatchObject({ errorCode: 'JOB_NOT_COMPLETE' });
    await completeJob(id);
    expect((await call('GET', `/services/data/v63.0/jobs/query/${id}/results`)).status).toBe(409);
    expect((await call('GET', `${V}/jobs/query/${id}/results?locator=bogus`)).status).toBe(400);
  });

  it('aborts a running job (PATCH state Aborted) and deletes only finished jobs (DELETE 204)', async () => {
    const { id } = await createJob('SELECT Id FROM Lead');
    expect((await call('DELETE', `${V}/jobs/query/${id}`)).status).toBe(400);
    const aborted = await call('PATCH', `${V}/jobs/query/${id}`, { state: 'Aborted' });
    expect(aborted.json).toMatchObject({ id, state: 'Aborted' });
    expect((await call('GET', `${V}/jobs/query/${id}`)).json.state).toBe('Aborted');
    expect((await call('PATCH', `${V}/jobs/query/${id}`, { state: 'Aborted' })).status).toBe(400);
    expect((await call('GET', `${V}/jobs/query/${id}/results`)).status).toBe(412);
    expect((await call('DELETE', `${V}/jobs/query/${id}`)).status).toBe(204);
    expect((await call('GET', `${V}/jobs/query/${id}`)).status).toBe(404);
  });

  it('a failed job reports Failed and has no results', async () => {
    const { id } = await createJob('SELECT Id FROM Lead');
    sb.failBulkQueryJob(id);
    expect((await call('GET', `${V}/jobs/query/${id}`)).json.state).toBe('Failed');
    expect((await call('GET', `${V}/jobs/query/${id}/results`)).status).toBe(412);
  });

  it('lists the org query jobs (GET /jobs/query) and forgets jobs after 7 days on the org clock', async () => {
    const a = await createJob('SELECT Id FROM Lead');
    const b = await createJob('SELECT Id FROM Contact');
    const list = await call('GET', `${V}/jobs/query`);
    expect(list.json).toMatchObject({ done: true, nextRecordsUrl: null });
    expect(list.json.records.map((j: { id: string }) => j.id)).toEqual([a.id, b.id]);
    expect((await call('GET', `${V}/jobs/query?jobType=Classic`)).json.records).toEqual([]);
    t += BULK_JOB_LIFETIME_MS;
    expect((await call('GET', `${V}/jobs/query/${a.id}`)).status).toBe(404);
    expect((await call('GET', `${V}/jobs/query`)).json.records).toEqual([]);
  });

  it('needs a session (INVALID_SESSION_ID) and counts every call against the daily API allocation', async () => {
    const before = sb.counters();
    const { id } = await createJob('SELECT Id FROM Lead');
    await completeJob(id);
    await call('GET', `${V}/jobs/query/${id}/results`);
    const after = sb.counters();
    const n = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    expect(n('POST /services/data/v{version}/jobs/query')).toBe(1);
    expect(n('GET /services/data/v{version}/jobs/query/{id}')).toBe(2);
    expect(n('GET /services/data/v{version}/jobs/query/{id}/results')).toBe(1);
    sb.revokeToken('revoked');
    const denied = await call('GET', `${V}/jobs/query/${id}`, undefined, 'revoked');
    expect(denied.status).toBe(401);
    expect(denied.json[0].errorCode).toBe('INVALID_SESSION_ID');
    const limits = await call('GET', `${V}/limits`);
    expect(limits.json.DailyApiRequests.Max - limits.json.DailyApiRequests.Remaining).toBe(5);
    expect(limits.json.DailyBulkV2QueryJobs.Max - limits.json.DailyBulkV2QueryJobs.Remaining).toBe(1);
    sb.setApiUsage(100_000);
    const spent = await call('POST', `${V}/jobs/query`, { operation: 'query', query: 'SELECT Id FROM Lead' });
    expect(spent.status).toBe(403);
    expect(spent.json[0].errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
  });

  it("jsforce's own Bulk 2.0 client reads a query through the sandbox", async () => {
    const { contactIds } = sb.seed({ leads: 0, contacts: 7, seed: 5 });
    const conn = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'any-token', version: '64.0' });
    conn.bulk2.pollInterval = 1;
    const records = (await (await conn.bulk2.query('SELECT Id, Email FROM Contact')).toArray()) as {
      Id: string;
    }[];
    expect(records.map((r) => r.Id).sort()).toEqual([...contactIds].sort());
  });
});

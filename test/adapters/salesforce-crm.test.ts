import { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrmAuthError, RetryableError } from '../../lib/errors.ts';
import { createSalesforceConnection } from '../../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../../lib/salesforce/salesforce-crm.ts';
import { SalesforceRequestError } from '../../lib/salesforce/salesforce-errors.ts';
import { convertedLeadsOfIntents } from '../../lib/sync/converted-leads.ts';
import type { CreationIntent } from '../../lib/ports.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { type CaptureReceiver, startCaptureReceiver } from '../../sandbox/salesforce/receiver.ts';
import { fakeTime, roomySalesforceLimiter } from './fake-time.ts';

const TOKEN = 'sf-adapter-test-token';
const V = '/services/data/v{version}';
const PATCH_COLLECTION = `PATCH ${V}/composite/sobjects`;
const POST_COLLECTION = `POST ${V}/composite/sobjects`;
const QUERY = `GET ${V}/query`;
const QUERY_ALL = `GET ${V}/queryAll`;
const COMPOSITE = `POST ${V}/composite`;
const LEAD_FIELDS = ['FirstName', 'LastName', 'Email', 'Company', 'Status', 'Title'];
const CONTACT_FIELDS = ['FirstName', 'LastName', 'Email', 'Title'];

let sandbox: SalesforceSandbox;
let cdc: CaptureReceiver;

beforeAll(async () => {
  cdc = await startCaptureReceiver(0);
  sandbox = await startSalesforceSandbox({
    port: 0,
    queryPageSize: 200,
    autoDeliver: false,
    cdcUrl: cdc.url,
  });
});
afterAll(async () => {
  await sandbox.close();
  await cdc.close();
});
beforeEach(() => {
  sandbox.reset();
  sandbox.configure({ cdcUrl: cdc.url });
  cdc.requests.length = 0;
});

function count(key: string): number {
  return sandbox.counters()[key] ?? 0;
}

/** A fresh limiter on a fake clock per test; the connection as the factory builds it unless given. */
function adapter(opts: { connection?: Connection; lane?: 'live' | 'bulk'; timeoutMs?: number } = {}) {
  const time = fakeTime();
  const limiter = roomySalesforceLimiter(time);
  const connection =
    opts.connection ??
    createSalesforceConnection({ instanceUrl: sandbox.url, accessToken: TOKEN, clientName: 'crmsync' });
  const crm = new SalesforceCrm({
    connection,
    limiter,
    clientName: 'crmsync',
    ...(opts.lane ? { lane: opts.lane } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
  return { crm, limiter, time };
}

async function createLeads(crm: SalesforceCrm, n: number, prefix = 'lead'): Promise<string[]> {
  const outcomes = await crm.createRecords(
    'Lead',
    Array.from({ length: n }, (_, i) => ({
      ref: `l${i}`,
      fields: { LastName: `Last${i}`, Company: `Co${i}`, Email: `${prefix}${i}@example.com` },
    })),
  );
  return outcomes.map((o) => {
    if (!o.ok) throw new Error(`create failed: ${o.message}`);
    return o.id;
  });
}

describe('SalesforceCrm: sObject Collections writes', () => {
  it('updates 450 leads in 3 collection calls, each result mapped to its ref', async () => {
    const { crm, limiter } = adapter();
    const ids = await createLeads(crm, 450);
    expect(count(POST_COLLECTION)).toBe(3);
    const outcomes = await crm.updateRecords(
      'Lead',
      ids.map((id, i) => ({ ref: `u${i}`, id, fields: { Title: `Title ${i}` } })),
    );
    expect(count(PATCH_COLLECTION)).toBe(3);
    expect(outcomes).toHaveLength(450);
    expect(outcomes.every((o, i) => o.ok && o.ref === `u${i}` && o.id === ids[i])).toBe(true);
    expect(sandbox.getRecord(ids[321]!)?.['Title']).toBe('Title 321');
    expect(limiter.counters().calls['collections.update']).toBe(3);
  });

  it('maps per-record errors: missing required field, restricted picklist, duplicate rule; the rest succeed', async () => {
    sandbox.configure({ duplicateRuleOnEmail: true });
    const { crm } = adapter();
    await createLeads(crm, 1, 'exists');
    const outcomes = await crm.createRecords('Lead', [
      { ref: 'ok', fields: { LastName: 'Fine', Company: 'Acme', Email: 'fine@example.com' } },
      { ref: 'no-company', fields: { LastName: 'NoCompany', Email: 'nc@example.com' } },
      {
        ref: 'bad-status',
        fields: { LastName: 'Bad', Company: 'Acme', Status: 'Nonsense', Email: 'bs@example.com' },
      },
      { ref: 'dup', fields: { LastName: 'Dup', Company: 'Acme', Email: 'exists0@example.com' } },
    ]);
    expect(outcomes[0]).toMatchObject({ ref: 'ok', ok: true });
    expect(outcomes[1]).toMatchObject({
      ref: 'no-company',
      ok: false,
      category: 'missing-required-field',
      retryable: false,
    });
    expect(outcomes[2]).toMatchObject({
      ref: 'bad-status',
      ok: false,
      category: 'validation',
      retryable: false,
    });
    expect(outcomes[3]).toMatchObject({ ref: 'dup', ok: false, category: 'duplicate', retryable: false });
  });

  it('every write carries Sforce-Call-Options client=<clientName>, even on a connection without callOptions', async () => {
    const bare = new Connection({ instanceUrl: sandbox.url, accessToken: TOKEN, version: '64.0' });
    const { crm } = adapter({ connection: bare });
    const [id] = await createLeads(crm, 1);
    await crm.updateRecords('Lead', [{ ref: 'u', id: id!, fields: { Title: 'CTO' } }]);
    await sandbox.userUpdate('Lead', id!, { Title: 'CEO' });
    await sandbox.flushDeliveries();
    const origins = cdc.requests.flatMap((r) => {
      const body = JSON.parse(r.body) as unknown;
      return (Array.isArray(body) ? body : [body]).map(
        (e) => JSON.stringify(e).match(/"changeOrigin":"([^"]*)"/)?.[1],
      );
    });
    expect(origins).toHaveLength(3);
    expect(origins.slice(0, 2).every((o) => o?.includes('client=crmsync'))).toBe(true);
    expect(origins[2]).toBe('');
  });

  it('refuses a connection whose callOptions name another client (echo suppression would break)', () => {
    const other = createSalesforceConnection({
      instanceUrl: sandbox.url,
      accessToken: TOKEN,
      clientName: 'someone-else',
    });
    expect(
      () => new SalesforceCrm({ connection: other, limiter: adapter().limiter, clientName: 'crmsync' }),
    ).toThrow(/callOptions/);
  });

  it('deletes in collections', async () => {
    const { crm } = adapter();
    const ids = await createLeads(crm, 3);
    await crm.deleteRecords(ids.slice(0, 2));
    const live = await crm.queryPage('Lead', ['LastName'], {});
    expect(live.records.map((r) => r.id)).toEqual([ids[2]]);
  });
});

describe('SalesforceCrm: SOQL reads', () => {
  it('reads 250 leads by id with one query and one queryMore (page size 200 here)', async () => {
    const { crm } = adapter();
    const ids = await createLeads(crm, 250);
    const records = await crm.readRecords('Lead', [...ids, '00Q000000000000AAA'], LEAD_FIELDS);
    expect(count(QUERY_ALL)).toBe(1);
    expect(count(`GET ${V}/query/{locator}`)).toBe(1);
    expect(records).toHaveLength(250);
    const r = records.find((x) => x.id === ids[9])!;
    expect(r.fields).toMatchObject({ LastName: 'Last9', Company: 'Co9', Email: 'lead9@example.com' });
    expect(r).toMatchObject({ objectType: 'Lead', isConverted: false, isDeleted: false });
    expect(r.modifiedAt).toBeGreaterThan(0);
  });

  it('reads Leads and Contacts by id in one call (readRecordsByObject, Composite)', async () => {
    const { crm } = adapter();
    const leadIds = await createLeads(crm, 3);
    const contacts = await crm.createRecords('Contact', [
      { ref: 'c', fields: { LastName: 'C', Email: 'c@example.com' } },
    ]);
    const contactId = contacts[0]!.ok ? contacts[0]!.id : '';
    const records = await crm.readRecordsByObject({
      Lead: { ids: leadIds, fields: LEAD_FIELDS },
      Contact: { ids: [contactId], fields: CONTACT_FIELDS },
    });
    expect(records.map((r) => `${r.objectType}:${r.id}`).sort()).toEqual(
      [...leadIds.map((id) => `Lead:${id}`), `Contact:${contactId}`].sort(),
    );
    expect(records.find((r) => r.id === contactId)?.fields['LastName']).toBe('C');
    expect(count(COMPOSITE)).toBe(1);
    expect(count(QUERY_ALL)).toBe(0);
  });

  it('splits a long IN list so each query URL stays under ~16 KB', async () => {
    const { crm } = adapter();
    const ids = await createLeads(crm, 1200);
    const records = await crm.readRecords('Lead', ids, ['LastName']);
    expect(new Set(records.map((r) => r.id))).toEqual(new Set(ids));
    // Two URL-sized chunks, sent together as query subrequests of one Composite call.
    expect(count(COMPOSITE)).toBe(1);
    expect(count(QUERY_ALL)).toBe(0);
  });

  it('finds by email with quotes and SOQL metacharacters escaped, never injected', async () => {
    const { crm } = adapter();
    const quoted = "o'brien\\x@example.com";
    const created = await crm.createRecords('Contact', [
      { ref: 'q', fields: { LastName: "O'Brien", Email: "o'brien@example.com" } },
      { ref: 'other', fields: { LastName: 'Other', Email: 'other@example.com' } },
    ]);
    expect(created.every((o) => o.ok)).toBe(true);
    const found = await crm.findByEmail(["O'Brien@Example.com", quoted], {
      Lead: LEAD_FIELDS,
      Contact: CONTACT_FIELDS,
    });
    expect(found.map((r) => r.fields['LastName'])).toEqual(["O'Brien"]);
    // Contacts and Leads in one call: two query subrequests of one Composite request.
    expect(count(COMPOSITE)).toBe(1);
    expect(count(QUERY)).toBe(0);
    // Unescaped, this value would close the literal and match every record.
    const injected = await crm.findByEmail(["x@example.com') OR (Email != 'x"], {
      Lead: LEAD_FIELDS,
      Contact: CONTACT_FIELDS,
    });
    expect(injected).toEqual([]);
  });

  it('a failed Composite subrequest (unknown field) is a permanent error, not retried', async () => {
    const { crm } = adapter();
    const error = await crm
      .findByEmail(['a@example.com'], { Lead: ['NoSuchField__c'], Contact: CONTACT_FIELDS })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceRequestError);
    expect((error as SalesforceRequestError).category).toBe('validation');
    expect(count(COMPOSITE)).toBe(1);
  });

  it('findByEmail leaves converted leads out; readRecords shows the conversion', async () => {
    const { crm } = adapter();
    const [leadId] = await createLeads(crm, 1, 'convert');
    const { contactId } = await sandbox.convertLead(leadId!);
    const found = await crm.findByEmail(['convert0@example.com'], {
      Lead: LEAD_FIELDS,
      Contact: CONTACT_FIELDS,
    });
    expect(found.map((r) => [r.objectType, r.id])).toEqual([['Contact', contactId]]);
    const [lead] = await crm.readRecords('Lead', [leadId!], LEAD_FIELDS);
    expect(lead).toMatchObject({ id: leadId, isConverted: true, convertedContactId: contactId });
  });

  it('readConvertedLeads finds the Lead a Contact was converted from, with its CreatedById (seed 1250002931)', async () => {
    const { crm } = adapter();
    const [leadId, otherId] = await createLeads(crm, 2, 'converted');
    const { contactId } = await sandbox.convertLead(leadId!);
    const found = await crm.readConvertedLeads([contactId], LEAD_FIELDS);
    expect(found.map((r) => [r.objectType, r.id, r.isConverted, r.convertedContactId])).toEqual([
      ['Lead', leadId, true, contactId],
    ]);
    expect(found[0]?.createdById).toBe(await crm.integrationUserId());
    // A Lead not converted, and a Contact no Lead was converted into, give nothing.
    expect(await crm.readConvertedLeads([otherId!], LEAD_FIELDS)).toEqual([]);
    expect(await crm.readConvertedLeads([], LEAD_FIELDS)).toEqual([]);
  });

  it('a batch reads converted Leads only when it holds a HubSpot contact’s creation intent (seed 1250002931)', async () => {
    const { crm } = adapter();
    const [leadId] = await createLeads(crm, 1, 'intent');
    const { contactId } = await sandbox.convertLead(leadId!);
    const [contact] = await crm.readRecords('Contact', [contactId], CONTACT_FIELDS);
    const creation = { recordKey: 'hubspot:1001', snapshot: { firstname: 'Bo' }, at: 1 };
    const link = { ...creation, link: { salesforceId: contactId, hubspot: [], salesforce: [] } };
    const read = (intent: CreationIntent | undefined) =>
      convertedLeadsOfIntents(
        crm,
        [contact!],
        new Map(intent ? [[intent.recordKey, intent]] : []),
        LEAD_FIELDS,
      );
    expect((await read(creation)).map((r) => r.id)).toEqual([leadId]);
    // No creation intent (none, or a first link's intent under the same key): nothing to vouch for.
    expect(await read(undefined)).toEqual([]);
    expect(await read(link)).toEqual([]);
    expect(await read({ ...creation, recordKey: `salesforce:${contactId}` })).toEqual([]);
  });

  it('a merged-away record reads as deleted with its MasterRecordId (queryAll)', async () => {
    const { crm } = adapter();
    const outcomes = await crm.createRecords('Contact', [
      { ref: 'master', fields: { LastName: 'Master', Email: 'm@example.com' } },
      { ref: 'loser', fields: { LastName: 'Loser', Email: 'l@example.com' } },
    ]);
    const [master, loser] = outcomes.map((o) => (o.ok ? o.id : ''));
    await sandbox.merge('Contact', master!, [loser!]);
    const [read] = await crm.readRecords('Contact', [loser!], CONTACT_FIELDS);
    expect(read).toMatchObject({ id: loser, isDeleted: true, masterRecordId: master });
  });

  it('queryPage pages by nextRecordsUrl; polling includes converted leads, import leaves them out', async () => {
    const { crm } = adapter();
    const start = Date.now() - 5_000;
    const ids = await createLeads(crm, 250, 'page');
    await sandbox.convertLead(ids[0]!);
    const p1 = await crm.queryPage('Lead', ['LastName'], { modifiedSinceMs: start });
    expect(p1.records).toHaveLength(200);
    const p2 = await crm.queryPage('Lead', ['LastName'], { modifiedSinceMs: start, after: p1.after! });
    expect(p2.records).toHaveLength(50);
    expect(p2.after).toBeUndefined();
    expect([...p1.records, ...p2.records].some((r) => r.isConverted)).toBe(true);
    const imp1 = await crm.queryPage('Lead', ['LastName'], {});
    const imp2 = imp1.after
      ? await crm.queryPage('Lead', ['LastName'], { after: imp1.after })
      : { records: [] };
    expect(imp1.records.length + imp2.records.length).toBe(249);
    expect(count(QUERY)).toBe(2);
  });
});

describe('SalesforceCrm: limits and failures', () => {
  it('Sforce-Limit-Info near the allocation makes bulk callers wait/retry later while live calls go on', async () => {
    const { crm, limiter } = adapter();
    const bulk = crm.withLane('bulk');
    sandbox.setApiUsage(95_000); // of 100,000
    await crm.readRecords('Lead', ['00Q000000000001AAA'], ['LastName']);
    await expect(bulk.readRecords('Lead', ['00Q000000000001AAA'], ['LastName'])).rejects.toBeInstanceOf(
      RetryableError,
    );
    await expect(crm.readRecords('Lead', ['00Q000000000001AAA'], ['LastName'])).resolves.toEqual([]);
    expect(limiter.counters().rejected).toBe(1);
  });

  it('REQUEST_LIMIT_EXCEEDED (allocation used) pauses the limiter and ends in a RetryableError, without hammering', async () => {
    const { crm, limiter } = adapter();
    sandbox.setApiUsage(100_000);
    const error = await crm
      .readRecords('Lead', ['00Q000000000001AAA'], ['LastName'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBeGreaterThan(60_000);
    expect(count(QUERY_ALL)).toBe(1);
    expect(limiter.counters().rateLimited).toBe(1);
  });

  it('503 SERVER_UNAVAILABLE is retried with backoff on the injected clock, then succeeds', async () => {
    const { crm, limiter, time } = adapter();
    sandbox.injectFault({ kind: 'error', status: 503, count: 2, match: 'composite/sobjects' });
    const ids = await createLeads(crm, 2);
    expect(ids).toHaveLength(2);
    expect(count(POST_COLLECTION)).toBe(3);
    expect(limiter.counters().retries).toBe(2);
    expect(time.sleeps).toEqual([500, 1000]);
  });

  it('a request that hangs past the timeout is aborted and retried', async () => {
    const { crm, limiter } = adapter({ timeoutMs: 100 });
    sandbox.injectFault({ kind: 'latency', ms: 1_000, count: 1, match: '/query' });
    await expect(crm.readRecords('Lead', ['00Q000000000001AAA'], ['LastName'])).resolves.toEqual([]);
    expect(count(QUERY_ALL)).toBe(2);
    expect(limiter.counters().retries).toBe(1);
  });

  it('a create that times out is not repeated in-call (it may have been applied): RetryableError after 1 call', async () => {
    const { crm } = adapter({ timeoutMs: 100 });
    sandbox.injectFault({ kind: 'latency', ms: 1_000, count: 1, match: 'composite/sobjects' });
    const error = await createLeads(crm, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/may have been applied/);
    expect(count(POST_COLLECTION)).toBe(1);
  });

  it('INVALID_SESSION_ID is a clear permanent CrmAuthError', async () => {
    const { crm } = adapter();
    sandbox.revokeToken(TOKEN);
    const error = await crm
      .readRecords('Lead', ['00Q000000000001AAA'], ['LastName'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmAuthError);
    expect((error as Error).message).toMatch(/INVALID_SESSION_ID/);
  });
});

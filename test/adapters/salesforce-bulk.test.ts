import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceObject } from '../../lib/domain/notice.ts';
import { BulkQueryUnavailableError } from '../../lib/errors.ts';
import type { BulkCursor, BulkPollProgress, SalesforceRecord } from '../../lib/ports.ts';
import type { BulkReadOptions } from '../../lib/salesforce/salesforce-bulk.ts';
import { createSalesforceConnection } from '../../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../../lib/salesforce/salesforce-crm.ts';
import { BULK_JOB_LIFETIME_MS } from '../../sandbox/salesforce/bulk-query.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { roomySalesforceLimiter } from './fake-time.ts';

const V = '/services/data/v{version}';
const LEAD_FIELDS = [
  'FirstName',
  'LastName',
  'Email',
  'Company',
  'Title',
  'Phone',
  'NumberOfEmployees',
  'AnnualRevenue',
  'HasOptedOutOfEmail',
  'LastModifiedDate',
];
const CONTACT_FIELDS = ['FirstName', 'LastName', 'Email', 'Title', 'AccountId', 'Birthdate'];

let sandbox: SalesforceSandbox;
let t = Date.UTC(2026, 2, 1, 9, 0, 0);

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, queryPageSize: 200, autoDeliver: false, now: () => t });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
});

const count = (key: string) => sandbox.counters()[key] ?? 0;

/** The adapter against a sandbox (default: the shared one); polls wait instantly, each wait recorded. */
function adapter(bulk: BulkReadOptions = {}, instanceUrl = sandbox.url) {
  const limiter = roomySalesforceLimiter();
  const connection = createSalesforceConnection({
    instanceUrl,
    accessToken: 'tok',
    clientName: 'crmsync',
  });
  const slept: number[] = [];
  const sleep = async (ms: number) => {
    slept.push(ms);
  };
  return {
    crm: new SalesforceCrm({ connection, limiter, clientName: 'crmsync', bulk: { sleep, ...bulk } }),
    slept,
  };
}

/** Every record of a paged read: `next(undefined)` is the first page, `next(position)` the following. */
async function all<P>(next: (at?: P) => Promise<{ records: SalesforceRecord[]; at?: P }>) {
  const out: SalesforceRecord[] = [];
  let at: P | undefined;
  do {
    const page = await next(at);
    out.push(...page.records);
    at = page.at;
  } while (at !== undefined);
  return out;
}

const allBySoql = (crm: SalesforceCrm, object: SalesforceObject, fields: string[], afterId: string | null) =>
  all<string>(async (after) => {
    const page = await crm.queryPage(object, fields, after ? { after } : { afterId });
    return { records: page.records, ...(page.after ? { at: page.after } : {}) };
  });

const allByBulk = (crm: SalesforceCrm, object: SalesforceObject, fields: string[], afterId: string | null) =>
  all<BulkCursor>(async (cursor) => {
    const page = await crm.bulkQueryPage(object, fields, cursor ? { cursor } : { afterId });
    return { records: page.records, ...(page.cursor ? { at: page.cursor } : {}) };
  });

describe('Salesforce adapter: Bulk API 2.0 reads (docs/design.md#bulk-reads)', () => {
  it('contract: a Bulk read returns exactly the records and shapes of the SOQL read (booleans, numbers, nulls, datetimes, dates, quotes and newlines)', async () => {
    const { crm } = adapter({ resultSetSize: 7 });
    sandbox.seed({ leads: 25, contacts: 12, seed: 11 });
    await sandbox.userCreate('Lead', {
      LastName: 'Quote "and", comma',
      Company: 'Two\nlines',
      NumberOfEmployees: 0,
      AnnualRevenue: 99.95,
      HasOptedOutOfEmail: true,
      Email: 'q@example.com',
    });
    await sandbox.userCreate('Contact', {
      LastName: 'Dated',
      Birthdate: '1990-04-05',
      Email: 'd@example.com',
    });
    const leadsSoql = await allBySoql(crm, 'Lead', LEAD_FIELDS, null);
    const leadsBulk = await allByBulk(crm, 'Lead', LEAD_FIELDS, null);
    expect(leadsSoql).toHaveLength(26);
    expect(leadsBulk).toEqual(leadsSoql);
    const odd = leadsBulk.find((r) => r.fields['LastName'] === 'Quote "and", comma');
    expect(odd?.fields).toMatchObject({
      Company: 'Two\nlines',
      NumberOfEmployees: 0,
      AnnualRevenue: 99.95,
      HasOptedOutOfEmail: true,
      Title: null,
    });
    const contactsSoql = await allBySoql(crm, 'Contact', CONTACT_FIELDS, null);
    expect(await allByBulk(crm, 'Contact', CONTACT_FIELDS, null)).toEqual(contactsSoql);
    const after = contactsSoql[4]!.id;
    expect(await allByBulk(crm, 'Contact', CONTACT_FIELDS, after)).toEqual(
      await allBySoql(crm, 'Contact', CONTACT_FIELDS, after),
    );
  });

  it('contract: converted leads are left out of both reads, as the import wants', async () => {
    const { crm } = adapter();
    const { leadIds } = sandbox.seed({ leads: 4, contacts: 0, seed: 12 });
    await sandbox.convertLead(leadIds[1]!);
    const bulk = await allByBulk(crm, 'Lead', ['Email'], null);
    expect(bulk.map((r) => r.id)).toEqual((await allBySoql(crm, 'Lead', ['Email'], null)).map((r) => r.id));
    expect(bulk.map((r) => r.id)).not.toContain(leadIds[1]);
  });

  it('costs 1 create + its polls + 1 call per result set + 1 describe per object, through jsforce bulk2; the first SOQL page tells the total', async () => {
    const { crm, slept } = adapter({ resultSetSize: 10, pollFirstDelayMs: 1000 });
    sandbox.seed({ leads: 0, contacts: 35, seed: 13 });
    const polls: BulkPollProgress[] = [];
    let page = await crm.bulkQueryPage('Contact', ['Email'], {
      afterId: null,
      onPoll: (p) => {
        polls.push(p);
      },
    });
    let sets = 1;
    while (page.cursor) {
      page = await crm.bulkQueryPage('Contact', ['Email'], { cursor: page.cursor });
      sets++;
    }
    expect(sets).toBe(4);
    expect(count(`POST ${V}/jobs/query`)).toBe(1);
    expect(count(`GET ${V}/jobs/query/{id}`)).toBe(2);
    expect(count(`GET ${V}/jobs/query/{id}/results`)).toBe(4);
    expect(count(`GET ${V}/sobjects/{type}/describe`)).toBe(1);
    // The finished job is not deleted (a call for nothing: Salesforce removes it after 7 days).
    expect(count(`DELETE ${V}/jobs/query/{id}`)).toBe(0);
    expect(polls.map((p) => p.state)).toEqual(['InProgress', 'JobComplete']);
    // Polling backs off: each wait doubles.
    expect(slept).toEqual([1000, 2000]);
    expect((await crm.queryPage('Contact', ['Email'], { afterId: null })).total).toBe(35);
  });

  it('a stored cursor resumes in another adapter; after the job expired it throws BulkQueryUnavailableError', async () => {
    sandbox.seed({ leads: 0, contacts: 12, seed: 15 });
    const first = await adapter({ resultSetSize: 5 }).crm.bulkQueryPage('Contact', ['Email'], {
      afterId: null,
    });
    const cursor = JSON.parse(JSON.stringify(first.cursor));
    const second = await adapter({ resultSetSize: 5 }).crm.bulkQueryPage('Contact', ['Email'], { cursor });
    expect(second.records).toHaveLength(5);
    expect(second.records[0]!.id > first.records.at(-1)!.id).toBe(true);
    t += BULK_JOB_LIFETIME_MS;
    await expect(
      adapter({ resultSetSize: 5 }).crm.bulkQueryPage('Contact', ['Email'], { cursor: second.cursor! }),
    ).rejects.toBeInstanceOf(BulkQueryUnavailableError);
  });

  it('polling is bounded: a job still running after pollMaxWaitMs is aborted and reported unavailable', async () => {
    const slow = await startSalesforceSandbox({ port: 0, autoDeliver: false, bulkQueryPollsToComplete: 100 });
    try {
      const { crm } = adapter(
        { pollFirstDelayMs: 1000, pollMaxDelayMs: 4000, pollMaxWaitMs: 20_000 },
        slow.url,
      );
      const error = await crm.bulkQueryPage('Lead', ['Email'], { afterId: null }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BulkQueryUnavailableError);
      expect((error as Error).message).toMatch(/aborted/);
      // 1 + 2 + 4 + 4 + 4 + 4 + 4 = 23 s ≥ 20 s: seven polls, then the abort.
      expect(slow.counters()[`GET ${V}/jobs/query/{id}`]).toBe(7);
      expect(slow.counters()[`PATCH ${V}/jobs/query/{id}`]).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('a failed job is reported unavailable; malformed SOQL is a plain Salesforce error', async () => {
    // While the adapter waits between polls, the job fails on the Salesforce side.
    const failRunningJobs = async () => {
      const res = await fetch(`${sandbox.url}/services/data/v64.0/jobs/query`, {
        headers: { authorization: 'Bearer x' },
      });
      const { records } = (await res.json()) as { records: { id: string; state: string }[] };
      for (const job of records) if (job.state !== 'Failed') sandbox.failBulkQueryJob(job.id);
    };
    const { crm } = adapter({ sleep: failRunningJobs });
    await expect(crm.bulkQueryPage('Lead', ['Email'], { afterId: null })).rejects.toThrow(/ended Failed/);
    await expect(crm.bulkQueryPage('Lead', ['NoSuchField__x'], { afterId: null })).rejects.toThrow(
      /INVALID_FIELD/,
    );
  });
});

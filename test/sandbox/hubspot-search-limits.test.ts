import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../support/hubspot-failure.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';

const TOKEN = 'pat-na1-search-limits';
let sandbox: HubSpotSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({
    port: 0,
    limits: { burstPer10s: 100_000, searchPerSecond: 100_000 },
  });
  client = new Client({ accessToken: TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

type Group = { filters: { propertyName: string; operator: FilterOperatorEnum; value?: string }[] };

const search = (filterGroups: Group[], after = '0') =>
  client.crm.contacts.searchApi.doSearch({ filterGroups, sorts: [], properties: [], limit: 200, after });

/** A group of `n` filters that every contact with an email passes. */
const group = (n: number): Group => ({
  filters: Array.from({ length: n }, () => ({
    propertyName: 'email',
    operator: FilterOperatorEnum.HasProperty,
  })),
});

describe('HubSpot sandbox search: the 10,000-result cap', () => {
  it('hands out paging.next.after up to the cap, and answers 400 VALIDATION_ERROR for the page past it', async () => {
    sandbox.seed({ contacts: 10_050, seed: 5 });
    const last = await search([], '9800');
    expect(last.total).toBe(10_050);
    expect(last.results).toHaveLength(200);
    // Like HubSpot: the cursor to the 10,001st result is given out, but it cannot be used.
    expect(last.paging?.next?.after).toBe('10000');
    const past = await failure(search([], last.paging!.next!.after));
    expect(past.code).toBe(400);
    expect(past.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(past.body.message).toMatch(/10000 records per query/);
  });

  it('a query with fewer results than the cap has no next page after its last one', async () => {
    sandbox.seed({ contacts: 250, seed: 6 });
    const second = await search([], '200');
    expect(second.results).toHaveLength(50);
    expect(second.paging).toBeUndefined();
  });
});

describe('HubSpot sandbox search: each page is evaluated against the current data', () => {
  it('a contact archived between two pages shifts the offsets, as in a live index', async () => {
    const ids = sandbox.seed({ contacts: 300, seed: 8 });
    const first = await search([]);
    expect(first.results).toHaveLength(200);
    await sandbox.userArchiveContact(ids[0]!);
    const second = await search([], '200');
    expect(second.total).toBe(299);
    expect(second.results).toHaveLength(99);
  });
});

describe('HubSpot sandbox search: filter limits (5 groups, 6 filters per group, 18 in all)', () => {
  beforeEach(async () => {
    await sandbox.userCreateContact({ email: 'limits@example.com' });
  });

  it('6 filters in a group, 5 groups and 18 filters in all are accepted', async () => {
    expect((await search([group(6)])).total).toBe(1);
    expect((await search([group(1), group(1), group(1), group(1), group(1)])).total).toBe(1);
    expect((await search([group(6), group(6), group(6)])).total).toBe(1);
  });

  it('a 7th filter in one group is a 400 VALIDATION_ERROR naming the group and the limit', async () => {
    const error = await failure(search([group(1), group(7)]));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(error.body.message).toMatch(/filterGroups\[1\]: 7.*at most 6 filters/);
  });

  it('a 6th filter group is a 400 VALIDATION_ERROR', async () => {
    const error = await failure(search(Array.from({ length: 6 }, () => group(1))));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(error.body.message).toMatch(/at most 5 filterGroups/);
  });

  it('19 filters in all (no group over 6) is a 400 VALIDATION_ERROR', async () => {
    const error = await failure(search([group(5), group(5), group(5), group(4)]));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(error.body.message).toMatch(/19.*at most 18 filters/);
  });
});

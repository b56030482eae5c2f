import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { lifecycleListRequest } from './lifecycle-list.ts';

// HubSpot processes DYNAMIC lists asynchronously; listProcessingDelayMs mimics that.
let slow: HubSpotSandbox;
let c: Client;

beforeAll(async () => {
  slow = await startHubSpotSandbox({ port: 0, listProcessingDelayMs: 60_000 });
  c = new Client({ accessToken: 'pat-na1-slow-lists', basePath: slow.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await slow.close();
});

const sqlList = lifecycleListRequest('Slow', ['salesqualifiedlead']);

describe('HubSpot sandbox: delayed list processing', () => {
  it('with a processing delay, DYNAMIC membership changes only once processing runs', async () => {
    const list = (await c.crm.lists.listsApi.create(sqlList)).list;
    const id = await slow.userCreateContact({
      email: 'x@slow.example.com',
      lifecyclestage: 'salesqualifiedlead',
    });
    expect((await c.crm.lists.membershipsApi.getPage(list.listId)).total).toBe(0);
    expect((await c.crm.lists.listsApi.getById(list.listId)).list.processingStatus).toBe('PROCESSING');
    slow.processLists();
    const page = await c.crm.lists.membershipsApi.getPage(list.listId);
    expect(page.results.map((r) => r.recordId)).toEqual([id]);
    expect((await c.crm.lists.listsApi.getById(list.listId)).list.processingStatus).toBe('COMPLETE');
  });
});

import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';

const TOKEN = 'pat-na1-retry-test';
let sandbox: HubSpotSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0 });
  // Two attempts in total: the client retries 5xx after 200 ms and a SECONDLY 429 after 1 s.
  client = new Client({ accessToken: TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 2 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

describe('HubSpot sandbox: faults the real client recovers from', () => {
  it('a one-shot 429 storm with policy SECONDLY is retried by the client and then succeeds', async () => {
    sandbox.injectFault({
      kind: '429-storm',
      count: 1,
      policyName: 'SECONDLY',
      pathPrefix: '/crm/v3/objects/contacts/search',
    });
    const r = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [],
      sorts: [],
      properties: [],
      limit: 10,
      after: '0',
    });
    expect(r.total).toBe(0);
    expect(sandbox.counters()['POST /crm/v3/objects/contacts/search']).toBe(2);
    expect(sandbox.counters()['429 SECONDLY']).toBe(1);
  });

  it('a DAILY 429 is not retried', async () => {
    sandbox.injectFault({ kind: '429-storm', count: 5, policyName: 'DAILY' });
    const code = await client.crm.contacts.basicApi.getPage(1).catch((e: { code: number }) => e.code);
    expect(code).toBe(429);
    expect(sandbox.counters()['GET /crm/v3/objects/contacts']).toBe(1);
  });

  it('an error-rate fault answers 5xx with HubSpot-shaped bodies; the client retries, and stops once cleared', async () => {
    sandbox.injectFault({ kind: 'error-rate', rate: 1, status: 503, pathPrefix: '/crm/v3/lists' });
    const err = (await client.crm.lists.listsApi.getById('1').then(
      () => ({ code: 200, body: { status: 'ok' } }),
      (e: { code: number; body: { status: string } }) => e,
    )) as { code: number; body: { status: string } };
    expect(err.code).toBe(503);
    expect(err.body.status).toBe('error');
    expect(sandbox.counters()['GET /crm/v3/lists/{listId}']).toBe(2);
    sandbox.clearFaults();
    const code = await client.crm.lists.listsApi.getById('1').catch((e: { code: number }) => e.code);
    expect(code).toBe(404);
  });
});

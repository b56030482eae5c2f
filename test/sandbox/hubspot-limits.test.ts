import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../support/hubspot-failure.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';

const TOKEN = 'pat-na1-limits-test';
let clock = Date.UTC(2026, 0, 15, 12, 0, 0);
let sandbox: HubSpotSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({
    port: 0,
    now: () => clock,
    limits: { burstPer10s: 5, dailyLimit: 1_000, searchPerSecond: 5 },
  });
  // One attempt in total, so every 429 surfaces (hubspot-retry.test.ts covers the client's retries).
  client = new Client({ accessToken: TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 1 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
  client.setAccessToken(TOKEN);
  clock += 60_000;
});

const search = () =>
  client.crm.contacts.searchApi.doSearch({
    filterGroups: [],
    sorts: [],
    properties: [],
    limit: 10,
    after: '0',
  });

describe('HubSpot sandbox: auth and rate limits through @hubspot/api-client', () => {
  it('401 INVALID_AUTHENTICATION for a missing token and for a revoked one', async () => {
    client.setAccessToken('');
    const missing = await failure(client.crm.contacts.basicApi.getPage(1));
    expect(missing.code).toBe(401);
    expect(missing.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    client.setAccessToken(TOKEN);
    await client.crm.contacts.basicApi.getPage(1);
    sandbox.revokeToken(TOKEN);
    const revoked = await failure(client.crm.contacts.basicApi.getPage(1));
    expect(revoked.code).toBe(401);
    expect(revoked.body.category).toBe('INVALID_AUTHENTICATION');
  });

  it('the 10-second burst limit answers 429 TEN_SECONDLY_ROLLING with rate-limit headers, and frees up after 10 s', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await client.crm.contacts.basicApi.getPageWithHttpInfo(1);
      expect(Number(r.headers['x-hubspot-ratelimit-remaining'])).toBe(4 - i);
      expect(r.headers['x-hubspot-ratelimit-max']).toBe('5');
      expect(r.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('10000');
      expect(r.headers['x-hubspot-ratelimit-daily']).toBe('1000');
    }
    const err = await failure(client.crm.properties.coreApi.getAll('contacts'));
    expect(err.code).toBe(429);
    expect(err.body).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(err.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    clock += 10_001;
    await expect(client.crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
    expect(sandbox.counters()['429 TEN_SECONDLY_ROLLING']).toBe(1);
  });

  it('the daily limit answers 429 DAILY, which the client does not retry', async () => {
    const res = await fetch(`${sandbox.url}/__sandbox/limits/daily-used`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ used: 999 }),
    });
    expect(res.status).toBe(204);
    const ok = await client.crm.contacts.basicApi.getPageWithHttpInfo(1);
    expect(ok.headers['x-hubspot-ratelimit-daily-remaining']).toBe('0');
    const before = sandbox.counters()['GET /crm/v3/objects/contacts'] ?? 0;
    const err = await failure(client.crm.contacts.basicApi.getPage(1));
    expect(err.code).toBe(429);
    expect(err.body).toMatchObject({ policyName: 'DAILY', message: 'You have reached your daily limit.' });
    expect(sandbox.counters()['GET /crm/v3/objects/contacts']).toBe(before + 1);
  });

  it('search is limited per second: the 6th search in the same second is 429 SECONDLY', async () => {
    clock += 10_001;
    for (let i = 0; i < 5; i++) {
      const r = await client.crm.contacts.searchApi.doSearchWithHttpInfo({
        filterGroups: [],
        sorts: [],
        properties: [],
        limit: 10,
        after: '0',
      });
      expect(r.httpStatusCode).toBe(200);
      expect(r.headers['x-hubspot-ratelimit-secondly']).toBe('5');
      expect(Number(r.headers['x-hubspot-ratelimit-secondly-remaining'])).toBe(4 - i);
    }
    const err = await failure(search());
    expect(err.code).toBe(429);
    expect(err.body).toMatchObject({
      policyName: 'SECONDLY',
      errorType: 'RATE_LIMIT',
      message: 'You have reached your secondly limit.',
    });
    clock += 10_001;
    await expect(search()).resolves.toMatchObject({ total: 0 });
  });
});

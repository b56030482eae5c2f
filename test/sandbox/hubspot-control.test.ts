import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, type WebhookEvent, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';

const TOKEN = 'pat-na1-control-test';
let sandbox: HubSpotSandbox;
let client: Client;
let receiver: Server;
let hookUrl: string;
const batches: WebhookEvent[][] = [];
let answers: number[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      batches.push(JSON.parse(body) as WebhookEvent[]);
      res.writeHead(answers.shift() ?? 200).end();
      receiver.emit('batch');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  // Short windows: this file checks the automatic (timer-driven) delivery and retry path.
  sandbox = await startHubSpotSandbox({ port: 0, webhookBatchWindowMs: 5, webhookRetryBaseMs: 5 });
  client = new Client({ accessToken: TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});
beforeEach(() => {
  sandbox.reset();
  batches.length = 0;
  answers = [];
});

/** Resolve once the receiver has seen n batches (event-driven, no polling). */
async function batchCount(n: number): Promise<void> {
  while (batches.length < n) await once(receiver, 'batch');
}

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sandbox.url}/__sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('HubSpot sandbox: control API under /__sandbox', () => {
  it('seeds realistic contacts deterministically, with overlapping email domains when asked', async () => {
    const seeded = await control('POST', '/seed', {
      contacts: 50,
      seed: 7,
      emailDomainPool: ['acme.example.com', 'globex.example.com'],
    });
    const ids = (seeded.json as { ids: string[] }).ids;
    expect(ids).toHaveLength(50);
    const read = await client.crm.contacts.batchApi.read({
      inputs: ids.map((id) => ({ id })),
      properties: ['email', 'firstname', 'lastname', 'company'],
      propertiesWithHistory: [],
    });
    const emails = read.results.map((r) => r.properties['email'] ?? '');
    expect(new Set(emails).size).toBe(50);
    expect(emails.filter((e) => /@(acme|globex)\.example\.com$/.test(e)).length).toBeGreaterThan(35);
    expect(
      read.results.every(
        (r) => r.properties['firstname'] && r.properties['lastname'] && r.properties['company'],
      ),
    ).toBe(true);
    sandbox.reset();
    const again = sandbox.seed({
      contacts: 50,
      seed: 7,
      emailDomainPool: ['acme.example.com', 'globex.example.com'],
    });
    const reread = await client.crm.contacts.batchApi.read({
      inputs: again.map((id) => ({ id })),
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(reread.results.map((r) => r.properties['email'])).toEqual(emails);
  });

  it('counts API calls per METHOD and path template', async () => {
    await client.crm.contacts.basicApi.getPage(5);
    await client.crm.contacts.basicApi.getPage(5);
    await client.crm.contacts.basicApi.getById('1').catch(() => undefined);
    const counters = (await control('GET', '/counters')).json as Record<string, number>;
    expect(counters).toEqual({
      'GET /crm/v3/objects/contacts': 2,
      'GET /crm/v3/objects/contacts/{contactId}': 1,
    });
  });

  it('user edits over HTTP: create, update, archive, restore, merge; revoke a token; reset', async () => {
    const a = (
      (
        await control('POST', '/user/contacts', {
          properties: { email: 'ui@x.example.com', firstname: 'Uma' },
        })
      ).json as { id: string }
    ).id;
    const b = (
      (
        await control('POST', '/user/contacts', {
          properties: { email: 'ui2@x.example.com', jobtitle: 'COO' },
        })
      ).json as { id: string }
    ).id;
    expect((await control('PATCH', `/user/contacts/${a}`, { properties: { lastname: 'Ui' } })).status).toBe(
      204,
    );
    const bad = await control('PATCH', `/user/contacts/${a}`, { properties: { lifecyclestage: 'nope' } });
    expect(bad.status).toBe(400);
    expect((await control('DELETE', `/user/contacts/${a}`)).status).toBe(204);
    expect(await client.crm.contacts.basicApi.getById(a).catch((e: { code: number }) => e.code)).toBe(404);
    expect((await control('POST', `/user/contacts/${a}/restore`)).status).toBe(204);
    expect((await control('POST', '/user/merge', { primaryId: a, mergedId: b })).status).toBe(204);
    const merged = await client.crm.contacts.basicApi.getById(a, ['lastname', 'jobtitle']);
    expect(merged.properties).toMatchObject({ lastname: 'Ui', jobtitle: 'COO' });
    const history = await client.crm.contacts.basicApi.getById(a, ['lastname'], ['lastname']);
    expect(history.propertiesWithHistory?.['lastname']?.[0]).toMatchObject({
      sourceType: 'CRM_UI',
      value: 'Ui',
    });
    expect((await control('POST', '/tokens/revoke', { token: TOKEN })).status).toBe(204);
    expect(await client.crm.contacts.basicApi.getPage(1).catch((e: { code: number }) => e.code)).toBe(401);
    expect((await control('POST', '/reset')).status).toBe(204);
    expect((await client.crm.contacts.basicApi.getPage(10)).results).toHaveLength(0);
  });

  it('the demo endpoint seeds contacts and a DYNAMIC segment whose members are MQL or SQL', async () => {
    const { segmentListId } = (await control('POST', '/demo', { contacts: 100, seed: 3 })).json as {
      segmentListId: string;
    };
    const list = await client.crm.lists.listsApi.getById(segmentListId, true);
    expect(list.list.processingType).toBe('DYNAMIC');
    const page = await client.crm.lists.membershipsApi.getPage(segmentListId, undefined, undefined, 250);
    expect(page.total).toBeGreaterThan(0);
    const read = await client.crm.contacts.batchApi.read({
      inputs: page.results.map((r) => ({ id: r.recordId })),
      properties: ['lifecyclestage'],
      propertiesWithHistory: [],
    });
    expect(
      read.results.every((r) =>
        ['marketingqualifiedlead', 'salesqualifiedlead'].includes(r.properties['lifecyclestage'] ?? ''),
      ),
    ).toBe(true);
  });

  it('delivers webhooks on its own after the batching window and retries a refused batch with backoff', async () => {
    expect((await control('PUT', '/webhooks', { url: hookUrl })).status).toBe(204);
    answers = [503];
    await sandbox.userCreateContact({ email: 'auto@x.example.com' });
    await batchCount(2);
    expect(batches).toHaveLength(2);
    expect(batches[0]!.map((e) => e.attemptNumber)).toEqual([0, 0]);
    expect(batches[1]!.map((e) => e.attemptNumber)).toEqual([1, 1]);
    const state = (await control('GET', '/webhooks')).json as {
      pending: number;
      stats: { delivered: number; failed: number };
    };
    expect(state.pending).toBe(0);
    expect(state.stats).toMatchObject({ delivered: 2, failed: 2 });
  });

  it('webhook subscriptions can be narrowed to some event types and properties', async () => {
    expect(
      (
        await control('PUT', '/webhooks', {
          url: hookUrl,
          subscriptions: ['contact.propertyChange'],
          propertyNames: ['firstname'],
        })
      ).status,
    ).toBe(204);
    const id = await sandbox.userCreateContact({ email: 'narrow@x.example.com', firstname: 'Nia' });
    await sandbox.userUpdateContact(id, { lastname: 'Ng', firstname: 'Nora' });
    await sandbox.flushWebhooks();
    expect(batches.flat().map((e) => [e.subscriptionType, e.propertyName, e.propertyValue])).toEqual([
      ['contact.propertyChange', 'firstname', 'Nia'],
      ['contact.propertyChange', 'firstname', 'Nora'],
    ]);
    await control('PUT', '/webhooks', {
      url: hookUrl,
      subscriptions: [
        'contact.creation',
        'contact.deletion',
        'contact.propertyChange',
        'contact.merge',
        'contact.restore',
        'contact.privacyDeletion',
      ],
      propertyNames: null,
    });
  });

  it('faults over HTTP: a latency fault is listed and cleared; unknown kinds are a 400', async () => {
    expect(
      (await control('POST', '/faults', { kind: 'latency', ms: 1, pathPrefix: '/crm/v3/lists' })).status,
    ).toBe(204);
    expect(((await control('GET', '/faults')).json as { faults: unknown[] }).faults).toHaveLength(1);
    expect((await control('POST', '/faults', { kind: 'meteor' })).status).toBe(400);
    expect((await control('DELETE', '/faults')).status).toBe(204);
    expect(((await control('GET', '/faults')).json as { faults: unknown[] }).faults).toHaveLength(0);
  });
});

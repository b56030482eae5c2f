import { createHmac } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Signature } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type HubSpotSandbox,
  type WebhookEvent,
  signV3,
  startHubSpotSandbox,
} from '../../sandbox/hubspot/index.ts';

const APP_TOKEN = 'pat-na1-crmsync-app';
const OTHER_TOKEN = 'pat-na1-someone-else';
const SECRET = 'test-client-secret-7c1f';
const APP_ID = 777001;

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  events: WebhookEvent[];
}

let sandbox: HubSpotSandbox;
let client: Client;
let receiver: Server;
let hookUrl: string;
let received: Received[] = [];
let answers: number[] = [];
let inFlight = 0;
let maxInFlight = 0;
let holdMs = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        events: JSON.parse(body) as WebhookEvent[],
      });
      const status = answers.shift() ?? 204;
      // Receiver latency, so concurrent deliveries overlap.
      setTimeout(() => {
        inFlight--;
        res.writeHead(status).end();
      }, holdMs);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/hubspot?tenant=demo`;
  sandbox = await startHubSpotSandbox({
    port: 0,
    appId: APP_ID,
    clientSecret: SECRET,
    appTokens: [APP_TOKEN],
    webhookUrl: hookUrl,
    // Only explicit flushes deliver, so tests never race the batching window.
    webhookBatchWindowMs: 3_600_000,
    webhookRetryBaseMs: 3_600_000,
    limits: { burstPer10s: 100_000 },
  });
  client = new Client({ accessToken: APP_TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});
beforeEach(() => {
  sandbox.reset();
  client.setAccessToken(APP_TOKEN);
  received = [];
  answers = [];
  maxInFlight = 0;
  holdMs = 0;
});

const events = () => received.flatMap((r) => r.events);
const ofType = (t: string) => events().filter((e) => e.subscriptionType === t);

describe('HubSpot sandbox: webhooks', () => {
  it('signV3 reproduces the published v3 test vectors (hubspot-api-python and -ruby suites)', () => {
    const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
    const uri = 'https://www.example.com/webhook_uri';
    const body = "{'example_field':'example_value'}";
    expect(signV3(secret, 'POST', uri, body, 1693657560000)).toBe(
      'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=',
    );
    expect(signV3(secret, 'POST', uri, body, 1700000300000)).toBe(
      'RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw=',
    );
  });

  it('signs every batch with v3: our own HMAC and the client Signature.isValid both agree', async () => {
    await client.crm.contacts.basicApi.create({
      properties: { email: 'sig@x.example.com', firstname: 'Sig' },
      associations: [],
    });
    const r = await sandbox.flushWebhooks();
    expect(r).toEqual({ delivered: 3, failed: 0 });
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['x-hubspot-signature-version']).toBe('v3');
    const signature = String(req.headers['x-hubspot-signature-v3']);
    const timestamp = Number(req.headers['x-hubspot-request-timestamp']);
    const fullUri = `http://${req.headers.host}${req.path}`;
    expect(fullUri).toBe(hookUrl);
    const mine = createHmac('sha256', SECRET)
      .update(`POST${fullUri}${req.body}${timestamp}`)
      .digest('base64');
    expect(signature).toBe(mine);
    expect(
      Signature.isValid({
        signatureVersion: 'v3',
        signature,
        clientSecret: SECRET,
        requestBody: req.body,
        url: fullUri,
        method: 'POST',
        timestamp,
      }),
    ).toBe(true);
    expect(
      Signature.isValid({
        signatureVersion: 'v3',
        signature,
        clientSecret: 'wrong',
        requestBody: req.body,
        url: fullUri,
        method: 'POST',
        timestamp,
      }),
    ).toBe(false);
    const tampered = req.body.replace('Sig', 'Sag');
    expect(
      createHmac('sha256', SECRET).update(`POST${fullUri}${tampered}${timestamp}`).digest('base64'),
    ).not.toBe(signature);
  });

  it('attributes changes: the app token → INTEGRATION with the app id; another token → API; a UI user → CRM_UI', async () => {
    const c = await client.crm.contacts.basicApi.create({
      properties: { email: 'attr@x.example.com' },
      associations: [],
    });
    client.setAccessToken(OTHER_TOKEN);
    await client.crm.contacts.basicApi.update(c.id, { properties: { jobtitle: 'CTO' } });
    await sandbox.userUpdateContact(c.id, { firstname: 'Ui' });
    await sandbox.flushWebhooks();
    const creation = ofType('contact.creation')[0]!;
    expect(creation).toMatchObject({
      objectId: Number(c.id),
      changeSource: 'INTEGRATION',
      sourceId: String(APP_ID),
      appId: APP_ID,
      portalId: 62515,
      attemptNumber: 0,
      changeFlag: 'NEW',
    });
    const changes = ofType('contact.propertyChange');
    expect(changes.find((e) => e.propertyName === 'email')).toMatchObject({
      changeSource: 'INTEGRATION',
      propertyValue: 'attr@x.example.com',
    });
    expect(changes.find((e) => e.propertyName === 'jobtitle')).toMatchObject({
      changeSource: 'API',
      propertyValue: 'CTO',
    });
    expect(changes.find((e) => e.propertyName === 'jobtitle')?.sourceId).toBeUndefined();
    expect(changes.find((e) => e.propertyName === 'firstname')).toMatchObject({
      changeSource: 'CRM_UI',
      propertyValue: 'Ui',
    });
    expect(
      changes.some((e) => e.propertyName === 'hs_lastmodifieddate' || e.propertyName === 'lastmodifieddate'),
    ).toBe(false);
    expect(new Set(events().map((e) => e.eventId)).size).toBe(events().length);
  });

  it('delivers in batches of at most 100 events, with at most 10 requests in flight', async () => {
    holdMs = 20;
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      id: `bulk${i}@x.example.com`,
      idProperty: 'email',
      properties: { firstname: `B${i}` },
    }));
    await client.crm.contacts.batchApi.upsert({ inputs });
    for (let i = 0; i < 10; i++) {
      await client.crm.contacts.batchApi.update({
        inputs: inputs.map((x, j) => ({
          id: x.id,
          idProperty: 'email',
          properties: { jobtitle: `T${i}-${j}` },
        })),
      });
    }
    // 100 creations + 200 initial property changes + 1,000 updates = 1,300 events.
    const r = await sandbox.flushWebhooks();
    expect(r).toEqual({ delivered: 1300, failed: 0 });
    expect(received.every((x) => x.events.length <= 100)).toBe(true);
    expect(received.length).toBe(13);
    expect(maxInFlight).toBeLessThanOrEqual(10);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('retries a batch the receiver refused, with attemptNumber increased, on the next flush', async () => {
    answers = [500];
    await sandbox.userCreateContact({ email: 'retry@x.example.com' });
    expect(await sandbox.flushWebhooks()).toEqual({ delivered: 0, failed: 2 });
    expect(await sandbox.flushWebhooks()).toEqual({ delivered: 2, failed: 0 });
    expect(received).toHaveLength(2);
    expect(received[0]!.events.map((e) => e.attemptNumber)).toEqual([0, 0]);
    expect(received[1]!.events.map((e) => e.attemptNumber)).toEqual([1, 1]);
    expect(received[1]!.events.map((e) => e.eventId)).toEqual(received[0]!.events.map((e) => e.eventId));
    expect(await sandbox.flushWebhooks()).toEqual({ delivered: 0, failed: 0 });
  });

  it('sends merge, deletion, restore and privacyDeletion events', async () => {
    const a = await sandbox.userCreateContact({ email: 'a@life.example.com' });
    const b = await sandbox.userCreateContact({ email: 'b@life.example.com', jobtitle: 'VP' });
    const d = await sandbox.userCreateContact({ email: 'd@life.example.com' });
    await sandbox.flushWebhooks();
    received = [];
    await client.crm.contacts.basicApi.merge({ primaryObjectId: a, objectIdToMerge: b });
    await sandbox.userArchiveContact(d);
    await sandbox.userRestoreContact(d);
    await client.crm.contacts.basicApi.purge({ objectId: d });
    await sandbox.flushWebhooks();
    expect(ofType('contact.merge')[0]).toMatchObject({
      objectId: Number(a),
      primaryObjectId: Number(a),
      mergedObjectIds: [Number(b)],
      newObjectId: Number(a),
      numberOfPropertiesMoved: 1,
      changeSource: 'INTEGRATION',
    });
    expect(ofType('contact.deletion').map((e) => [e.objectId, e.changeSource])).toEqual([
      [Number(d), 'CRM_UI'],
      [Number(d), 'INTEGRATION'],
    ]);
    expect(ofType('contact.restore').map((e) => e.objectId)).toEqual([Number(d)]);
    expect(ofType('contact.privacyDeletion').map((e) => e.objectId)).toEqual([Number(d)]);
  });

  it('the drop-webhooks fault loses events on purpose; the control API can retarget delivery', async () => {
    sandbox.injectFault({ kind: 'drop-webhooks', count: 1 });
    await sandbox.userCreateContact({ email: 'drop@x.example.com' });
    expect(await sandbox.flushWebhooks()).toEqual({ delivered: 1, failed: 0 });
    const res = await fetch(`${sandbox.url}/__sandbox/webhooks`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: null }),
    });
    expect(res.status).toBe(204);
    await sandbox.userCreateContact({ email: 'nowhere@x.example.com' });
    expect(await sandbox.flushWebhooks()).toEqual({ delivered: 0, failed: 0 });
    sandbox.setWebhookUrl(hookUrl);
  });
});

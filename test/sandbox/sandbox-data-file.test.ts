import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { type CaptureReceiver, startCaptureReceiver } from '../../sandbox/salesforce/receiver.ts';

/**
 * The sandboxes write their data through before each answer: what the caller saw succeed is in the
 * file at that moment. A second sandbox opened on the file while the first still runs (never closed,
 * as after a crash) finds it, and continues the id counters instead of reusing ids.
 */
let dir: string;
const open: { close(): Promise<void> }[] = [];
let receiver: CaptureReceiver;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crmsync-sandbox-file-'));
  receiver = await startCaptureReceiver();
  open.push(receiver);
});
afterAll(async () => {
  for (const s of open) await s.close();
  await rm(dir, { recursive: true, force: true });
});

async function hubspotOn(file: string, webhookUrl?: string): Promise<HubSpotSandbox> {
  const sandbox = await startHubSpotSandbox({
    port: 0,
    dataFile: file,
    webhookUrl,
    webhookBatchWindowMs: 3_600_000,
  });
  open.push(sandbox);
  return sandbox;
}
async function salesforceOn(file: string, outboundUrl?: string): Promise<SalesforceSandbox> {
  const sandbox = await startSalesforceSandbox({ port: 0, dataFile: file, autoDeliver: false, outboundUrl });
  open.push(sandbox);
  return sandbox;
}

describe('HubSpot sandbox data file', () => {
  it('a contact created, updated and put in a list through the API is in the file as soon as the API answered', async () => {
    const file = join(dir, 'hubspot.json');
    const first = await hubspotOn(file);
    expect(first.restored).toBe(false);
    const client = new Client({ accessToken: 'any-token', basePath: first.url, numberOfApiCallRetries: 0 });
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: 'ada@example.org', lifecyclestage: 'lead' },
      associations: [],
    });
    await client.crm.contacts.basicApi.update(created.id, { properties: { jobtitle: 'Engineer' } });
    const list = await client.crm.lists.listsApi.create({
      name: 'Engineers',
      objectTypeId: '0-1',
      processingType: 'MANUAL',
    });
    await client.crm.lists.membershipsApi.add(list.list.listId, [created.id]);

    // The first sandbox is never closed: the second sees only what the file held.
    const second = await hubspotOn(file);
    expect(second.restored).toBe(true);
    const reader = new Client({ accessToken: 'any-token', basePath: second.url, numberOfApiCallRetries: 0 });
    const read = await reader.crm.contacts.basicApi.getById(created.id, ['email', 'jobtitle']);
    expect(read.properties).toMatchObject({ email: 'ada@example.org', jobtitle: 'Engineer' });
    const members = await reader.crm.lists.membershipsApi.getPage(list.list.listId);
    expect(members.results.map((m) => m.recordId)).toEqual([created.id]);
    const next = await reader.crm.contacts.basicApi.create({
      properties: { email: 'grace@example.org' },
      associations: [],
    });
    expect(Number(next.id)).toBeGreaterThan(Number(created.id));
    const nextList = await reader.crm.lists.listsApi.create({
      name: 'Other',
      objectTypeId: '0-1',
      processingType: 'MANUAL',
    });
    expect(Number(nextList.list.listId)).toBeGreaterThan(Number(list.list.listId));
  });
});

describe('Salesforce sandbox data file', () => {
  it('records created and updated through the REST API are in the file as soon as the API answered; ids continue', async () => {
    const file = join(dir, 'salesforce.json');
    const first = await salesforceOn(file);
    expect(first.restored).toBe(false);
    const conn = new jsforce.Connection({ instanceUrl: first.url, accessToken: 'tok', version: '64.0' });
    const created = await conn
      .sobject('Lead')
      .create({ LastName: 'Lovelace', Company: 'Analytical', Email: 'ada@example.org' });
    if (!created.success) throw new Error('create failed');
    await conn.sobject('Lead').update({ Id: created.id, Title: 'Countess' });

    const second = await salesforceOn(file);
    expect(second.restored).toBe(true);
    expect(second.getRecord(created.id)).toMatchObject({ Email: 'ada@example.org', Title: 'Countess' });
    const other = new jsforce.Connection({ instanceUrl: second.url, accessToken: 'tok', version: '64.0' });
    const next = await other.sobject('Lead').create({ LastName: 'Hopper', Company: 'Navy' });
    if (!next.success) throw new Error('create failed');
    expect(next.id).not.toBe(created.id);
    expect(second.getRecord(created.id)).toMatchObject({ LastName: 'Lovelace' });
  });
});

describe('event ids continue after a restart (crmsync skips an event id it has processed)', () => {
  it('HubSpot webhook event ids', async () => {
    const file = join(dir, 'hubspot-events.json');
    const first = await hubspotOn(file, receiver.url);
    const id = await first.userCreateContact({ email: 'event.one@example.org' });
    await first.userUpdateContact(id, { jobtitle: 'One' });
    await first.flushWebhooks();
    const events = () =>
      receiver.requests.flatMap(
        (r) => JSON.parse(r.body) as { eventId: number; propertyName?: string; propertyValue?: string }[],
      );
    const before = events().map((e) => e.eventId);
    expect(before.length).toBeGreaterThan(0);

    const second = await hubspotOn(file, receiver.url);
    await second.userUpdateContact(id, { jobtitle: 'Two' });
    await second.flushWebhooks();
    // (Events delivered just before the restart may come again: webhooks are at-least-once.)
    const change = events().find((e) => e.propertyName === 'jobtitle' && e.propertyValue === 'Two');
    expect(change).toBeDefined();
    expect(change!.eventId).toBeGreaterThan(Math.max(...before));
  });

  it('HubSpot webhooks not yet acknowledged when the sandbox stops are delivered after the restart', async () => {
    receiver.requests.length = 0;
    const file = join(dir, 'hubspot-owed.json');
    const first = await hubspotOn(file, receiver.url);
    const id = await first.userCreateContact({ email: 'owed@example.org' });
    // Still inside the batching window: nothing was delivered when the process "died".
    expect(receiver.requests).toHaveLength(0);

    const second = await hubspotOn(file, receiver.url);
    await second.flushWebhooks();
    const events = receiver.requests.flatMap(
      (r) => JSON.parse(r.body) as { objectId: number; subscriptionType: string }[],
    );
    expect(events).toContainEqual(
      expect.objectContaining({ objectId: Number(id), subscriptionType: 'contact.creation' }),
    );
    expect(events.every((e) => e.objectId === Number(id))).toBe(true);
  });

  it('Salesforce outbound messages and CDC events not yet acknowledged are delivered after the restart', async () => {
    receiver.requests.length = 0;
    const file = join(dir, 'salesforce-owed.json');
    const first = await startSalesforceSandbox({
      port: 0,
      dataFile: file,
      autoDeliver: false,
      outboundUrl: receiver.url,
      cdcUrl: `${receiver.url}cdc`,
    });
    open.push(first);
    const leadId = await first.userCreate('Lead', { LastName: 'Owed', Company: 'Acme' });
    expect(receiver.requests).toHaveLength(0);

    const second = await startSalesforceSandbox({
      port: 0,
      dataFile: file,
      autoDeliver: false,
      outboundUrl: receiver.url,
      cdcUrl: `${receiver.url}cdc`,
    });
    open.push(second);
    const delivered = await second.flushDeliveries();
    expect(delivered).toMatchObject({ outbound: 1, cdc: 1, failed: 0 });
    expect(receiver.requests.filter((r) => r.body.includes(leadId))).toHaveLength(2);
  });

  it('Salesforce outbound message notification ids', async () => {
    receiver.requests.length = 0;
    const file = join(dir, 'salesforce-events.json');
    const first = await salesforceOn(file, receiver.url);
    const leadId = await first.userCreate('Lead', { LastName: 'Notified', Company: 'Acme' });
    await first.flushDeliveries();
    const notificationIds = () =>
      receiver.requests.flatMap((r) => [...r.body.matchAll(/<Id>(04l[^<]+)<\/Id>/g)].map((m) => m[1]));
    const before = notificationIds();
    expect(before).toHaveLength(1);

    const second = await salesforceOn(file, receiver.url);
    await second.userUpdate('Lead', leadId, { Title: 'Changed' });
    await second.flushDeliveries();
    // (A message delivered just before the restart may come again: outbound messages are at-least-once.)
    const notifications = receiver.requests.flatMap((r) => r.body.split('<Notification>').slice(1));
    const added = notifications
      .filter((n) => n.includes('Changed'))
      .map((n) => n.match(/<Id>(04l[^<]+)<\/Id>/)?.[1]);
    expect(added).toHaveLength(1);
    expect(before).not.toContain(added[0]);
  });
});

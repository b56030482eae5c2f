import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsChangeQueue } from '../../lib/aws/sqs-change-queue.ts';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { takeQueued } from '../support/queued-notices.ts';
import { handleHubSpotWebhook } from '../../lib/hubspot/webhook-intake.ts';
import { ReplayGuard } from '../../lib/hubspot/webhook-replay.ts';
import { type LocalSqs, startLocalSqs } from '../../lib/local/local-sqs.ts';
import { handleSalesforceCdcHttp } from '../../lib/salesforce/cdc-intake.ts';
import { handleSalesforceOutbound } from '../../lib/salesforce/outbound-intake.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { CapturingLog, CapturingMetrics } from './fakes.ts';
import { type IntakeServer, startIntakeServer } from './intake-server.ts';

/**
 * The sandboxes' real deliveries — v3-signed HubSpot webhook batches, Salesforce SOAP outbound
 * messages and Event Relay CDC envelopes — accepted end to end into a local SQS queue
 * through the real SQS adapter.
 */

const CLIENT_SECRET = 'sandbox-e2e-secret';
const APP_TOKEN = 'crmsync-app-token';
const ORG = '00D000000000062EAA';
/** The deployment's outbound-message token: the last segment of the URL configured in Salesforce. */
const OUTBOUND_TOKEN = 'Xq2v8Lw0Rt5Yb9Nc3Mz7Kd1Hs4Gf6Jp-Ea_UoIuEwT';

let sqs: LocalSqs;
let queueUrl: string;
let server: IntakeServer;
let hubspot: HubSpotSandbox;
let salesforce: SalesforceSandbox;
const logger = new CapturingLog();
const metrics = new CapturingMetrics();

beforeAll(async () => {
  sqs = await startLocalSqs();
  ({ queueUrl } = await sqs.createQueues('sandbox-intake'));
  const queue = new SqsChangeQueue({ client: sqs.client, queueUrl });
  const replayGuard = new ReplayGuard();
  server = await startIntakeServer({
    '/hubspot/webhook': (req) =>
      handleHubSpotWebhook(req, {
        queue,
        clientSecret: CLIENT_SECRET,
        appId: '1160452',
        portalId: '62515',
        now: Date.now,
        logger,
        metrics,
        replayGuard,
      }),
    [`/salesforce/outbound/${OUTBOUND_TOKEN}`]: (req) =>
      handleSalesforceOutbound(req, {
        queue,
        orgId: ORG,
        token: OUTBOUND_TOKEN,
        now: Date.now,
        logger,
        metrics,
      }),
    '/salesforce/cdc': (req) =>
      handleSalesforceCdcHttp(req, { queue, clientName: 'crmsync', orgId: ORG, logger, metrics }),
  });
  hubspot = await startHubSpotSandbox({
    port: 0,
    clientSecret: CLIENT_SECRET,
    appTokens: [APP_TOKEN],
    webhookUrl: `${server.url}/hubspot/webhook?portal=62515`,
    webhookBatchWindowMs: 60_000, // delivered by flushWebhooks(), not by a timer
  });
  salesforce = await startSalesforceSandbox({
    port: 0,
    orgId: ORG,
    autoDeliver: false,
    outboundUrl: `${server.url}/salesforce/outbound/${OUTBOUND_TOKEN}`,
    cdcUrl: `${server.url}/salesforce/cdc`,
  });
});
afterAll(async () => {
  await hubspot?.close();
  await salesforce?.close();
  await server?.close();
  await sqs?.close();
});
beforeEach(async () => {
  await drain();
});

/** Everything currently in the queue (then deleted, so each test starts empty). */
function drain(): Promise<ChangeNotice[]> {
  return takeQueued(sqs.client, queueUrl);
}

describe('HubSpot sandbox webhooks → intake → local SQS', () => {
  it('accepts signed batches for user changes (create, update, merge, delete, restore, GDPR delete) and drops our own app writes', async () => {
    const a = await hubspot.userCreateContact({ email: 'ada@example.com', firstname: 'Ada' });
    const b = await hubspot.userCreateContact({ email: 'bob@example.com', firstname: 'Bob' });
    const c = await hubspot.userCreateContact({ email: 'cy@example.com' });
    await hubspot.userUpdateContact(a, { firstname: 'Ada L.', jobtitle: 'Engineer' });
    await hubspot.userMergeContacts(a, b);
    await hubspot.userArchiveContact(c);
    await hubspot.userRestoreContact(c);
    const client = new Client({ accessToken: APP_TOKEN, basePath: hubspot.url });
    await client.crm.contacts.basicApi.update(a, { properties: { phone: '+1 555 0100' } });
    const g = await hubspot.userCreateContact({ email: 'gdpr@example.com' });
    await hubspot.userGdprDeleteContact(g);

    const flushed = await hubspot.flushWebhooks();
    expect(flushed.failed).toBe(0);
    expect(flushed.delivered).toBeGreaterThan(0);

    const notices = await drain();
    const about = (id: string) => notices.filter((n) => n.recordId === id).map((n) => n.kind);
    expect(about(a)).toEqual(expect.arrayContaining(['created', 'updated']));
    expect(about(b)).toEqual(expect.arrayContaining(['created', 'merged']));
    expect(notices.find((n) => n.recordId === b && n.kind === 'merged')?.survivorId).toBe(a);
    expect(about(c)).toEqual(expect.arrayContaining(['created', 'deleted', 'restored']));
    expect(about(g)).toEqual(expect.arrayContaining(['created', 'deleted']));
    // Our own write (phone through the app token) is an echo: dropped at intake.
    const phoneChange = notices.filter((n) => n.recordId === a && n.changedFields?.includes('phone'));
    expect(phoneChange).toEqual([]);
    expect(metrics.get('hubspot.echo')).toBeGreaterThan(0);
    expect(new Set(notices.map((n) => n.eventId)).size).toBe(notices.length);
    expect(logger.text()).not.toContain('ada@example.com');
  });

  it('refuses (401) a delivery signed with another secret, so nothing is queued and the sender retries', async () => {
    const other = await startHubSpotSandbox({
      port: 0,
      clientSecret: 'not-ours',
      webhookUrl: `${server.url}/hubspot/webhook`,
      webhookBatchWindowMs: 60_000,
    });
    try {
      await other.userCreateContact({ email: 'mallory@example.com' });
      const flushed = await other.flushWebhooks();
      expect(flushed.delivered).toBe(0);
      expect(flushed.failed).toBeGreaterThan(0);
      expect(await drain()).toEqual([]);
      expect(metrics.get('hubspot.rejected')).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});

describe('Salesforce sandbox deliveries → intake → local SQS', () => {
  it('acknowledges SOAP outbound messages and accepts Event Relay CDC events; drops CDC echoes of our client', async () => {
    const leadId = await salesforce.userCreate('Lead', {
      LastName: 'Lovelace',
      Company: 'Analytical',
      Email: 'ada@example.com',
    });
    const contactId = await salesforce.userCreate('Contact', {
      LastName: 'Babbage',
      Email: 'charles@example.com',
    });
    await salesforce.userUpdate('Lead', leadId, { Title: 'Countess' });
    const crmsync = new jsforce.Connection({
      instanceUrl: salesforce.url,
      accessToken: 't',
      version: '64.0',
      callOptions: { client: 'crmsync' },
    });
    await crmsync.sobject('Contact').update({ Id: contactId, Title: 'Engineer' });

    const flushed = await salesforce.flushDeliveries();
    expect(flushed.failed).toBe(0);
    expect(flushed.outbound).toBeGreaterThan(0);
    expect(flushed.cdc).toBeGreaterThan(0);

    const notices = await drain();
    const om = notices.filter((n) => n.eventId.startsWith('salesforce-om:'));
    const cdc = notices.filter((n) => n.eventId.startsWith('salesforce-cdc:'));
    expect(om.map((n) => n.recordId)).toEqual(expect.arrayContaining([leadId, contactId]));
    expect(om.find((n) => n.recordId === leadId && n.kind === 'created')).toBeDefined();
    expect(cdc.filter((n) => n.recordId === leadId).map((n) => n.kind)).toEqual(
      expect.arrayContaining(['created', 'updated']),
    );
    // The CDC update made by our own client (crmsync) is an echo: dropped.
    expect(cdc.filter((n) => n.recordId === contactId).map((n) => n.kind)).toEqual(['created']);
    expect(metrics.get('salesforce-cdc.echo')).toBeGreaterThan(0);
    expect(logger.text()).not.toContain('charles@example.com');
  });

  it('turns gap events into forced re-reads and an overflow into a resync of the object', async () => {
    const leadId = await salesforce.userCreate('Lead', { LastName: 'Hopper', Company: 'Navy' });
    await salesforce.flushDeliveries();
    await drain();
    salesforce.emitGap('GAP_UPDATE', 'Lead', [leadId]);
    salesforce.emitGap('GAP_OVERFLOW', 'Contact', []);
    const flushed = await salesforce.flushDeliveries();
    expect(flushed.failed).toBe(0);
    const notices = await drain();
    expect(notices.map((n) => [n.objectType, n.recordId, n.kind, n.forceRead]).sort()).toEqual(
      [
        ['Contact', '*', 'resync', true],
        ['Lead', leadId, 'updated', true],
      ].sort(),
    );
  });

  it('makes the sandbox redeliver when the message came from another org (no Ack)', async () => {
    const other = await startSalesforceSandbox({
      port: 0,
      orgId: '00D000000000099EAA',
      autoDeliver: false,
      outboundUrl: `${server.url}/salesforce/outbound/${OUTBOUND_TOKEN}`,
    });
    try {
      await other.userCreate('Lead', { LastName: 'Mallory', Company: 'Evil' });
      const flushed = await other.flushDeliveries();
      expect(flushed.failed).toBeGreaterThan(0);
      expect(await drain()).toEqual([]);
      expect(metrics.get('salesforce-outbound.rejected')).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});

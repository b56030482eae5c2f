import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHubSpotWebhookHandler } from '../../functions/hubspot-webhook.ts';
import { createSalesforceCdcHandler } from '../../functions/salesforce-cdc.ts';
import { createSalesforceOutboundHandler } from '../../functions/salesforce-outbound.ts';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { takeQueued } from '../support/queued-notices.ts';
import { computeSignatureV3 } from '../../lib/hubspot/webhook-signature.ts';
import { buildIntakeDependencies } from '../../lib/lambda/dependencies.ts';
import { lazyOnce } from '../../lib/lambda/lazy.ts';
import { createPowertools } from '../../lib/lambda/powertools.ts';
import type { SecretSource } from '../../lib/lambda/secrets.ts';
import { type LocalSqs, startLocalSqs } from '../../lib/local/local-sqs.ts';
import { apiGatewayEvent } from './api-gateway-event.ts';
import { lambdaContext } from './lambda-context.ts';

/**
 * The three Lambda handlers end to end: API Gateway / EventBridge event → middy chain (real
 * Powertools logger and metrics) → intake → the real SQS adapter → local SQS. Messages are read back
 * with the AWS SDK.
 */

const CLIENT_SECRET = 'e2e-client-secret-9f8e7d';
const TOKEN = 'pat-na1-e2e0000-aaaa-bbbb-cccc-000000000000';
const EMAIL = 'e2e.person@example.net';
const OUTBOUND_TOKEN = 'Tq3v9Le7Zr1Lx8Wm2Np5Ys4Hb6Jc0Dg-Fa_UoIuEwK';
/** The intake secret as the stack creates it, filled in: no CRM token in it. */
const intakeSecret = (values: Record<string, string>): SecretSource => ({
  async getSecretString() {
    return JSON.stringify(values);
  },
});
const secretSource = intakeSecret({
  hubspotClientSecret: CLIENT_SECRET,
  salesforceOutboundToken: OUTBOUND_TOKEN,
});

let sqs: LocalSqs;
let queueUrl: string;
let env: Record<string, string>;
let config: {
  hubspot: { appId: string; portalId: string };
  salesforce: { orgId: string; clientName: string };
};

beforeAll(async () => {
  sqs = await startLocalSqs();
  ({ queueUrl } = await sqs.createQueues('intake-e2e'));
  const dir = mkdtempSync(join(tmpdir(), 'crmsync-intake-'));
  const configPath = join(dir, 'crmsync.config.json');
  writeFileSync(configPath, readFileSync('crmsync.config.example.json'));
  config = JSON.parse(readFileSync(configPath, 'utf8')) as typeof config;
  env = {
    CRMSYNC_QUEUE_URL: queueUrl,
    CRMSYNC_INTAKE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:crmsync-intake',
    LAMBDA_TASK_ROOT: dir,
  };
});
afterAll(async () => {
  await sqs?.close();
});

/** Everything currently in the queue (then deleted, so each test starts empty). */
function drain(): Promise<ChangeNotice[]> {
  return takeQueued(sqs.client, queueUrl);
}

/** Captures what Powertools writes (through a Console on process.stdout / stderr). */
let output: string[] = [];
let restore: (() => void) | undefined;
beforeEach(() => {
  output = [];
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const capture = ((chunk: string | Uint8Array) => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  // Powertools writes INFO/WARN to stdout and ERROR to stderr.
  process.stdout.write = capture;
  process.stderr.write = capture;
  restore = () => {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
  };
});
afterEach(() => restore?.());

const deps = (needsSecret: boolean) =>
  lazyOnce(() => buildIntakeDependencies({ env, sqsClient: sqs.client, secretSource, needsSecret }));

describe('hubspot-webhook handler (API Gateway → local SQS)', () => {
  it('queues a signed batch of 100 events (base64 body) and answers 200', async () => {
    const handler = createHubSpotWebhookHandler(deps(true), createPowertools('hubspot-webhook'));
    const now = Date.now(); // the handler reads the real clock: sign with it (nothing asserts on time)
    const events = Array.from({ length: 100 }, (_, i) => ({
      eventId: 70_000 + i,
      subscriptionId: 1,
      portalId: Number(config.hubspot.portalId),
      appId: Number(config.hubspot.appId),
      occurredAt: now - 1000,
      subscriptionType: i === 0 ? 'contact.creation' : 'contact.propertyChange',
      attemptNumber: 0,
      objectId: 5000 + i,
      propertyName: 'email',
      propertyValue: EMAIL,
      changeSource: i === 99 ? 'INTEGRATION' : 'CRM_UI',
      sourceId: i === 99 ? config.hubspot.appId : 'userId:1',
    }));
    const body = JSON.stringify(events);
    const event = apiGatewayEvent({ body, base64: true, query: 'x=1' });
    const url = `https://${event.headers['host']}${event.rawPath}?x=1`;
    event.headers['x-hubspot-signature-v3'] = computeSignatureV3({
      clientSecret: CLIENT_SECRET,
      method: 'POST',
      url,
      body,
      timestamp: now,
    });
    event.headers['x-hubspot-request-timestamp'] = String(now);
    const res = await handler(event, lambdaContext('hubspot-webhook'));
    expect(res.statusCode).toBe(200);
    const notices = await drain();
    expect(notices).toHaveLength(99);
    expect(notices.find((n) => n.recordId === '5000')?.kind).toBe('created');
    const logs = output.join('');
    expect(logs).toContain('hubspot webhook accepted');
    expect(logs).toContain('hubspot.echo');
    for (const secret of [EMAIL, TOKEN, CLIENT_SECRET, event.headers['x-hubspot-signature-v3']])
      expect(logs).not.toContain(secret);
  });

  it('answers 401 to a bad signature through the whole chain, queuing nothing', async () => {
    const handler = createHubSpotWebhookHandler(deps(true), createPowertools('hubspot-webhook'));
    const event = apiGatewayEvent({
      body: '[]',
      headers: { 'x-hubspot-signature-v3': 'AAAA', 'x-hubspot-request-timestamp': String(Date.now()) },
    });
    const res = await handler(event, lambdaContext('hubspot-webhook'));
    expect(res.statusCode).toBe(401);
    expect(await drain()).toEqual([]);
    expect(output.join('')).toContain('hubspot.rejected');
    expect(output.join('')).toContain('signature-mismatch');
  });

  it('answers 503 (HubSpot retries) when the function is misconfigured, naming the variable in the log', async () => {
    const broken = lazyOnce(() =>
      buildIntakeDependencies({
        env: { CRMSYNC_QUEUE_URL: queueUrl },
        sqsClient: sqs.client,
        secretSource,
        needsSecret: true,
      }),
    );
    const handler = createHubSpotWebhookHandler(broken, createPowertools('hubspot-webhook'));
    const res = await handler(apiGatewayEvent({ body: '[]' }), lambdaContext('hubspot-webhook'));
    expect(res.statusCode).toBe(503);
    const logs = output.join('');
    expect(logs).toContain('handler failed');
    expect(logs).toContain('CRMSYNC_INTAKE_SECRET_ARN');
  });

  it('secrets: an empty value in the secret means "not set" and fails only the function that needs it', async () => {
    // The outbound token is empty (not set yet): the webhook, which needs only its signing secret, works.
    const partial = intakeSecret({ hubspotClientSecret: CLIENT_SECRET, salesforceOutboundToken: '' });
    const getDeps = lazyOnce(() =>
      buildIntakeDependencies({ env, sqsClient: sqs.client, secretSource: partial, needsSecret: true }),
    );
    const webhook = createHubSpotWebhookHandler(getDeps, createPowertools('hubspot-webhook'));
    const now = Date.now();
    const event = apiGatewayEvent({ body: '[]' });
    const url = `https://${event.headers['host']}${event.rawPath}`;
    event.headers['x-hubspot-signature-v3'] = computeSignatureV3({
      clientSecret: CLIENT_SECRET,
      method: 'POST',
      url,
      body: '[]',
      timestamp: now,
    });
    event.headers['x-hubspot-request-timestamp'] = String(now);
    expect((await webhook(event, lambdaContext('hubspot-webhook'))).statusCode).toBe(200);

    // The outbound function needs the token: 503 (Salesforce redelivers), naming exactly the missing key.
    const outbound = createSalesforceOutboundHandler(getDeps, createPowertools('salesforce-outbound'));
    const res = await outbound(
      apiGatewayEvent({ body: '<x/>', path: `/webhooks/salesforce/${OUTBOUND_TOKEN}` }),
      lambdaContext('salesforce-outbound'),
    );
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('not-configured: salesforceOutboundToken');
    const failures = output
      .join('')
      .split('\n')
      .filter((line) => line.includes('handler failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('salesforceOutboundToken: is missing from the secret');
    expect(failures[0]).not.toContain('hubspotClientSecret');
  });

  it('secrets: names every missing key of the webhook in the log line and the 503 status', async () => {
    const empty = intakeSecret({ hubspotClientSecret: '', salesforceOutboundToken: '' });
    const webhook = createHubSpotWebhookHandler(
      lazyOnce(() =>
        buildIntakeDependencies({ env, sqsClient: sqs.client, secretSource: empty, needsSecret: true }),
      ),
      createPowertools('hubspot-webhook'),
    );
    const res = await webhook(apiGatewayEvent({ body: '[]' }), lambdaContext('hubspot-webhook'));
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body ?? '{}')).toEqual({
      error: 'not-configured',
      missing: ['hubspotClientSecret'],
    });
    expect(output.join('')).toContain('hubspotClientSecret: is missing from the secret');
  });
});

describe('queue failures through the chain (real SQS adapter, queue missing)', () => {
  const missingQueue = () =>
    lazyOnce(() =>
      buildIntakeDependencies({
        env: { ...env, CRMSYNC_QUEUE_URL: `${queueUrl}-missing` },
        sqsClient: sqs.client,
        secretSource,
        needsSecret: true,
      }),
    );

  it('hubspot-webhook answers 503, not 200, when the notices could not be queued', async () => {
    const handler = createHubSpotWebhookHandler(missingQueue(), createPowertools('hubspot-webhook'));
    const now = Date.now();
    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionType: 'contact.creation',
        objectId: 1,
        occurredAt: now,
        portalId: Number(config.hubspot.portalId),
      },
    ]);
    const event = apiGatewayEvent({ body });
    const url = `https://${event.headers['host']}${event.rawPath}`;
    event.headers['x-hubspot-signature-v3'] = computeSignatureV3({
      clientSecret: CLIENT_SECRET,
      method: 'POST',
      url,
      body,
      timestamp: now,
    });
    event.headers['x-hubspot-request-timestamp'] = String(now);
    const res = await handler(event, lambdaContext('hubspot-webhook'));
    expect(res.statusCode).toBe(503);
    expect(output.join('')).toContain('hubspot notices not queued');
  });

  it('salesforce-cdc fails the invocation (so Lambda retries it) when the notices could not be queued', async () => {
    const handler = createSalesforceCdcHandler(missingQueue(), createPowertools('salesforce-cdc'));
    const event = {
      'detail-type': 'LeadChangeEvent',
      source: `aws.partner/salesforce.com/${config.salesforce.orgId}/0YL000000000001AAA`,
      detail: {
        payload: {
          ChangeEventHeader: {
            entityName: 'Lead',
            recordIds: ['00Q000000000009EAA'],
            changeType: 'CREATE',
            changeOrigin: '',
            transactionKey: 't',
            sequenceNumber: 1,
            commitTimestamp: 1,
          },
        },
      },
    };
    await expect(handler(event as never, lambdaContext('salesforce-cdc'))).rejects.toThrow(/not queued/);
  });
});

describe('salesforce-outbound handler (API Gateway → local SQS)', () => {
  it('queues the notifications and answers the SOAP Ack', async () => {
    const handler = createSalesforceOutboundHandler(deps(true), createPowertools('salesforce-outbound'));
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${config.salesforce.orgId}</OrganizationId><ActionId>04k000000000001AAA</ActionId>` +
      '<SessionId xsi:nil="true"/><EnterpriseUrl>https://x</EnterpriseUrl><PartnerUrl>https://x</PartnerUrl>' +
      `<Notification><Id>04l000000000001AAA</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00Q000000000001EAA</sf:Id><sf:Email>${EMAIL}</sf:Email></sObject></Notification>` +
      '</notifications></soapenv:Body></soapenv:Envelope>';
    const res = await handler(
      apiGatewayEvent({ body, path: `/webhooks/salesforce/${OUTBOUND_TOKEN}` }),
      lambdaContext('salesforce-outbound'),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<Ack>true</Ack>');
    expect((await drain()).map((n) => [n.objectType, n.recordId, n.eventId])).toEqual([
      ['Lead', '00Q000000000001EAA', 'salesforce-om:04l000000000001AAA'],
    ]);
    expect(output.join('')).not.toContain(EMAIL);
  });
});

describe('salesforce-outbound handler: the URL token', () => {
  it('answers 401 to a forged message for the right org without the token, queuing nothing', async () => {
    const handler = createSalesforceOutboundHandler(deps(true), createPowertools('salesforce-outbound'));
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
      `<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${config.salesforce.orgId}</OrganizationId>` +
      '<Notification><Id>04l000000000002AAA</Id><sObject xsi:type="sf:Lead" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00Q000000000002EAA</sf:Id></sObject></Notification>' +
      '</notifications></soapenv:Body></soapenv:Envelope>';
    for (const path of [
      '/webhooks/salesforce/guess',
      `/webhooks/salesforce/${OUTBOUND_TOKEN.toLowerCase()}`,
    ]) {
      const res = await handler(apiGatewayEvent({ body, path }), lambdaContext('salesforce-outbound'));
      expect(res.statusCode, path).toBe(401);
    }
    expect(await drain()).toEqual([]);
    expect(output.join('')).not.toContain(OUTBOUND_TOKEN);
  });
});

describe('salesforce-cdc handler (EventBridge → local SQS)', () => {
  it('queues a change event and drops our own echo', async () => {
    const handler = createSalesforceCdcHandler(deps(false), createPowertools('salesforce-cdc'));
    const event = (client: string, id: string) => ({
      version: '0',
      id: `evt-${id}`,
      'detail-type': 'LeadChangeEvent',
      source: `aws.partner/salesforce.com/${config.salesforce.orgId}/0YL000000000001AAA`,
      account: '123456789012',
      time: '2026-11-29T04:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        payload: {
          ChangeEventHeader: {
            entityName: 'Lead',
            recordIds: [id],
            changeType: 'UPDATE',
            changeOrigin: `com/salesforce/api/rest/64.0;client=${client}`,
            transactionKey: `tx-${id}`,
            sequenceNumber: 1,
            commitTimestamp: 1_764_390_000_000,
            commitNumber: 1,
            commitUser: '005000000000001AAA',
            changedFields: ['Email', 'LastModifiedDate'],
          },
          Email: EMAIL,
        },
        schemaId: 's',
        id: 'e',
      },
    });
    expect(await handler(event('Workbench', '00Q000000000002EAA'), lambdaContext('salesforce-cdc'))).toEqual({
      queued: 1,
      ignored: 0,
    });
    expect(
      await handler(
        event(config.salesforce.clientName, '00Q000000000003EAA'),
        lambdaContext('salesforce-cdc'),
      ),
    ).toEqual({ queued: 0, ignored: 1 });
    expect((await drain()).map((n) => [n.recordId, n.changedFields])).toEqual([
      ['00Q000000000002EAA', ['Email', 'LastModifiedDate']],
    ]);
    expect(output.join('')).not.toContain(EMAIL);
  });
});

import { request } from 'node:http';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGES_MAX_RECEIVE_COUNT, PROCESSOR_TIMEOUT_SECONDS } from '../../lib/aws/queue-settings.ts';
import type { Log } from '../../lib/observability/observability.ts';
import { queueDepth } from '../../lib/admin/queue-admin.ts';
import type { LocalStack } from '../../lib/local/runtime.ts';
import { startQuietStack } from '../support/quiet-stack.ts';

/** What the stack logged, for the checks that a refusal is logged. */
const logged: { level: string; message: string; extra: Record<string, unknown> }[] = [];
const recordingLog: Log = {
  debug: () => {},
  info: (message, ...extra) => logged.push({ level: 'info', message, extra: Object.assign({}, ...extra) }),
  warn: (message, ...extra) => logged.push({ level: 'warn', message, extra: Object.assign({}, ...extra) }),
  error: (message, ...extra) => logged.push({ level: 'error', message, extra: Object.assign({}, ...extra) }),
};

let stack: LocalStack;
beforeAll(async () => {
  stack = await startQuietStack({
    dataDir: null,
    demo: { hubspotContacts: 10, leads: 5, contacts: 2, salesforceOnlyLeads: 1, seed: 42 },
    log: recordingLog,
  });
});
afterAll(async () => {
  await stack?.close();
});

/**
 * A POST as a browser or a tool would send it. node:http, not fetch: fetch does not let a caller
 * set Host, and a DNS-rebinding page reaches 127.0.0.1 with its own name in Host.
 */
function post(
  url: string,
  path: string,
  opts: { host?: string; origin?: string; body?: string; contentType?: string; method?: string } = {},
): Promise<{ status: number; body: string }> {
  const target = new URL(path, url);
  const body = opts.body ?? '';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: opts.method ?? 'POST',
        headers: {
          host: opts.host ?? target.host,
          'content-type': opts.contentType ?? 'text/plain',
          'content-length': Buffer.byteLength(body),
          ...(opts.origin ? { origin: opts.origin } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A CDC event in the Event Relay → EventBridge envelope, as the Salesforce sandbox relays it. */
function cdcEvent(recordId: string, source: string | undefined): string {
  return JSON.stringify({
    'detail-type': 'LeadChangeEvent',
    ...(source === undefined ? {} : { source }),
    id: `evt-${recordId}`,
    detail: {
      payload: {
        ChangeEventHeader: {
          entityName: 'Lead',
          changeType: 'UPDATE',
          recordIds: [recordId],
          changeOrigin: 'com/salesforce/api/rest/64.0',
          transactionKey: `tx-${recordId}`,
          sequenceNumber: 1,
          commitTimestamp: Date.now(),
          changedFields: ['Title'],
        },
      },
    },
  });
}

async function queued(): Promise<number> {
  const depth = await queueDepth(stack.sqs.client, stack.sqs.queueUrl);
  return depth.visible + depth.inFlight;
}

describe('only same-origin: the intake endpoints and the sandboxes control APIs', () => {
  const EVIL = 'https://evil.example';
  const routes = () => [
    { name: 'POST /webhooks/hubspot', url: stack.url, path: '/webhooks/hubspot' },
    { name: 'POST /webhooks/salesforce', url: stack.url, path: '/webhooks/salesforce' },
    { name: 'POST /events/salesforce', url: stack.url, path: '/events/salesforce' },
    { name: 'HubSpot POST /__sandbox/reset', url: stack.urls.hubspot, path: '/__sandbox/reset' },
    { name: 'Salesforce POST /__sandbox/reset', url: stack.urls.salesforce, path: '/__sandbox/reset' },
  ];

  it('refuses a cross-origin text/plain post (a form on any web page) with 403 and the reason', async () => {
    for (const r of routes()) {
      const res = await post(r.url, r.path, { origin: EVIL, body: '[]' });
      expect({ route: r.name, status: res.status }).toEqual({ route: r.name, status: 403 });
      expect(res.body).toContain('cross-origin');
    }
  });

  it('refuses a Host that is not a loopback name (DNS rebinding) with 403 and the reason', async () => {
    for (const r of routes()) {
      const port = new URL(r.url).port;
      const res = await post(r.url, r.path, { host: `rebind.evil.example:${port}`, body: '[]' });
      expect({ route: r.name, status: res.status }).toEqual({ route: r.name, status: 403 });
      expect(res.body).toContain('loopback');
    }
  });

  it('a cross-origin sandbox reset changes nothing: the demo records are still there', async () => {
    await post(stack.urls.hubspot, '/__sandbox/reset', { origin: EVIL });
    await post(stack.urls.salesforce, '/__sandbox/reset', { origin: EVIL });
    expect(stack.salesforceSandbox!.getRecord(stack.demo!.leadIds[0]!)).toBeDefined();
    const contacts = await stack.hubspot.readContacts([stack.demo!.hubspotIds[0]!], ['email']);
    expect(contacts).toHaveLength(1);
  });

  it('still serves local callers: loopback names with any port, with or without a same-origin Origin', async () => {
    const port = new URL(stack.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      // An empty HubSpot batch with no signature: refused by the intake (401), not by the origin check.
      const res = await post(stack.url, '/webhooks/hubspot', {
        host,
        body: '[]',
        contentType: 'application/json',
      });
      expect(res.status).toBe(401);
    }
    const same = await post(stack.url, '/events/salesforce', {
      origin: stack.url,
      body: cdcEvent(
        '00QSB0000000001AAA',
        'aws.partner/salesforce.com/00D000000000062EAA/0YLSB0000000001AAA',
      ),
      contentType: 'application/json',
    });
    expect(same.status).toBe(200);
  });
});

describe('the local CDC endpoint', () => {
  const source = 'aws.partner/salesforce.com/00D000000000062EAA/0YLSB0000000001AAA';

  it('answers 413 to a body over its documented 256 KB cap, and queues nothing', async () => {
    const before = await queued();
    const big = cdcEvent('00QSB0000000002AAA', source).replace(
      '"Title"',
      `"Title","${'x'.repeat(260 * 1024)}"`,
    );
    const res = await post(stack.url, '/events/salesforce', { body: big, contentType: 'application/json' });
    expect(res.status).toBe(413);
    expect(await queued()).toBe(before);
  });

  it('answers 400 to malformed JSON and logs it', async () => {
    logged.length = 0;
    const res = await post(stack.url, '/events/salesforce', {
      body: '{"detail":',
      contentType: 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('malformed-json');
    expect(logged.some((l) => l.level === 'warn' && l.extra.reason === 'malformed-json')).toBe(true);
  });

  it('refuses an envelope without source (the org check cannot be skipped) and logs why', async () => {
    logged.length = 0;
    const before = await queued();
    const res = await post(stack.url, '/events/salesforce', {
      body: cdcEvent('00QSB0000000003AAA', undefined),
      contentType: 'application/json',
    });
    expect(JSON.parse(res.body)).toMatchObject({ queued: 0, ignored: 1 });
    expect(await queued()).toBe(before);
    expect(logged.some((l) => l.level === 'warn' && l.extra.reason === 'missing-source')).toBe(true);
    // The same event with the org's source is queued.
    const ok = await post(stack.url, '/events/salesforce', {
      body: cdcEvent('00QSB0000000003AAA', source),
      contentType: 'application/json',
    });
    expect(JSON.parse(ok.body)).toMatchObject({ queued: 1 });
  });
});

describe('the playground API', () => {
  const edit = (side: string, id: string) =>
    post(stack.url, `/api/playground/${side}/${id}`, {
      body: JSON.stringify({ fields: { jobtitle: 'x' } }),
      contentType: 'application/json',
    });

  it('a bad playground id answers 4xx with the reason, never 500', async () => {
    const cases = [
      { side: 'hubspot', id: 'abc', status: 400, reason: /not a HubSpot contact id/ },
      { side: 'hubspot', id: '99999999', status: 404, reason: /99999999/ },
      { side: 'salesforce', id: 'nope', status: 400, reason: /not a Lead .* or Contact/ },
      { side: 'salesforce', id: '00QSB0000009999', status: 404, reason: /./ },
      { side: 'elsewhere', id: '1', status: 400, reason: /./ },
    ];
    for (const c of cases) {
      const res = await edit(c.side, c.id);
      expect({ ...c, status: res.status }).toEqual(c);
      expect(JSON.parse(res.body).error ?? JSON.parse(res.body).issues).toBeDefined();
      expect(res.body).toMatch(c.reason);
    }
  });
});

describe('the local changes queue', () => {
  it("its visibility timeout follows the stack's rule: six times the processor's timeout, so no slow batch is handed out twice", async () => {
    const out = await stack.sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.sqs.queueUrl,
        AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'],
      }),
    );
    expect(Number(out.Attributes?.VisibilityTimeout)).toBe(6 * PROCESSOR_TIMEOUT_SECONDS);
    expect(JSON.parse(out.Attributes?.RedrivePolicy ?? '{}').maxReceiveCount).toBe(CHANGES_MAX_RECEIVE_COUNT);
  });
});

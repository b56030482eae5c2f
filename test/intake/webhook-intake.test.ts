import { describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_BODY_BYTES, handleHubSpotWebhook } from '../../lib/hubspot/webhook-intake.ts';
import {
  APP_ID,
  CLIENT_SECRET,
  NOW,
  hubspotEvent,
  signedRequest,
  webhookIntakeDeps,
} from './signed-request.ts';

const setup = webhookIntakeDeps;

describe('HubSpot webhook intake', () => {
  it('queues the notices of a signed batch and answers 200', async () => {
    const deps = setup();
    const body = JSON.stringify([
      hubspotEvent({ objectId: 1 }),
      hubspotEvent({ objectId: 2, subscriptionType: 'contact.creation' }),
    ]);
    const res = await handleHubSpotWebhook(signedRequest(body), deps);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: 2, queued: 2 });
    expect(deps.queue.sent.map((n) => [n.recordId, n.kind])).toEqual([
      ['2', 'created'],
      ['1', 'updated'],
    ]);
    expect(deps.metrics.get('hubspot.queued')).toBe(2);
    expect(deps.metrics.get('hubspot.received')).toBe(2);
  });

  it('C6: a signed contact.associationChange batch (signature v3, as the others) is queued as an updated contact notice', async () => {
    const deps = setup();
    const body = JSON.stringify([
      hubspotEvent({
        subscriptionType: 'contact.associationChange',
        objectId: 31,
        associationType: 'CONTACT_TO_COMPANY',
        fromObjectId: 31,
        toObjectId: 9001,
        associationRemoved: false,
        isPrimaryAssociation: true,
      }),
    ]);
    const res = await handleHubSpotWebhook(signedRequest(body), deps);
    expect(res.statusCode).toBe(200);
    expect(deps.queue.sent).toMatchObject([
      { objectType: 'contact', recordId: '31', kind: 'updated', changedFields: ['associatedcompanyid'] },
    ]);
    const forged = await handleHubSpotWebhook(signedRequest(body, { secret: 'not-the-secret' }), deps);
    expect(forged.statusCode).toBe(401);
  });

  it('sends a batch of 100 in one queue call (the adapter splits into SQS batches of 10)', async () => {
    const deps = setup();
    const body = JSON.stringify(Array.from({ length: 100 }, (_, i) => hubspotEvent({ objectId: 1000 + i })));
    const res = await handleHubSpotWebhook(signedRequest(body), deps);
    expect(res.statusCode).toBe(200);
    expect(deps.queue.calls).toBe(1);
    expect(deps.queue.sent).toHaveLength(100);
  });

  it('answers 503 and queues nothing durable when the queue fails, so HubSpot retries; the retry is then accepted', async () => {
    const deps = setup();
    deps.queue.failNext = 1;
    const body = JSON.stringify([hubspotEvent({ objectId: 3 })]);
    const first = await handleHubSpotWebhook(signedRequest(body), deps);
    expect(first.statusCode).toBe(503);
    expect(deps.queue.sent).toEqual([]);
    expect(deps.metrics.get('hubspot.failed')).toBe(1);
    expect(deps.logger.find('hubspot notices not queued')?.level).toBe('error');
    // HubSpot retries the same delivery.
    const retry = await handleHubSpotWebhook(signedRequest(body), deps);
    expect(retry.statusCode).toBe(200);
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('answers 200 without a queue call when every event is ignored', async () => {
    const deps = setup();
    const body = JSON.stringify([hubspotEvent({ changeSource: 'INTEGRATION', sourceId: APP_ID })]);
    const res = await handleHubSpotWebhook(signedRequest(body), deps);
    expect(res.statusCode).toBe(200);
    expect(deps.queue.calls).toBe(0);
    expect(deps.metrics.get('hubspot.echo')).toBe(1);
    expect(deps.logger.find('hubspot events ignored', 'echo')).toBeDefined();
  });

  const rejections: [string, () => ReturnType<typeof signedRequest>, number, string][] = [
    ['missing signature', () => ({ ...signedRequest('[]'), headers: {} }), 401, 'missing-signature'],
    [
      'v1/v2-only signature',
      () => ({
        ...signedRequest('[]'),
        headers: { 'x-hubspot-signature': 'ab'.repeat(32), 'x-hubspot-signature-version': 'v2' },
      }),
      401,
      'legacy-signature-only',
    ],
    [
      'invalid signature',
      () => {
        const r = signedRequest('[]');
        return {
          ...r,
          headers: {
            ...r.headers,
            'x-hubspot-signature-v3': signedRequest('[1]').headers['x-hubspot-signature-v3'],
          },
        };
      },
      401,
      'signature-mismatch',
    ],
    ['wrong client secret', () => signedRequest('[]', { secret: 'someone-else' }), 401, 'signature-mismatch'],
    [
      'expired timestamp',
      () => signedRequest('[]', { timestamp: NOW - 5 * 60 * 1000 - 1 }),
      401,
      'expired-timestamp',
    ],
    [
      'future timestamp',
      () => signedRequest('[]', { timestamp: NOW + 10 * 60 * 1000 }),
      401,
      'future-timestamp',
    ],
    [
      'signed for another URL',
      () => ({
        ...signedRequest('[]', { url: 'https://other.example/x' }),
        url: 'https://intake.example.com/hubspot/webhook',
      }),
      401,
      'signature-mismatch',
    ],
    ['malformed JSON', () => signedRequest('[{"eventId":'), 400, 'malformed-json'],
    ['a JSON object instead of an array', () => signedRequest('{"eventId":1}'), 400, 'not-an-array'],
    [
      'more than 100 events',
      () => signedRequest(JSON.stringify(Array.from({ length: 101 }, () => hubspotEvent()))),
      400,
      'too-many-events',
    ],
    ['oversized body', () => signedRequest(`[${' '.repeat(MAX_WEBHOOK_BODY_BYTES)}]`), 413, 'body-too-large'],
    ['GET', () => signedRequest('', { method: 'GET' }), 405, 'method-not-allowed'],
  ];
  for (const [name, request, status, reason] of rejections) {
    it(`rejects ${name} with ${status}, a log line and a metric, queuing nothing`, async () => {
      const deps = setup();
      const res = await handleHubSpotWebhook(request(), deps);
      expect(res.statusCode).toBe(status);
      expect(JSON.parse(res.body)).toEqual({ error: reason });
      expect(deps.queue.calls).toBe(0);
      expect(deps.metrics.get('hubspot.rejected')).toBe(1);
      expect(deps.logger.find('hubspot webhook rejected', reason)?.level).toBe('warn');
    });
  }

  it('rejects a replayed request (same signature and timestamp) with 401', async () => {
    const deps = setup();
    const request = signedRequest(JSON.stringify([hubspotEvent()]));
    expect((await handleHubSpotWebhook(request, deps)).statusCode).toBe(200);
    const replay = await handleHubSpotWebhook({ ...request }, { ...deps, now: () => NOW + 60_000 });
    expect(replay.statusCode).toBe(401);
    expect(JSON.parse(replay.body)).toEqual({ error: 'replayed-signature' });
    expect(deps.queue.sent).toHaveLength(1);
    expect(deps.metrics.get('hubspot.rejected')).toBe(1);
  });

  it('keeps the valid events of a batch with unknown types, bad events, __proto__ keys and unicode', async () => {
    const deps = setup();
    const body =
      '[' +
      [
        JSON.stringify(
          hubspotEvent({ objectId: 11, propertyName: 'email', propertyValue: 'zoë\u0301@exämple.com' }),
        ),
        JSON.stringify(hubspotEvent({ objectId: 12, subscriptionType: 'deal.creation' })),
        JSON.stringify(hubspotEvent({ objectId: 13, subscriptionType: 'contact.somethingNew' })),
        '{"__proto__":{"admin":true},"eventId":5,"subscriptionType":"contact.creation","objectId":14,"occurredAt":1}',
        '{"eventId":"\\u0000","objectId":"\\u202E15","occurredAt":1,"subscriptionType":"contact.creation"}',
        JSON.stringify(
          hubspotEvent({ objectId: 16, propertyName: 'firstname', propertyValue: '😀 \u05D0\u05D1 \u0000' }),
        ),
      ].join(',') +
      ']';
    const res = await handleHubSpotWebhook(signedRequest(body), deps);
    expect(res.statusCode).toBe(200);
    expect(deps.queue.sent.map((n) => n.recordId).sort()).toEqual(['11', '14', '16']);
    // One metric for the three, the reasons in the log (metric names are billed; see metric-catalogue.ts).
    expect(deps.metrics.get('hubspot.ignored')).toBe(3);
    for (const reason of ['unsupported-object', 'unknown-type', 'invalid-event'])
      expect(deps.logger.text(), reason).toContain(reason);
  });

  it('never writes an email, a token, a signature or the client secret to a log line', async () => {
    const deps = setup();
    const email = 'secret.person@example.org';
    const token = 'pat-na1-11111111-2222-3333-4444-555555555555';
    const bodies = [
      JSON.stringify([
        hubspotEvent({ propertyName: 'email', propertyValue: email }),
        hubspotEvent({ propertyValue: token }),
      ]),
      JSON.stringify([
        { eventId: email, objectId: token, occurredAt: 1, subscriptionType: 'contact.creation' },
      ]),
      `[{"email":"${email}",`,
    ];
    const requests = bodies.map((b) => signedRequest(b));
    requests.push({
      ...signedRequest('[]'),
      headers: { 'x-hubspot-signature-v3': token, 'x-hubspot-request-timestamp': String(NOW) },
    });
    deps.queue.failNext = 1;
    for (const r of requests) await handleHubSpotWebhook(r, deps);
    const text = deps.logger.text();
    expect(deps.logger.lines.length).toBeGreaterThan(3);
    for (const secret of [
      email,
      token,
      CLIENT_SECRET,
      ...requests.map((r) => r.headers['x-hubspot-signature-v3'] ?? ''),
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

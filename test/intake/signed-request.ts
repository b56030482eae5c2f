import type { HubSpotWebhookDeps } from '../../lib/hubspot/webhook-intake.ts';
import { ReplayGuard } from '../../lib/hubspot/webhook-replay.ts';
import type { RawHttpRequest } from '../../lib/http/http.ts';
import { CapturingLog, CapturingMetrics, FakeChangeQueue } from './fakes.ts';
import { computeSignatureV3 } from '../../lib/hubspot/webhook-signature.ts';

export const CLIENT_SECRET = 'client-secret-5e1f0c2a-test';
export const APP_ID = '1160452';
export const PORTAL_ID = '62515';
export const WEBHOOK_URL = 'https://intake.example.com/hubspot/webhook?tenant=demo';
/** A fixed clock: tests never read the wall clock. */
export const NOW = 1_764_390_000_000;

/** A request signed the way HubSpot signs it (v3), with a fresh timestamp unless told otherwise. */
export function signedRequest(
  body: string,
  opts: { timestamp?: number; url?: string; secret?: string; method?: string } = {},
): RawHttpRequest {
  const timestamp = opts.timestamp ?? NOW;
  const url = opts.url ?? WEBHOOK_URL;
  const method = opts.method ?? 'POST';
  return {
    method,
    url,
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': computeSignatureV3({
        clientSecret: opts.secret ?? CLIENT_SECRET,
        method,
        url,
        body,
        timestamp,
      }),
      'x-hubspot-request-timestamp': String(timestamp),
    },
    body,
  };
}

let nextEventId = 9_000_000;
/** A contact event as HubSpot sends it. */
export function hubspotEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  nextEventId += 1;
  return {
    eventId: nextEventId,
    subscriptionId: 25,
    portalId: Number(PORTAL_ID),
    appId: Number(APP_ID),
    occurredAt: NOW - 2000,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 501,
    propertyName: 'firstname',
    propertyValue: 'Ada',
    changeSource: 'CRM_UI',
    sourceId: 'userId:777',
    ...overrides,
  };
}

/** The webhook intake's dependencies for these constants: fake queue, capturing log and metrics, fixed clock. */
export function webhookIntakeDeps() {
  return {
    queue: new FakeChangeQueue(),
    clientSecret: CLIENT_SECRET,
    appId: APP_ID,
    portalId: PORTAL_ID,
    now: () => NOW,
    logger: new CapturingLog(),
    metrics: new CapturingMetrics(),
    replayGuard: new ReplayGuard(),
  } satisfies HubSpotWebhookDeps;
}

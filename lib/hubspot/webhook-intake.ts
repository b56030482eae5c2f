import type { ChangeQueue } from '../ports.ts';
import { countMetric } from '../observability/intake-metrics.ts';
import { type HttpResult, type RawHttpRequest, jsonResult, utf8Length } from '../http/http.ts';
import { type Log, type MetricsSink, errorSummary, loggableId } from '../observability/observability.ts';
import { MAX_EVENTS_PER_BATCH, parseWebhookBatch } from './webhook-events.ts';
import { ReplayGuard } from './webhook-replay.ts';
import { verifySignatureV3 } from './webhook-signature.ts';

/**
 * The HubSpot webhook endpoint, framework-agnostic: the Lambda handler and the local HTTP server
 * both call `handleHubSpotWebhook` with the raw request.
 *
 * Status codes, and why (HubSpot retries any 4xx/5xx and timeouts > 5 s, up to 10 times over 24 h):
 * - 200 only once every notice is durably queued (`queue.send` resolved);
 * - 503 when the queue failed: HubSpot retries, nothing is lost;
 * - 401 for a missing/invalid/expired/future/replayed signature, 400 malformed, 413 oversized,
 *   405 wrong method. Those are not HubSpot's own requests, so its retries are irrelevant.
 * The response body never says more than a short reason; details go to the log.
 */

/** Largest body accepted. A batch of 100 events is ~40 KB; 1 MB leaves room and caps abuse. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface HubSpotWebhookDeps {
  queue: ChangeQueue;
  /** The app's client secret (signs v3). */
  clientSecret: string;
  /** Our app id: changes it made are echoes and are dropped. */
  appId: string;
  /** When set, events from another HubSpot account are ignored. */
  portalId?: string;
  now: () => number;
  logger: Log;
  metrics: MetricsSink;
  /** Replay guard; one per container (defaults to a module-wide one). */
  replayGuard?: ReplayGuard;
}

const defaultReplayGuard = new ReplayGuard();

/** Verifies, parses and enqueues one HubSpot webhook delivery. Never throws. */
export async function handleHubSpotWebhook(
  req: RawHttpRequest,
  deps: HubSpotWebhookDeps,
): Promise<HttpResult> {
  const { logger, metrics } = deps;
  const reject = (statusCode: number, reason: string, context: Record<string, unknown> = {}): HttpResult => {
    logger.warn('hubspot webhook rejected', { reason, statusCode, ...context });
    countMetric(metrics, 'hubspot', 'rejected', 1, reason);
    return jsonResult(statusCode, { error: reason });
  };

  if (req.method.toUpperCase() !== 'POST')
    return reject(405, 'method-not-allowed', { method: loggableId(req.method) });
  const bytes = utf8Length(req.body);
  if (bytes > MAX_WEBHOOK_BODY_BYTES) return reject(413, 'body-too-large', { bytes });

  const now = deps.now();
  const check = verifySignatureV3({
    clientSecret: deps.clientSecret,
    method: req.method,
    url: req.url,
    body: req.body,
    headers: req.headers,
    now,
  });
  if (!check.ok) return reject(401, check.reason);
  const guard = deps.replayGuard ?? defaultReplayGuard;
  if (!guard.remember(check.signature, check.timestamp, now)) return reject(401, 'replayed-signature');

  let items: unknown;
  try {
    items = JSON.parse(req.body);
  } catch {
    guard.forget(check.signature, check.timestamp);
    return reject(400, 'malformed-json', { bytes });
  }
  if (!Array.isArray(items)) {
    guard.forget(check.signature, check.timestamp);
    return reject(400, 'not-an-array');
  }
  if (items.length > MAX_EVENTS_PER_BATCH) {
    guard.forget(check.signature, check.timestamp);
    return reject(400, 'too-many-events', { events: items.length });
  }

  const batch = parseWebhookBatch(items, { appId: deps.appId, portalId: deps.portalId });
  countMetric(metrics, 'hubspot', 'received', batch.received);
  for (const [reason, entry] of Object.entries(batch.ignored)) {
    countMetric(metrics, 'hubspot', 'ignored', entry.count, reason);
    const log = reason === 'invalid-event' ? logger.warn.bind(logger) : logger.info.bind(logger);
    log('hubspot events ignored', { reason, count: entry.count, examples: entry.examples });
  }
  if (batch.invalidFieldNames > 0) {
    countMetric(metrics, 'hubspot', 'ignored', batch.invalidFieldNames, 'invalid-property-name');
    logger.warn('hubspot property names dropped', {
      reason: 'invalid-property-name',
      count: batch.invalidFieldNames,
    });
  }

  if (batch.notices.length > 0) {
    try {
      await deps.queue.send(batch.notices);
    } catch (error) {
      // Not queued: let HubSpot retry (it re-signs with a new timestamp, but forget anyway).
      guard.forget(check.signature, check.timestamp);
      logger.error('hubspot notices not queued', {
        notices: batch.notices.length,
        error: errorSummary(error),
      });
      countMetric(metrics, 'hubspot', 'failed', 1, 'queue');
      return jsonResult(503, { error: 'queue-unavailable' });
    }
  }
  countMetric(metrics, 'hubspot', 'queued', batch.notices.length);
  logger.info('hubspot webhook accepted', { events: batch.received, notices: batch.notices.length });
  return jsonResult(200, { received: batch.received, queued: batch.notices.length });
}

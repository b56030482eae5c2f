import type { ChangeQueue } from '../ports.ts';
import type { HttpResult, RawHttpRequest } from '../http/http.ts';
import { utf8Length } from '../http/http.ts';
import { countMetric } from '../observability/intake-metrics.ts';
import { type Log, type MetricsSink, errorSummary, loggableId } from '../observability/observability.ts';
import { sameSalesforceId } from './outbound-ids.ts';
import {
  MAX_OUTBOUND_BODY_BYTES,
  OutboundMessageError,
  parseOutboundMessage,
  toNotice,
} from './outbound-message.ts';
import { soapAck, soapFault } from './outbound-soap.ts';
import { outboundTokenMatches } from './outbound-token.ts';

/**
 * The Salesforce outbound-message endpoint, framework-agnostic.
 *
 * Status codes: 200 + Ack only after every notice is queued; 503 Server fault when the queue
 * failed (Salesforce redelivers); 401 Client fault when the URL lacks the deployment's token
 * (checked first, in constant time: a forged message costs no parse and no queue write);
 * 400 Client fault for malformed/unsafe XML; 403 Client fault for a message from another org;
 * 413 oversized; 405 wrong method. Notifications for other objects or
 * with malformed ids are skipped (counted, logged) and the rest of the message is still queued
 * and acknowledged: skipping is a decision, and redelivering would not change it.
 */

export interface SalesforceOutboundDeps {
  queue: ChangeQueue;
  /** The configured org id (15 or 18 characters). */
  orgId: string;
  /** The token the outbound message's endpoint URL ends with (lib/salesforce/outbound-token.ts). */
  token: string;
  now: () => number;
  logger: Log;
  metrics: MetricsSink;
}

/** Parses, checks the org, enqueues and acknowledges one outbound message. Never throws. */
export async function handleSalesforceOutbound(
  req: RawHttpRequest,
  deps: SalesforceOutboundDeps,
): Promise<HttpResult> {
  const { logger, metrics } = deps;
  const reject = (statusCode: number, reason: string, context: Record<string, unknown> = {}): HttpResult => {
    logger.warn('salesforce outbound message rejected', { reason, statusCode, ...context });
    countMetric(metrics, 'salesforce-outbound', 'rejected', 1, reason);
    return soapFault(statusCode, 'Client', reason);
  };

  if (req.method.toUpperCase() !== 'POST') return reject(405, 'method-not-allowed');
  if (!outboundTokenMatches(req.url, deps.token)) return reject(401, 'unauthorized');
  const bytes = utf8Length(req.body);
  if (bytes > MAX_OUTBOUND_BODY_BYTES) return reject(413, 'body-too-large', { bytes });

  let message: ReturnType<typeof parseOutboundMessage>;
  try {
    message = parseOutboundMessage(req.body, deps.now());
  } catch (error) {
    if (error instanceof OutboundMessageError) return reject(400, error.reason, { bytes });
    return reject(400, 'malformed-xml', { bytes });
  }
  if (!sameSalesforceId(message.organizationId, deps.orgId)) {
    // The org id is not secret (it is in every Salesforce URL) and helps an admin spot a misrouted message.
    return reject(403, 'wrong-organization', { organizationId: loggableId(message.organizationId) });
  }

  const received = message.notifications.length + message.skipped.length;
  countMetric(metrics, 'salesforce-outbound', 'received', received);
  const skippedBy = new Map<string, number[]>();
  for (const s of message.skipped) skippedBy.set(s.reason, [...(skippedBy.get(s.reason) ?? []), s.index]);
  for (const [reason, indexes] of skippedBy) {
    countMetric(metrics, 'salesforce-outbound', 'ignored', indexes.length, reason);
    logger.warn('salesforce notifications ignored', {
      reason,
      count: indexes.length,
      indexes: indexes.slice(0, 10),
      actionId: loggableId(message.actionId),
    });
  }

  const notices = dedupe(message.notifications.map(toNotice));
  if (notices.length > 0) {
    try {
      await deps.queue.send(notices);
    } catch (error) {
      logger.error('salesforce notices not queued', { notices: notices.length, error: errorSummary(error) });
      countMetric(metrics, 'salesforce-outbound', 'failed', 1, 'queue');
      return soapFault(503, 'Server', 'queue-unavailable');
    }
  }
  countMetric(metrics, 'salesforce-outbound', 'queued', notices.length);
  logger.info('salesforce outbound message accepted', {
    notifications: received,
    notices: notices.length,
    actionId: loggableId(message.actionId),
  });
  return soapAck();
}

/** The same notification twice in one message is one notice. */
function dedupe(notices: ReturnType<typeof toNotice>[]): ReturnType<typeof toNotice>[] {
  const seen = new Set<string>();
  return notices.filter((n) => {
    if (seen.has(n.eventId)) return false;
    seen.add(n.eventId);
    return true;
  });
}

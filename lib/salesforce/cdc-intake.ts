import { RetryableError } from '../errors.ts';
import type { ChangeQueue } from '../ports.ts';
import { type HttpResult, type RawHttpRequest, jsonResult, utf8Length } from '../http/http.ts';
import { countMetric } from '../observability/intake-metrics.ts';
import { type Log, type MetricsSink, errorSummary, loggableId } from '../observability/observability.ts';
import { parseCdcEvent } from './cdc-events.ts';

/**
 * The Salesforce CDC intake (Event Relay → EventBridge → this), framework-agnostic.
 *
 * A bad or irrelevant event is logged, counted and dropped (retrying it would not help). A queue
 * failure throws a RetryableError so that the invocation fails and EventBridge/Lambda retries it
 * (async invocation retries, then the function's on-failure destination): nothing is lost.
 */

export interface SalesforceCdcDeps {
  queue: ChangeQueue;
  /** Our `Sforce-Call-Options` client name (config `salesforce.clientName`). */
  clientName: string;
  /** When set, events relayed from another org are ignored. */
  orgId?: string;
  logger: Log;
  metrics: MetricsSink;
}

export interface CdcIntakeResult {
  queued: number;
  ignored: number;
}

/** Normalizes one EventBridge CDC event and enqueues its notices. Throws RetryableError if not queued. */
export async function handleSalesforceCdc(event: unknown, deps: SalesforceCdcDeps): Promise<CdcIntakeResult> {
  const { logger, metrics } = deps;
  const parsed = parseCdcEvent(event, { clientName: deps.clientName, orgId: deps.orgId });
  const context = { entityName: loggableId(parsed.entityName), changeType: loggableId(parsed.changeType) };
  countMetric(metrics, 'salesforce-cdc', 'received', 1);
  let ignored = 0;
  for (const { reason, count } of parsed.ignored) {
    ignored += count;
    countMetric(metrics, 'salesforce-cdc', 'ignored', count, reason);
    const log =
      reason === 'echo' || reason === 'unsupported-object'
        ? logger.info.bind(logger)
        : logger.warn.bind(logger);
    log('salesforce change event ignored', { reason, count, ...context });
  }
  if (parsed.notices.length > 0) {
    try {
      await deps.queue.send(parsed.notices);
    } catch (error) {
      logger.error('salesforce change notices not queued', {
        notices: parsed.notices.length,
        error: errorSummary(error),
        ...context,
      });
      countMetric(metrics, 'salesforce-cdc', 'failed', 1, 'queue');
      throw new RetryableError(`${parsed.notices.length} change notices not queued`, 'server', {
        cause: error,
      });
    }
  }
  countMetric(metrics, 'salesforce-cdc', 'queued', parsed.notices.length);
  if (parsed.notices.length > 0) {
    logger.info('salesforce change event accepted', {
      notices: parsed.notices.length,
      forceRead: parsed.notices.some((n) => n.forceRead),
      ...context,
    });
  }
  return { queued: parsed.notices.length, ignored };
}

/** Largest CDC event accepted over HTTP (EventBridge caps events at 256 KB). */
export const MAX_CDC_BODY_BYTES = 256 * 1024;

/**
 * The same intake over HTTP, for the local stack (the sandbox POSTs the EventBridge envelope as
 * JSON, as an EventBridge API destination would): 200 once queued, 503 when the queue failed
 * (the sender retries), 400 for a body that is not JSON, 413 oversized, 405 wrong method.
 */
export async function handleSalesforceCdcHttp(
  req: RawHttpRequest,
  deps: SalesforceCdcDeps,
): Promise<HttpResult> {
  const reject = (statusCode: number, reason: string): HttpResult => {
    deps.logger.warn('salesforce change event rejected', { reason, statusCode });
    countMetric(deps.metrics, 'salesforce-cdc', 'rejected', 1, reason);
    return jsonResult(statusCode, { error: reason });
  };
  if (req.method.toUpperCase() !== 'POST') return reject(405, 'method-not-allowed');
  if (utf8Length(req.body) > MAX_CDC_BODY_BYTES) return reject(413, 'body-too-large');
  let event: unknown;
  try {
    event = JSON.parse(req.body);
  } catch {
    return reject(400, 'malformed-json');
  }
  try {
    return jsonResult(200, await handleSalesforceCdc(event, deps));
  } catch {
    // Already logged and counted by handleSalesforceCdc.
    return jsonResult(503, { error: 'queue-unavailable' });
  }
}

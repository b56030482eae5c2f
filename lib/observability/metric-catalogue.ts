/**
 * Every custom metric crmsync emits, by service (Powertools' `service` dimension, one per
 * function). CloudWatch bills each distinct name × dimension set as one custom metric, so the set
 * is fixed here and bounded: reasons, categories, record ids and CRM names never become part of a
 * name or a dimension (they go to the log line next to the count). A test runs the handlers and
 * fails on any name outside this list; docs/operations.md#metrics states the count.
 */

/** Emitted by every function: the middleware's uncaught-error count and Powertools' cold start. */
const EVERY_FUNCTION = ['handler.error', 'ColdStart'] as const;

export const METRIC_CATALOGUE = {
  'hubspot-webhook': [
    ...EVERY_FUNCTION,
    'hubspot.received',
    'hubspot.queued',
    'hubspot.echo',
    'hubspot.ignored',
    'hubspot.rejected',
    'hubspot.failed',
  ],
  'salesforce-outbound': [
    ...EVERY_FUNCTION,
    'salesforce-outbound.received',
    'salesforce-outbound.queued',
    'salesforce-outbound.ignored',
    'salesforce-outbound.rejected',
    'salesforce-outbound.failed',
  ],
  'salesforce-cdc': [
    ...EVERY_FUNCTION,
    'salesforce-cdc.received',
    'salesforce-cdc.queued',
    'salesforce-cdc.echo',
    'salesforce-cdc.ignored',
    'salesforce-cdc.rejected',
    'salesforce-cdc.failed',
  ],
  processor: [
    ...EVERY_FUNCTION,
    'processor.synced',
    'processor.noop',
    'processor.retried',
    'processor.malformed',
    'processor.duplicate',
    'processor.written.hubspot',
    'processor.written.salesforce',
    'processor.skipped',
    'processor.error',
  ],
  resync: [...EVERY_FUNCTION],
  'segment-refresh': [...EVERY_FUNCTION],
  poll: [...EVERY_FUNCTION],
} as const satisfies Record<string, readonly string[]>;

/** The number of custom metrics a deployment emits at most (40): the bill is bounded by it. */
export const CUSTOM_METRIC_COUNT = Object.values(METRIC_CATALOGUE).reduce((n, names) => n + names.length, 0);

/**
 * Every custom metric crmsync emits, by service (Powertools' `service` dimension, one per
 * function). CloudWatch bills each distinct name × dimension set as one custom metric, so the set
 * is fixed here and bounded: reasons, categories and record ids never become part of a name or a
 * dimension (they go to the log line next to the count); the CRM is a dimension of one metric only,
 * `API_BUDGET_METRIC`, with two values. A test runs the handlers and fails on any name outside this
 * list; docs/operations.md#metrics states the count.
 */

/** CloudWatch namespace of every crmsync metric (the functions' Powertools and the alarms both use it). */
export const METRICS_NAMESPACE = 'crmsync';

/**
 * The share of crmsync's daily API budget used, per CRM, in percent: `ApiBudgetUsedPercent` with the
 * one dimension `crm` (no `service`), published through `MetricsSink.addMetricWithDimensions` by
 * every function that called a CRM, after it flushed its usage (lib/composition/sync.ts). The value
 * is the same whichever function reports it (the store's shared daily counter), so one alarm per CRM
 * (cdk/constructs/crmsync-alarms.ts, built from this definition) watches it: two custom metrics.
 */
export const API_BUDGET_METRIC = {
  name: 'ApiBudgetUsedPercent',
  unit: 'Percent',
  dimension: 'crm',
  crms: ['hubspot', 'salesforce'],
} as const;

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

/** The number of custom metrics a deployment emits at most (42): the bill is bounded by it. */
export const CUSTOM_METRIC_COUNT =
  Object.values(METRIC_CATALOGUE).reduce((n, names) => n + names.length, 0) + API_BUDGET_METRIC.crms.length;

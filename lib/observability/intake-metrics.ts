import type { MetricsSink } from './observability.ts';

/**
 * Metric names for the intake: one per source and outcome, `<source>.<outcome>`, e.g.
 * `hubspot.rejected`, `salesforce-cdc.queued`. The reason (`expired-timestamp`, `wrong-organization`…)
 * goes into the log line next to the count, not into the metric name: every distinct name is a
 * billed CloudWatch custom metric, and a name per reason would multiply them (the whole set is
 * listed, and counted, in lib/observability/metric-catalogue.ts). Echoes are the one reason counted
 * apart (`<source>.echo`): echo suppression is a design guarantee worth a graph of its own.
 */
export type IntakeSource = 'hubspot' | 'salesforce-outbound' | 'salesforce-cdc';
export type IntakeOutcome = 'received' | 'queued' | 'rejected' | 'ignored' | 'failed';

export function intakeMetricName(source: IntakeSource, outcome: IntakeOutcome, reason?: string): string {
  return reason === 'echo' ? `${source}.echo` : `${source}.${outcome}`;
}

/**
 * Adds a Count metric (no-op for a zero count, so dashboards show only what happened). `reason`
 * selects the echo metric only; callers log every reason themselves.
 */
export function countMetric(
  metrics: MetricsSink,
  source: IntakeSource,
  outcome: IntakeOutcome,
  value: number,
  reason?: string,
): void {
  if (value > 0) metrics.addMetric(intakeMetricName(source, outcome, reason), 'Count', value);
}

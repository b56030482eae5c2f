import type { MetricsSink } from './observability.ts';

/**
 * Metric names for the intake, one per outcome and reason (docs/design.md#structured-logs: a metric for every skip and
 * every error class): `<source>.<outcome>[.<reason>]`, e.g. `hubspot.rejected.expired-timestamp`,
 * `salesforce-cdc.ignored.echo`, `hubspot.queued`.
 */
export type IntakeSource = 'hubspot' | 'salesforce-outbound' | 'salesforce-cdc';
export type IntakeOutcome = 'received' | 'queued' | 'rejected' | 'ignored' | 'failed';

export function intakeMetricName(source: IntakeSource, outcome: IntakeOutcome, reason?: string): string {
  return reason ? `${source}.${outcome}.${reason}` : `${source}.${outcome}`;
}

/** Adds a Count metric (no-op for a zero count, so dashboards show only what happened). */
export function countMetric(
  metrics: MetricsSink,
  source: IntakeSource,
  outcome: IntakeOutcome,
  value: number,
  reason?: string,
): void {
  if (value > 0) metrics.addMetric(intakeMetricName(source, outcome, reason), 'Count', value);
}

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../observability/metric-catalogue.ts';
import type { Log, MetricUnitName, MetricsSink } from '../observability/observability.ts';

export { METRICS_NAMESPACE } from '../observability/metric-catalogue.ts';

/**
 * Powertools `Metrics` plus the one `MetricsSink` method it lacks: a metric with dimensions of its
 * own. Powertools' `singleMetric()` publishes at once but inherits the function's `service`
 * dimension, which would split a deployment-wide figure into one metric per function (and miss the
 * alarm, whose dimensions are exactly `API_BUDGET_METRIC`'s): the default dimensions are cleared first.
 */
export class CrmSyncMetrics extends Metrics implements MetricsSink {
  addMetricWithDimensions(
    name: string,
    unit: MetricUnitName,
    value: number,
    dimensions: Readonly<Record<string, string>>,
  ): void {
    const single = this.singleMetric();
    single.clearDefaultDimensions();
    for (const [key, dimensionValue] of Object.entries(dimensions)) single.addDimension(key, dimensionValue);
    single.addMetric(name, unit, value);
  }
}

/** Powertools logger and metrics for one function; they satisfy the `Log` / `MetricsSink` ports. */
export interface Powertools {
  logger: Logger;
  metrics: CrmSyncMetrics;
}

/**
 * Creates the function's logger and metrics. `POWERTOOLS_LOG_LEVEL` and friends still apply;
 * the service name is the function's short name (e.g. `hubspot-webhook`).
 */
export function createPowertools(serviceName: string): Powertools {
  const logger = new Logger({ serviceName });
  const metrics = new CrmSyncMetrics({ namespace: METRICS_NAMESPACE, serviceName });
  // Compile-time proof that Powertools satisfies our narrow ports.
  const asPorts: { log: Log; sink: MetricsSink } = { log: logger, sink: metrics };
  void asPorts;
  return { logger, metrics };
}

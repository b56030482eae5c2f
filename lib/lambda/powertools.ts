import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Log, MetricsSink } from '../observability/observability.ts';

/** CloudWatch namespace of every crmsync metric. */
export const METRICS_NAMESPACE = 'crmsync';

/** Powertools logger and metrics for one function; they satisfy the `Log` / `MetricsSink` ports. */
export interface Powertools {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Creates the function's logger and metrics. `POWERTOOLS_LOG_LEVEL` and friends still apply;
 * the service name is the function's short name (e.g. `hubspot-webhook`).
 */
export function createPowertools(serviceName: string): Powertools {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  // Compile-time proof that Powertools satisfies our narrow ports.
  const asPorts: { log: Log; sink: MetricsSink } = { log: logger, sink: metrics };
  void asPorts;
  return { logger, metrics };
}

/**
 * The one logging and the one metrics surface of crmsync: the intake code, the processor and the
 * jobs all log and count through these. Powertools' `Logger` and `Metrics` satisfy them
 * structurally; tests pass small capturing fakes. Keeping the surface this narrow lets the local
 * stack (no Lambda context) and the bench reuse the same code. It lives outside `lib/lambda` so the
 * CRM adapters can use it without depending on a host.
 *
 * Rule (docs/design.md#structured-logs): never put an email, a token, a signature or a field value in a log line or a
 * metric dimension; log ids, counts and reasons.
 */

/** Structured logger: a short lowercase message plus context. */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Units we emit; a subset of CloudWatch's (Powertools `MetricUnit`). */
export type MetricUnitName = 'Count' | 'Milliseconds' | 'Bytes' | 'Percent';

/** Metrics sink: one CloudWatch metric per skip and per error class (docs/design.md#structured-logs). */
export interface MetricsSink {
  /** Adds to a metric under the function's own `service` dimension, published when the invocation ends. */
  addMetric(name: string, unit: MetricUnitName, value: number): void;
  /**
   * Publishes one value of a metric with exactly `dimensions` and no `service`: for a figure of the
   * whole deployment (a CRM's daily API budget) that every function reports alike, so one alarm
   * watches it whichever function reported. Dimension values come from a fixed, small set
   * (lib/observability/metric-catalogue.ts), never from a record or a reason.
   */
  addMetricWithDimensions(
    name: string,
    unit: MetricUnitName,
    value: number,
    dimensions: Readonly<Record<string, string>>,
  ): void;
}

/** A logger that drops everything (bench, callers that do not care). */
export const silentLog: Log = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A metrics sink that drops everything. */
export const noMetrics: MetricsSink = { addMetric() {}, addMetricWithDimensions() {} };

/**
 * Name and message of an error, for a log line: no stack, message capped. Messages from our
 * adapters name counts and ids, never values or credentials.
 */
export function errorSummary(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message.slice(0, 300) };
  return { name: 'unknown', message: String(error).slice(0, 300) };
}

/**
 * A value from a request, fit for a log line only when it looks like an identifier (letters,
 * digits, `_`, `-`, `.`; at most 80 characters). Anything else — which could be an email or free
 * text an attacker put in an id field — is replaced by a marker.
 */
export function loggableId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,80}$/.test(value) ? value : '(not an id)';
}

import { type ChangeNotice, changeNoticeSchema } from '../../lib/domain/notice.ts';
import { RetryableError } from '../../lib/errors.ts';
import type { Log, MetricUnitName, MetricsSink } from '../../lib/observability/observability.ts';
import type { ChangeQueue } from '../../lib/ports.ts';

/**
 * An in-memory ChangeQueue (a fake, not a mock): it validates notices like the SQS adapter does,
 * keeps what was sent, and can be told to fail the next sends.
 */
export class FakeChangeQueue implements ChangeQueue {
  readonly sent: ChangeNotice[] = [];
  calls = 0;
  failNext = 0;

  async send(notices: ChangeNotice[]): Promise<void> {
    this.calls += 1;
    for (const n of notices) changeNoticeSchema.parse(n);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new RetryableError(`${notices.length} notices not queued`, 'server');
    }
    this.sent.push(...notices);
  }
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown>[];
}

/** A Log that keeps every line, and the JSON text of all of them for "no secret in logs" checks. */
export class CapturingLog implements Log {
  readonly lines: LogLine[] = [];
  debug(message: string, ...extra: Record<string, unknown>[]) {
    this.lines.push({ level: 'debug', message, extra });
  }
  info(message: string, ...extra: Record<string, unknown>[]) {
    this.lines.push({ level: 'info', message, extra });
  }
  warn(message: string, ...extra: Record<string, unknown>[]) {
    this.lines.push({ level: 'warn', message, extra });
  }
  error(message: string, ...extra: Record<string, unknown>[]) {
    this.lines.push({ level: 'error', message, extra });
  }
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
  find(message: string, reason?: string): LogLine | undefined {
    return this.lines.find(
      (l) => l.message === message && (reason === undefined || l.extra.some((e) => e['reason'] === reason)),
    );
  }
}

/** A MetricsSink that sums by name, and keeps every metric published with its own dimensions. */
export class CapturingMetrics implements MetricsSink {
  readonly counts = new Map<string, number>();
  readonly dimensioned: {
    name: string;
    unit: MetricUnitName;
    value: number;
    dimensions: Record<string, string>;
  }[] = [];
  addMetric(name: string, _unit: MetricUnitName, value: number) {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  addMetricWithDimensions(
    name: string,
    unit: MetricUnitName,
    value: number,
    dimensions: Readonly<Record<string, string>>,
  ) {
    this.dimensioned.push({ name, unit, value, dimensions: { ...dimensions } });
  }
  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

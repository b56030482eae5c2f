import type { MetricsSink, MetricUnitName } from '../observability/observability.ts';
import type { Decision } from '../ports.ts';

import type { StatsBucket, StatsSnapshot } from '../admin/services.ts';

export type { StatsBucket, StatsSnapshot };

const BUCKET_MS = 5_000;
const BUCKETS_KEPT = 120;
const RECENT_KEPT = 40;
const LATENCY_KEPT = 2_000;
const RECORDS_PER_CATEGORY = 50;

interface MutableBucket {
  t: number;
  processed: number;
  synced: number;
  errors: number;
  latencies: number[];
}

/**
 * In-memory sync health of the local stack. Fed by three taps, none of which changes behaviour:
 * the decisions the processor records (through `ObservedSyncStore`), the intake's metrics sink
 * (echoes dropped at intake), and the poller's batch reports (latency, throughput, failures).
 */
export class SyncStats {
  readonly since: number;
  readonly #decisions: Record<Decision['outcome'], number> = {
    synced: 0,
    skipped: 0,
    noop: 0,
    error: 0,
    linked: 0,
    relinked: 0,
    received: 0,
  };
  readonly #skipped = new Map<string, number>();
  readonly #errors = new Map<string, { count: number; records: Set<string> }>();
  readonly #intake = new Map<string, number>();
  readonly #buckets: MutableBucket[] = [];
  readonly #latencies: number[] = [];
  readonly #recent: Decision[] = [];
  #processed = 0;
  #failedMessages = 0;
  #failedInvocations = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  /** Counts decisions as the processor records them. */
  onDecisions(decisions: Decision[]): void {
    for (const d of decisions) {
      this.#decisions[d.outcome] = (this.#decisions[d.outcome] ?? 0) + 1;
      const bucket = this.#bucket(d.at);
      if (d.outcome === 'synced') bucket.synced++;
      if (d.outcome === 'skipped') {
        const reason = d.reason ?? 'unspecified';
        this.#skipped.set(reason, (this.#skipped.get(reason) ?? 0) + 1);
        if (/echo/i.test(reason)) this.#intake.set('echo-noop', (this.#intake.get('echo-noop') ?? 0) + 1);
      }
      if (d.outcome === 'error') {
        bucket.errors++;
        const category = d.category ?? 'other';
        const entry = this.#errors.get(category) ?? { count: 0, records: new Set<string>() };
        entry.count++;
        if (entry.records.size < RECORDS_PER_CATEGORY) entry.records.add(d.recordKey);
        this.#errors.set(category, entry);
      }
      if (d.outcome !== 'received') {
        this.#recent.unshift(d);
        if (this.#recent.length > RECENT_KEPT) this.#recent.length = RECENT_KEPT;
      }
    }
  }

  /** Counts a processor invocation: messages, failures, and each change's end-to-end latency. */
  onBatch(report: { at: number; bodies: string[]; failed: number; threw: boolean }): void {
    const bucket = this.#bucket(report.at);
    bucket.processed += report.bodies.length;
    this.#processed += report.bodies.length;
    this.#failedMessages += report.failed;
    if (report.threw) this.#failedInvocations++;
    for (const body of report.bodies) {
      const latency = liveChangeLatency(body, report.at);
      if (latency === undefined) continue;
      bucket.latencies.push(latency);
      this.#latencies.push(latency);
    }
    if (this.#latencies.length > LATENCY_KEPT)
      this.#latencies.splice(0, this.#latencies.length - LATENCY_KEPT);
  }

  /** A metrics sink for the intake handlers: every metric is counted by name (echoes, rejects, ignored types). */
  metricsSink(): MetricsSink {
    return {
      addMetric: (name: string, _unit: MetricUnitName, value: number) => {
        this.#intake.set(name, (this.#intake.get(name) ?? 0) + value);
      },
      // The intake reports no deployment-wide figures; the dashboard reads the API budget from the
      // limiters themselves (lib/admin/status.ts), so there is nothing to count here.
      addMetricWithDimensions: () => {},
    };
  }

  snapshot(): StatsSnapshot {
    const echoes = [...this.#intake.entries()]
      .filter(([name]) => /echo/i.test(name))
      .reduce((n, [, v]) => n + v, 0);
    const nowBucket = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const series: StatsBucket[] = [];
    // A continuous series (empty buckets included) so the chart's x axis is time, not event count.
    const first = nowBucket - (BUCKETS_KEPT / 2 - 1) * BUCKET_MS;
    const byT = new Map(this.#buckets.map((b) => [b.t, b]));
    for (let t = first; t <= nowBucket; t += BUCKET_MS) {
      const b = byT.get(t);
      series.push({
        t,
        processed: b?.processed ?? 0,
        synced: b?.synced ?? 0,
        errors: b?.errors ?? 0,
        p50: b ? percentile(b.latencies, 0.5) : null,
        p95: b ? percentile(b.latencies, 0.95) : null,
      });
    }
    return {
      since: this.since,
      decisions: { ...this.#decisions },
      skippedByReason: Object.fromEntries(this.#skipped),
      errorsByCategory: [...this.#errors.entries()]
        .map(([category, e]) => ({ category, count: e.count, records: [...e.records] }))
        .sort((a, b) => b.count - a.count),
      echoesSuppressed: echoes,
      intake: Object.fromEntries(this.#intake),
      processedMessages: this.#processed,
      failedMessages: this.#failedMessages,
      failedInvocations: this.#failedInvocations,
      latency: {
        p50: percentile(this.#latencies, 0.5),
        p95: percentile(this.#latencies, 0.95),
        samples: this.#latencies.length,
      },
      series,
      recent: [...this.#recent],
    };
  }

  #bucket(at: number): MutableBucket {
    const t = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    let b = this.#buckets.at(-1);
    if (b && b.t === t) return b;
    b = this.#buckets.find((x) => x.t === t);
    if (b) return b;
    b = { t, processed: 0, synced: 0, errors: 0, latencies: [] };
    this.#buckets.push(b);
    this.#buckets.sort((x, y) => x.t - y.t);
    if (this.#buckets.length > BUCKETS_KEPT) this.#buckets.splice(0, this.#buckets.length - BUCKETS_KEPT);
    return b;
  }
}

/**
 * Latency of a live change: from when it happened at the source to when the processor finished it.
 * Resync, import and segment-join notices are produced by crmsync itself, so they are not counted.
 */
function liveChangeLatency(body: string, at: number): number | undefined {
  try {
    const notice = JSON.parse(body) as { occurredAt?: unknown; kind?: unknown };
    if (typeof notice.occurredAt !== 'number') return undefined;
    if (notice.kind === 'resync' || notice.kind === 'import' || notice.kind === 'segment-joined')
      return undefined;
    const latency = at - notice.occurredAt;
    return latency >= 0 && latency < 86_400_000 ? latency : undefined;
  } catch {
    return undefined;
  }
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
}

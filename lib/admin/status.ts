import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Log } from '../observability/observability.ts';
import type { SyncStore } from '../ports.ts';
import { utcDay } from '../rate-limit/clock.ts';
import type { RateLimiter } from '../rate-limit/index.ts';
import { type ResyncCheckpoint, resyncCheckpoint } from '../sync/resync.ts';
import type { RefreshResult } from '../sync/segment-refresh.ts';
import { companySyncEnabled, currentSettings, type SyncDeps } from '../sync/sync-deps.ts';
import { queueDepth } from './queue-admin.ts';
import type { CrmUsage, ResyncProgress, ScheduleState, StatsSnapshot, StatusReport } from './services.ts';
import type { SegmentListCache } from './segments.ts';

/**
 * What the status reads: the running stack's pieces. The local stack passes its in-process counters
 * and timers; the admin Lambda (which lives for one request) passes empty counters and the
 * EventBridge schedules from the config, and the store's totals fill the report.
 */
export interface StatusSources {
  mode: 'sandbox' | 'live';
  startedAt: number;
  deps: SyncDeps;
  /** The store without the observing wrapper, for the optional dashboard queries. */
  rawStore: SyncStore;
  sqs: { client: SQSClient; queueUrl: string; dlqUrl: string };
  stats: { snapshot(): StatsSnapshot };
  schedules: () => ScheduleState[];
  log: Log;
  urls: () => StatusReport['urls'];
  resync: () => ResyncProgress | Promise<ResyncProgress>;
  lastRefresh: () => { at: number; result: RefreshResult } | undefined;
  limiters: Record<'hubspot' | 'salesforce', Pick<RateLimiter, 'counters'>>;
  lists: SegmentListCache;
}

/**
 * Decision counts: the store keeps per-day counters and open sync errors, which survive a restart,
 * so they are preferred over the counts this process saw since it started.
 */
async function counts(src: StatusSources): Promise<StatsSnapshot> {
  const local = src.stats.snapshot();
  const store = src.rawStore;
  if (!store.countDecisions) return local;
  try {
    const today = Date.parse(`${utcDay(Date.now())}T00:00:00Z`);
    const [c, errors] = await Promise.all([
      store.countDecisions(today),
      store.listSyncErrors ? store.listSyncErrors({ limit: 200 }) : Promise.resolve(undefined),
    ]);
    const byOutcome = { ...local.decisions };
    for (const key of Object.keys(byOutcome) as (keyof typeof byOutcome)[])
      byOutcome[key] = Math.max(byOutcome[key], c.byOutcome[key] ?? 0);
    let errorsByCategory = local.errorsByCategory;
    if (errors) {
      const grouped = new Map<string, string[]>();
      for (const e of errors) grouped.set(e.category, [...(grouped.get(e.category) ?? []), e.recordKey]);
      errorsByCategory = [...grouped.entries()]
        .map(([category, records]) => ({ category, count: records.length, records }))
        .sort((a, b) => b.count - a.count);
    }
    const recent = store.recentDecisions
      ? (await store.recentDecisions(60)).filter((d) => d.outcome !== 'received').slice(0, 40)
      : local.recent;
    // The store's byReason mixes skip and no-op reasons (some carry record ids): the breakdown of
    // skips comes from the decisions seen since start, the totals from the store.
    return { ...local, decisions: byOutcome, errorsByCategory, recent };
  } catch (error) {
    src.log.warn('dashboard counts from the store failed', {
      error: error instanceof Error ? error.message : String(error),
    });
    return local;
  }
}

/** The chosen segment with its name, type and member count (null when none is chosen: R2). */
async function segmentStatus(src: StatusSources): Promise<StatusReport['segment']> {
  const settings = await currentSettings(src.deps);
  if (!settings.inclusionSegmentId) return null;
  const id = settings.inclusionSegmentId;
  const last = src.lastRefresh();
  const counted = last && last.result.segment?.listId === id ? last : undefined;
  // The store keeps the member count: one read, never the membership (status is polled often).
  const [list, members] = await Promise.all([src.lists.get(id), src.deps.store.countMembers(id)]);
  return {
    id,
    name: list?.name ?? null,
    processingType: list?.processingType ?? null,
    members,
    lastRefreshAt: counted ? counted.at : null,
    loaded: settings.segmentLoaded,
  };
}

/** API usage against crmsync's share of the daily allocation, and what the limiter saw since start. */
function usage(src: StatusSources, crm: 'hubspot' | 'salesforce', stored: number): CrmUsage {
  const budgets = src.deps.config.budgets[crm];
  // The limiter counts locally and flushes to the store every few seconds: show the larger.
  const c = src.limiters[crm].counters();
  return {
    today: Math.max(stored, c.dailyUsed),
    budget: Math.floor(budgets.dailyLimit * budgets.dailyShare),
    dailyLimit: budgets.dailyLimit,
    maxRequestsPer10s: budgets.maxRequestsPer10s,
    sinceStart: c.total,
    rateLimited: c.rateLimited,
    waits: c.waits,
  };
}

/** The dashboard's and `crmsync status`'s one report (GET /api/status). */
export async function stackStatus(src: StatusSources): Promise<StatusReport> {
  const { store } = src.deps;
  const day = utcDay(Date.now());
  const [settings, segment, stats, main, dlq, hsUsed, sfUsed, resync, links] = await Promise.all([
    currentSettings(src.deps),
    segmentStatus(src),
    counts(src),
    queueDepth(src.sqs.client, src.sqs.queueUrl),
    queueDepth(src.sqs.client, src.sqs.dlqUrl),
    store.getApiUsage('hubspot', day),
    store.getApiUsage('salesforce', day),
    src.resync(),
    store.countCompanyLinks ? store.countCompanyLinks() : Promise.resolve(null),
  ]);
  return {
    mode: src.mode,
    startedAt: src.startedAt,
    urls: src.urls(),
    segment,
    settings,
    stats,
    apiUsage: { hubspot: usage(src, 'hubspot', hsUsed), salesforce: usage(src, 'salesforce', sfUsed) },
    queue: { visible: main.visible, inFlight: main.inFlight, dlq: dlq.visible + dlq.inFlight },
    schedules: src.schedules(),
    resync: withCheckpoint(resync, await resyncCheckpoint(src.deps)),
    companies: { enabled: companySyncEnabled(settings, src.deps.config), links },
  };
}

/**
 * The counters of a host that keeps none in memory (the admin Lambda lives for a request): zeros,
 * which `stackStatus` replaces with the store's per-day totals, open errors and recent decisions.
 */
export function emptyStats(since: number): StatsSnapshot {
  return {
    since,
    decisions: { synced: 0, noop: 0, linked: 0, relinked: 0, skipped: 0, error: 0, received: 0 },
    skippedByReason: {},
    errorsByCategory: [],
    echoesSuppressed: 0,
    intake: {},
    processedMessages: 0,
    failedMessages: 0,
    failedInvocations: 0,
    latency: { p50: null, p95: null, samples: 0 },
    series: [],
    recent: [],
  };
}

/** The schedules of a deployed stack as the config sets them (EventBridge runs them; no run history here). */
export function configuredSchedules(schedules: Record<string, string>): ScheduleState[] {
  return Object.entries(schedules).map(([name, expression]) => idleSchedule(name, expression));
}

/** A schedule that has not run yet. */
export function idleSchedule(name: string, expression: string): ScheduleState {
  return {
    name,
    expression,
    running: false,
    lastRunAt: null,
    lastDurationMs: null,
    lastError: null,
    nextRunAt: null,
    runs: 0,
  };
}

/** The resync progress, with the store's checkpoint of an unfinished run (one GetItem). */
function withCheckpoint(progress: ResyncProgress, cp: ResyncCheckpoint | undefined): ResyncProgress {
  return cp ? { ...progress, checkpoint: { run: cp.run, startedAt: cp.at, queued: cp.queued } } : progress;
}

import type { CrmSide } from '../domain/notice.ts';
import { RetryableError } from '../errors.ts';
import { type Clock, nextUtcMidnight, type Sleep, systemClock, systemSleep } from './clock.ts';
import { DailyBudget, type UsageCounter } from './daily-budget.ts';
import { SlidingWindow } from './sliding-window.ts';
import type { HubSpotRateLimitInfo } from './vendor-headers.ts';

/**
 * Which work a call is for. `live` (a change a user just made) goes first; `bulk` (resync, import,
 * membership refresh) only gets a slot when no live call is waiting (docs/design.md#api-budgets).
 */
export type Lane = 'live' | 'bulk';

/** An extra window for some operations, e.g. HubSpot search: 5 requests per second per account. */
export interface OperationWindow {
  /** Operation names this window applies to. */
  ops: string[];
  max: number;
  windowMs: number;
}

export interface RateLimiterOptions {
  crm: CrmSide;
  /** Most calls in any 10-second window (config `budgets.<crm>.maxRequestsPer10s`). */
  maxRequestsPer10s: number;
  /** The org's daily allocation and crmsync's share of it (config `budgets.<crm>`). */
  dailyLimit: number;
  dailyShare: number;
  /** Shared daily counter (the store); without it the daily cap is counted per process. */
  usage?: UsageCounter;
  clock?: Clock;
  sleep?: Sleep;
  /** Longest a caller waits for a slot before it gets a RetryableError instead (default 60 s). */
  maxWaitMs?: number;
  /** Share of the daily cap kept for live work: bulk stops at `1 - liveReserve` of it (default 0.1). */
  liveReserve?: number;
  /** Org-wide usage (Sforce-Limit-Info, HubSpot daily headers) above which bulk stops (default 0.9). */
  orgBulkStopRatio?: number;
  /** Pause after the org's allocation is used up (default 15 min; beyond maxWaitMs, so callers get a RetryableError). */
  orgExhaustedPauseMs?: number;
  operationWindows?: OperationWindow[];
  flushEveryCalls?: number;
  flushIntervalMs?: number;
  onFlushError?: (error: unknown) => void;
  /** Told of every granted call, with the (injected-clock) time it was granted: for metrics and tests. */
  onGrant?: (grant: { op: string; lane: Lane; at: number }) => void;
}

/** Counters for "API calls per synced record" and for seeing the limiter at work. */
export interface RateLimiterCounters {
  crm: CrmSide;
  /** Calls granted, per operation name. */
  calls: Record<string, number>;
  /** Calls granted, per lane. */
  callsByLane: Record<Lane, number>;
  total: number;
  /** Rate-limit responses (429, REQUEST_LIMIT_EXCEEDED) reported by the adapters. */
  rateLimited: number;
  /** Retries after transient failures (5xx, timeouts) reported by the adapters. */
  retries: number;
  /** Times a caller had to wait, and the total (injected-clock) time waited. */
  waits: number;
  waitedMs: number;
  /** Callers turned away with a RetryableError because the wait would exceed maxWaitMs or the daily cap is used. */
  rejected: number;
  /** Today's usage as this process knows it, and the cap. */
  dailyUsed: number;
  dailyCap: number;
}

interface Waiter {
  op: string;
  lane: Lane;
  enqueuedAt: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

const TEN_SECONDS = 10_000;

/**
 * The per-CRM rate limiter (docs/design.md#api-budgets). Every API call an adapter makes first awaits
 * `acquire(op, lane)`. The limiter keeps crmsync under its burst cap (sliding 10 s window), under its
 * share of the daily allocation (counted locally, flushed to the store in batches), and honours what
 * the CRM says: a 429 / `Retry-After` / `REQUEST_LIMIT_EXCEEDED` pauses everyone (`pauseFor`),
 * `X-HubSpot-RateLimit-*` and `Sforce-Limit-Info` are fed back through `observe*`. Live calls go
 * before bulk ones. Waits use the injected clock and sleep, so tests are deterministic.
 */
export class RateLimiter {
  readonly crm: CrmSide;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #window: SlidingWindow;
  readonly #opWindows: { ops: Set<string>; window: SlidingWindow }[];
  readonly #budget: DailyBudget;
  readonly #maxWaitMs: number;
  readonly #liveReserve: number;
  readonly #orgBulkStopRatio: number;
  readonly #orgExhaustedPauseMs: number;
  readonly #onGrant: RateLimiterOptions['onGrant'];
  readonly #queues: Record<Lane, Waiter[]> = { live: [], bulk: [] };
  #pumping = false;
  /** Ends the pump's current sleep early: a new caller may be able to go sooner (a live call behind a bulk wait). */
  #wake: (() => void) | undefined;
  /** Nobody calls before this time (a 429, Retry-After, an exhausted org allocation). */
  #pausedUntil = 0;
  /** Bulk calls wait until this time (the org's allocation is nearly used). */
  #bulkPausedUntil = 0;
  readonly #calls = new Map<string, number>();
  readonly #callsByLane: Record<Lane, number> = { live: 0, bulk: 0 };
  #rateLimited = 0;
  #retries = 0;
  #waits = 0;
  #waitedMs = 0;
  #rejected = 0;

  constructor(opts: RateLimiterOptions) {
    this.crm = opts.crm;
    this.#clock = opts.clock ?? systemClock;
    this.#sleep = opts.sleep ?? systemSleep;
    this.#window = new SlidingWindow(opts.maxRequestsPer10s, TEN_SECONDS);
    this.#opWindows = (opts.operationWindows ?? []).map((w) => ({
      ops: new Set(w.ops),
      window: new SlidingWindow(w.max, w.windowMs),
    }));
    this.#budget = new DailyBudget({
      crm: opts.crm,
      cap: opts.dailyLimit * opts.dailyShare,
      usage: opts.usage,
      clock: this.#clock,
      flushEveryCalls: opts.flushEveryCalls,
      flushIntervalMs: opts.flushIntervalMs,
      onFlushError: opts.onFlushError,
    });
    this.#maxWaitMs = opts.maxWaitMs ?? 60_000;
    this.#liveReserve = opts.liveReserve ?? 0.1;
    this.#orgBulkStopRatio = opts.orgBulkStopRatio ?? 0.9;
    this.#orgExhaustedPauseMs = opts.orgExhaustedPauseMs ?? 15 * 60_000;
    this.#onGrant = opts.onGrant;
  }

  /** The injected clock, for adapters that compute waits from headers. */
  now(): number {
    return this.#clock();
  }

  /** Sleeps on the injected sleep (used by the adapters for retry backoff). */
  async backoff(ms: number): Promise<void> {
    this.#retries++;
    this.#waits++;
    this.#waitedMs += ms;
    await this.#sleep(ms);
  }

  /**
   * Waits for a slot and counts the call under `op`. Rejects with a RetryableError (carrying
   * `retryAfterMs`) when the wait would exceed `maxWaitMs` or crmsync's daily share is used up, so
   * a queue message goes back to the queue instead of a Lambda sleeping for minutes.
   */
  acquire(op: string, lane: Lane = 'live'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queues[lane].push({ op, lane, enqueuedAt: this.#clock(), resolve, reject });
      if (this.#pumping) this.#wake?.();
      else void this.#pump();
    });
  }

  /** Stops every call for `ms` (a 429 with Retry-After, a rolling-window or secondly limit hit). */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock() + Math.max(0, ms));
  }

  /** An adapter saw a rate-limit response (counted; the pause comes through `pauseFor`). */
  noteRateLimited(): void {
    this.#rateLimited++;
  }

  /** HubSpot's rate-limit headers from a response: pause before HubSpot has to say 429. */
  observeHubSpot(info: HubSpotRateLimitInfo): void {
    if (info.remaining !== undefined && info.remaining <= 0) this.pauseFor(info.intervalMs ?? TEN_SECONDS);
    if (info.secondlyRemaining !== undefined && info.secondlyRemaining <= 0) this.pauseFor(1000);
    if (info.daily !== undefined && info.dailyRemaining !== undefined) {
      this.observeOrgUsage(info.daily - info.dailyRemaining, info.daily);
    }
  }

  /**
   * The org's usage over its allocation (Salesforce `Sforce-Limit-Info: api-usage=N/M`, HubSpot's
   * daily headers). Near the allocation bulk work stops, so live changes and the org's other
   * integrations keep working; at the allocation everything pauses.
   */
  observeOrgUsage(used: number, limit: number): void {
    if (!(limit > 0)) return;
    const now = this.#clock();
    if (used >= limit) {
      this.#pausedUntil = Math.max(this.#pausedUntil, now + this.#orgExhaustedPauseMs);
    } else if (used >= limit * this.#orgBulkStopRatio) {
      this.#bulkPausedUntil = Math.max(this.#bulkPausedUntil, now + this.#orgExhaustedPauseMs);
    }
  }

  /** Writes locally counted calls to the shared usage counter (call at the end of a batch or in tests). */
  flush(): Promise<void> {
    return this.#budget.flush();
  }

  /**
   * Share of crmsync's daily cap used today, in percent (what `ApiBudgetUsedPercent` reports), as
   * of the last flush plus this process's calls since; undefined before this process's first call today.
   */
  dailyUsedPercent(): number | undefined {
    return this.#budget.usedPercent(this.#clock());
  }

  counters(): RateLimiterCounters {
    return {
      crm: this.crm,
      calls: Object.fromEntries(this.#calls),
      callsByLane: { ...this.#callsByLane },
      total: this.#callsByLane.live + this.#callsByLane.bulk,
      rateLimited: this.#rateLimited,
      retries: this.#retries,
      waits: this.#waits,
      waitedMs: this.#waitedMs,
      rejected: this.#rejected,
      dailyUsed: this.#budget.used(),
      dailyCap: this.#budget.cap,
    };
  }

  /** Zeroes the call counters (not the window, the pause or the daily usage). */
  resetCounters(): void {
    this.#calls.clear();
    this.#callsByLane.live = 0;
    this.#callsByLane.bulk = 0;
    this.#rateLimited = 0;
    this.#retries = 0;
    this.#waits = 0;
    this.#waitedMs = 0;
    this.#rejected = 0;
  }

  /** Calls waiting for a slot, per lane. */
  waiting(): Record<Lane, number> {
    return { live: this.#queues.live.length, bulk: this.#queues.bulk.length };
  }

  /** Milliseconds `w` must still wait at `now`; Infinity when the daily cap forbids it today. */
  #waitFor(w: Waiter, now: number): number {
    const dailyAllowance =
      w.lane === 'live' ? this.#budget.cap : Math.floor(this.#budget.cap * (1 - this.#liveReserve));
    if (this.#budget.used() >= dailyAllowance) return Number.POSITIVE_INFINITY;
    let wait = Math.max(0, this.#pausedUntil - now, this.#window.waitMs(now));
    if (w.lane === 'bulk') wait = Math.max(wait, this.#bulkPausedUntil - now);
    for (const ow of this.#opWindows) if (ow.ops.has(w.op)) wait = Math.max(wait, ow.window.waitMs(now));
    return wait;
  }

  #grant(w: Waiter, now: number): void {
    this.#window.record(now);
    for (const ow of this.#opWindows) if (ow.ops.has(w.op)) ow.window.record(now);
    this.#budget.record(now);
    this.#calls.set(w.op, (this.#calls.get(w.op) ?? 0) + 1);
    this.#callsByLane[w.lane]++;
    if (now > w.enqueuedAt) {
      this.#waits++;
      this.#waitedMs += now - w.enqueuedAt;
    }
    this.#onGrant?.({ op: w.op, lane: w.lane, at: now });
    w.resolve();
  }

  #reject(w: Waiter, now: number, wait: number): void {
    this.#rejected++;
    const daily = !Number.isFinite(wait);
    const retryAfterMs = daily ? nextUtcMidnight(now) - now : Math.ceil(wait);
    const why = daily
      ? `${this.crm} daily API share used (${this.#budget.used()}/${this.#budget.cap})`
      : `${this.crm} API rate limit: next slot in ${retryAfterMs} ms, more than the ${this.#maxWaitMs} ms a call may wait`;
    w.reject(new RetryableError(why, 'rate-limit', { retryAfterMs }));
  }

  /**
   * Grants slots in priority order: live waiters first, then bulk. A waiter that can go now goes;
   * otherwise the pump sleeps until the earliest one can, and looks again (a live call that arrived
   * meanwhile then goes before the bulk call that was waiting).
   */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queues.live.length + this.#queues.bulk.length > 0) {
        if (this.#budget.needsLoad(this.#clock())) await this.#budget.load(this.#clock());
        const now = this.#clock();
        let minWait = Number.POSITIVE_INFINITY;
        let granted = false;
        for (const lane of ['live', 'bulk'] as const) {
          const queue = this.#queues[lane];
          for (let i = 0; i < queue.length; ) {
            const w = queue[i]!;
            const wait = this.#waitFor(w, now);
            if (wait <= 0) {
              queue.splice(i, 1);
              this.#grant(w, now);
              granted = true;
              break;
            }
            if (!Number.isFinite(wait) || now + wait - w.enqueuedAt > this.#maxWaitMs) {
              queue.splice(i, 1);
              this.#reject(w, now, wait);
              continue;
            }
            minWait = Math.min(minWait, wait);
            i++;
          }
          if (granted) break;
          // Bulk must not take a slot a waiting live call could use: when live calls wait on the
          // shared window or a pause, bulk ones would wait on the same, so only their own windows differ.
        }
        if (granted) continue;
        if (Number.isFinite(minWait)) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
            void this.#sleep(minWait).then(resolve);
          });
          this.#wake = undefined;
        }
      }
    } finally {
      this.#pumping = false;
    }
  }
}

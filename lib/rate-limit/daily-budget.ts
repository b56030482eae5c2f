import type { CrmSide } from '../domain/notice.ts';
import { type Clock, utcDay } from './clock.ts';

/**
 * Where API usage is counted across processes: the store's `addApiUsage/getApiUsage` (a DynamoDB
 * atomic counter per CRM per UTC day). `add` returns the new total, including other processes' calls.
 */
export interface UsageCounter {
  addApiUsage(crm: CrmSide, day: string, calls: number): Promise<number>;
  getApiUsage(crm: CrmSide, day: string): Promise<number>;
}

export interface DailyBudgetOptions {
  crm: CrmSide;
  /** Calls crmsync may make per UTC day: `dailyLimit * dailyShare`. */
  cap: number;
  usage?: UsageCounter;
  clock: Clock;
  /** Flush local counts after this many calls (default 25)... */
  flushEveryCalls?: number;
  /** ...or when this long has passed since the last flush (default 10 s). */
  flushIntervalMs?: number;
  /** Told when a flush fails; the calls stay pending and go with the next flush. */
  onFlushError?: (error: unknown) => void;
}

/**
 * Today's API usage against crmsync's share of the org's daily allocation. Counts are kept locally
 * and flushed to the shared counter in batches, so counting costs no store call per API call; the
 * total seen at each flush includes other processes, so all of them stay under one cap (give or take
 * one flush interval each).
 */
export class DailyBudget {
  readonly cap: number;
  #day: string | undefined;
  /** Total of the day as the shared counter last reported it (all processes). */
  #base = 0;
  /** Our calls being flushed right now. */
  #inFlight = 0;
  /** Our calls not yet flushed. */
  #pending = 0;
  #lastFlushAt = 0;
  #flushing: Promise<void> = Promise.resolve();
  #loading: Promise<void> | undefined;

  constructor(private readonly opts: DailyBudgetOptions) {
    this.cap = Math.floor(opts.cap);
  }

  /** Calls used today as far as this process knows. */
  used(): number {
    return this.#base + this.#inFlight + this.#pending;
  }

  /**
   * Today's usage as a percentage of the cap (one decimal), or undefined while this process has not
   * loaded today's total: before its first call of the UTC day it knows nothing worth reporting.
   */
  usedPercent(now: number): number | undefined {
    if (this.needsLoad(now)) return undefined;
    if (this.cap <= 0) return 100;
    return Math.round((this.used() / this.cap) * 1000) / 10;
  }

  remaining(): number {
    return Math.max(0, this.cap - this.used());
  }

  /** True when today's state must be (re)loaded before deciding: first use, or a new UTC day. */
  needsLoad(now: number): boolean {
    return this.#day !== utcDay(now);
  }

  /** Loads today's total from the shared counter (once per day per process), flushing yesterday's tail. */
  load(now: number): Promise<void> {
    if (!this.#loading) {
      this.#loading = this.#load(now).finally(() => {
        this.#loading = undefined;
      });
    }
    return this.#loading;
  }

  async #load(now: number): Promise<void> {
    const day = utcDay(now);
    if (this.#day === day) return;
    if (this.#day !== undefined && this.#pending > 0) await this.flush();
    let base = 0;
    if (this.opts.usage) {
      try {
        base = await this.opts.usage.getApiUsage(this.opts.crm, day);
      } catch (error) {
        // The shared counter is a guard, not a dependency: without it we count from zero locally.
        this.opts.onFlushError?.(error);
      }
    }
    this.#day = day;
    this.#base = base;
    this.#pending = 0;
    this.#lastFlushAt = now;
  }

  /** Counts one call; starts a background flush when enough calls or time have accumulated. */
  record(now: number): void {
    this.#pending++;
    const every = this.opts.flushEveryCalls ?? 25;
    const interval = this.opts.flushIntervalMs ?? 10_000;
    if (this.opts.usage && (this.#pending >= every || now - this.#lastFlushAt >= interval)) {
      this.#lastFlushAt = now;
      void this.flush();
    }
  }

  /** Writes pending counts to the shared counter. Resolves when every flush started so far is done. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    const usage = this.opts.usage;
    const day = this.#day;
    const calls = this.#pending;
    if (!usage || day === undefined || calls === 0) return;
    this.#pending -= calls;
    this.#inFlight += calls;
    try {
      const total = await usage.addApiUsage(this.opts.crm, day, calls);
      if (this.#day === day) this.#base = Math.max(this.#base + calls, total);
    } catch (error) {
      if (this.#day === day) this.#pending += calls;
      this.opts.onFlushError?.(error);
    } finally {
      this.#inFlight -= calls;
    }
  }
}

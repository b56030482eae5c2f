/**
 * A small at-least-once delivery queue: items wait for a batching window, are grouped into
 * batches, POSTed, and retried with exponential backoff until the receiver accepts them.
 * Both outbound messages (retried until Ack) and Event Relay deliveries use it.
 */

/** An item waiting for delivery. */
interface Pending<T> {
  item: T;
  attempts: number;
  dueAt: number;
}

/** Options of the queue. */
export interface DeliveryQueueOptions<T> {
  /** Batching window before the first attempt, and the base of the backoff. */
  windowMs: number;
  /** Deliver on timers (true) or only on `flush()` (false). */
  auto: boolean;
  /** Max items per batch. */
  batchSize: number;
  /** Group key: items with different keys never share a batch. */
  groupOf: (item: T) => string;
  /** Send one batch; resolve true when the receiver accepted it. */
  send: (batch: T[]) => Promise<boolean>;
  /** Longest wait between retries. */
  maxBackoffMs?: number;
  /** Parallel batches per run. */
  concurrency?: number;
  now: () => number;
}

/** Outcome counters of a delivery run. */
export interface DeliveryCounts {
  delivered: number;
  failed: number;
}

/** The queue. */
export class DeliveryQueue<T> {
  #pending: Pending<T>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<DeliveryCounts> | undefined;
  #stopped = false;
  /** Items handed to `send` and not yet answered: still owed if the process dies now. */
  readonly #inFlight = new Set<Pending<T>>();
  /** Totals since start (or reset). */
  readonly totals = { delivered: 0, failed: 0, attempts: 0 };

  constructor(readonly options: DeliveryQueueOptions<T>) {}

  /** Number of items not yet accepted. */
  get size(): number {
    return this.#pending.length;
  }

  /** Queue items. */
  push(items: T[]): void {
    if (items.length === 0) return;
    const dueAt = this.options.now() + this.options.windowMs;
    for (const item of items) this.#pending.push({ item, attempts: 0, dueAt });
    this.#schedule();
  }

  /**
   * Every item the receiver has not accepted yet (waiting, backing off, or sent and unanswered):
   * saved with the org's data, because Salesforce keeps retrying across an outage of the receiver.
   */
  unacknowledged(): T[] {
    return [...this.#pending, ...this.#inFlight].map((p) => p.item);
  }

  /** Deliver everything pending now (backoff ignored); waits for a run already in flight first. */
  async flush(): Promise<DeliveryCounts> {
    if (this.#running) await this.#running;
    return this.#run(true);
  }

  /** Stop timers (close). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Forget pending items and totals. */
  reset(): void {
    this.#pending = [];
    this.totals.delivered = 0;
    this.totals.failed = 0;
    this.totals.attempts = 0;
  }

  #schedule(): void {
    if (!this.options.auto || this.#stopped || this.#pending.length === 0) return;
    const next = Math.min(...this.#pending.map((p) => p.dueAt));
    const delay = Math.max(0, next - this.options.now());
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#running) {
        void this.#running.then(() => this.#schedule());
        return;
      }
      void this.#run(false).then(() => this.#schedule());
    }, delay);
    this.#timer.unref();
  }

  #run(all: boolean): Promise<DeliveryCounts> {
    const p = this.#deliver(all).finally(() => {
      if (this.#running === p) this.#running = undefined;
    });
    this.#running = p;
    return p;
  }

  async #deliver(all: boolean): Promise<DeliveryCounts> {
    const now = this.options.now();
    const due = all ? this.#pending : this.#pending.filter((p) => p.dueAt <= now);
    const dueSet = new Set(due);
    this.#pending = this.#pending.filter((p) => !dueSet.has(p));
    const groups = new Map<string, Pending<T>[]>();
    for (const p of due) {
      const k = this.options.groupOf(p.item);
      const g = groups.get(k) ?? [];
      g.push(p);
      groups.set(k, g);
    }
    const batches: Pending<T>[][] = [];
    for (const g of groups.values()) {
      for (let i = 0; i < g.length; i += this.options.batchSize)
        batches.push(g.slice(i, i + this.options.batchSize));
    }
    const counts: DeliveryCounts = { delivered: 0, failed: 0 };
    const retry: Pending<T>[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (!batch) break;
        this.totals.attempts++;
        let ok = false;
        for (const p of batch) this.#inFlight.add(p);
        try {
          ok = await this.options.send(batch.map((p) => p.item));
        } catch {
          ok = false;
        } finally {
          for (const p of batch) this.#inFlight.delete(p);
        }
        if (ok) counts.delivered += batch.length;
        else {
          counts.failed += batch.length;
          for (const p of batch) {
            p.attempts++;
            const backoff = Math.min(
              this.options.windowMs * 2 ** p.attempts,
              this.options.maxBackoffMs ?? 60_000,
            );
            p.dueAt = this.options.now() + backoff;
            retry.push(p);
          }
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.options.concurrency ?? 4, batches.length) }, worker),
    );
    this.#pending.push(...retry);
    this.totals.delivered += counts.delivered;
    this.totals.failed += counts.failed;
    return counts;
  }
}

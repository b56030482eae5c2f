/**
 * A sliding-window rate limiter: at most `limit` hits in any window of `windowMs`.
 * Time comes from an injectable clock so tests are deterministic.
 */
export class SlidingWindowLimiter {
  readonly #hits: number[] = [];
  #start = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  #prune(t: number): void {
    while (this.#start < this.#hits.length && this.#hits[this.#start]! <= t - this.windowMs) this.#start++;
    // Compact occasionally so the array does not grow without bound.
    if (this.#start > 1024 && this.#start * 2 > this.#hits.length) {
      this.#hits.splice(0, this.#start);
      this.#start = 0;
    }
  }

  /** Record a hit if allowed; returns false (and records nothing) when over the limit. */
  tryAcquire(): boolean {
    const t = this.now();
    this.#prune(t);
    if (this.#hits.length - this.#start >= this.limit) return false;
    this.#hits.push(t);
    return true;
  }

  /** Hits left in the current window. */
  remaining(): number {
    this.#prune(this.now());
    return Math.max(0, this.limit - (this.#hits.length - this.#start));
  }

  /** Milliseconds until the oldest hit in the window leaves it (0 when not full). */
  retryAfterMs(): number {
    const t = this.now();
    this.#prune(t);
    if (this.#hits.length - this.#start < this.limit) return 0;
    return Math.max(0, this.#hits[this.#start]! + this.windowMs - t);
  }

  /** Forget all hits. */
  reset(): void {
    this.#hits.length = 0;
    this.#start = 0;
  }
}

/** A fixed daily counter that resets at UTC midnight (HubSpot's and Salesforce's daily quotas). */
export class DailyCounter {
  #day = -1;
  #count = 0;

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  #roll(): void {
    const day = Math.floor(this.now() / 86_400_000);
    if (day !== this.#day) {
      this.#day = day;
      this.#count = 0;
    }
  }

  /** Count a call if under the limit. */
  tryAcquire(): boolean {
    this.#roll();
    if (this.#count >= this.limit) return false;
    this.#count++;
    return true;
  }

  /** Calls used today. */
  used(): number {
    this.#roll();
    return this.#count;
  }

  /** Calls left today. */
  remaining(): number {
    return Math.max(0, this.limit - this.used());
  }

  /** Set the count (tests: simulate a nearly spent quota). */
  setUsed(n: number): void {
    this.#roll();
    this.#count = n;
  }

  /** Forget all calls. */
  reset(): void {
    this.#count = 0;
  }
}

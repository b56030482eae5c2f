/**
 * Counts calls in a sliding window (HubSpot's `TEN_SECONDLY_ROLLING` policy, our own
 * `maxRequestsPer10s` burst cap, the 5 requests/second of HubSpot search). The window only answers
 * "how long until a call may go"; the limiter decides who goes.
 */
export class SlidingWindow {
  readonly #hits: number[] = [];
  #start = 0;

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`window max must be a positive integer, got ${max}`);
    if (!(windowMs > 0)) throw new RangeError(`window length must be positive, got ${windowMs}`);
  }

  #prune(now: number): void {
    while (this.#start < this.#hits.length && this.#hits[this.#start]! <= now - this.windowMs) this.#start++;
    if (this.#start > 1024 && this.#start * 2 > this.#hits.length) {
      this.#hits.splice(0, this.#start);
      this.#start = 0;
    }
  }

  /** Milliseconds until one more call fits in the window (0: now). */
  waitMs(now: number): number {
    this.#prune(now);
    if (this.#hits.length - this.#start < this.max) return 0;
    return Math.max(1, this.#hits[this.#start]! + this.windowMs - now);
  }

  /** Calls in the window ending at `now`. */
  count(now: number): number {
    this.#prune(now);
    return this.#hits.length - this.#start;
  }

  record(now: number): void {
    this.#hits.push(now);
  }
}

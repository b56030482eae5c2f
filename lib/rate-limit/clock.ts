/**
 * Time for the rate limiter and the adapters' retries, injected so tests are deterministic: a test
 * passes a fake clock and a sleep that advances it, and never waits on the wall clock.
 */

/** Milliseconds since the epoch. */
export type Clock = () => number;
/** Resolves after `ms` milliseconds (of the injected clock's time). */
export type Sleep = (ms: number) => Promise<void>;

export const systemClock: Clock = () => Date.now();

export const systemSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, Math.max(0, ms));
  });

/** The UTC day (`YYYY-MM-DD`) of an epoch-ms time: the key API usage is counted under. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Epoch ms of the next UTC midnight after `ms`. */
export function nextUtcMidnight(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

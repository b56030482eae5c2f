import type { CrmSide } from '../../lib/domain/notice.ts';
import { type Clock, RateLimiter, type Sleep, type UsageCounter } from '../../lib/rate-limit/index.ts';

/**
 * A fake clock whose sleep advances it and resolves at once: the limiter's waits become
 * deterministic, and the test can read how much (fake) time passed and which sleeps were asked for.
 */
export function fakeTime(start = Date.UTC(2026, 10, 29, 12, 0, 0)): {
  clock: Clock;
  sleep: Sleep;
  advance(ms: number): void;
  sleeps: number[];
  elapsed(): number;
} {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += Math.max(0, ms);
      // Let other pending promise callbacks run, as a real timer would.
      await Promise.resolve();
    },
    advance: (ms) => {
      now += ms;
    },
    sleeps,
    elapsed: () => now - start,
  };
}

/** An in-memory stand-in for the store's API usage counter, counting how often it is called. */
export function memoryUsage(initial: Record<string, number> = {}): UsageCounter & {
  totals: Map<string, number>;
  adds: number;
  gets: number;
} {
  const totals = new Map(Object.entries(initial));
  const self = {
    totals,
    adds: 0,
    gets: 0,
    async addApiUsage(crm: CrmSide, day: string, calls: number): Promise<number> {
      self.adds++;
      const key = `${crm}:${day}`;
      const total = (totals.get(key) ?? 0) + calls;
      totals.set(key, total);
      return total;
    },
    async getApiUsage(crm: CrmSide, day: string): Promise<number> {
      self.gets++;
      return totals.get(`${crm}:${day}`) ?? 0;
    },
  };
  return self;
}

/**
 * A Salesforce limiter with room to spare (1,000 calls per 10 s) on a fake clock (a fresh one unless given): the adapter
 * tests' calls never wait on it, and any wait it asks for is instant.
 */
export function roomySalesforceLimiter(time = fakeTime()): RateLimiter {
  return new RateLimiter({
    crm: 'salesforce',
    maxRequestsPer10s: 1000,
    dailyLimit: 100_000,
    dailyShare: 0.5,
    clock: time.clock,
    sleep: time.sleep,
  });
}

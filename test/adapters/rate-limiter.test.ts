import { describe, expect, it, vi } from 'vitest';
import { RetryableError } from '../../lib/errors.ts';
import {
  CallTimeoutError,
  limitedCall,
  parseHubSpotRateLimit,
  parseRetryAfter,
  parseSforceLimitInfo,
  RateLimiter,
  type RateLimiterOptions,
  withTimeout,
} from '../../lib/rate-limit/index.ts';
import { fakeTime, memoryUsage } from './fake-time.ts';

function limiter(overrides: Partial<RateLimiterOptions> = {}, time = fakeTime()) {
  const l = new RateLimiter({
    crm: 'hubspot',
    maxRequestsPer10s: 10,
    dailyLimit: 1_000_000,
    dailyShare: 1,
    clock: time.clock,
    sleep: time.sleep,
    ...overrides,
  });
  return { l, time };
}

describe('RateLimiter: burst window', () => {
  it('never grants more than maxRequestsPer10s calls in any 10-second window', async () => {
    const grantedAt: number[] = [];
    const { l, time } = limiter({ maxRequestsPer10s: 10, onGrant: (g) => grantedAt.push(g.at) });
    await Promise.all(Array.from({ length: 35 }, () => l.acquire('contacts.batch.read')));
    expect(grantedAt).toHaveLength(35);
    for (let i = 0; i + 10 < grantedAt.length; i++)
      expect(grantedAt[i + 10]! - grantedAt[i]!).toBeGreaterThanOrEqual(10_000);
    // It waited instead of failing: three full windows of waiting on the fake clock.
    expect(time.elapsed()).toBeGreaterThanOrEqual(30_000);
    expect(l.counters().calls['contacts.batch.read']).toBe(35);
    expect(l.counters().rejected).toBe(0);
  });

  it('an operation window (HubSpot search, 4 per second here) holds search calls back but not others', async () => {
    const searchAt: number[] = [];
    const { l, time } = limiter({
      maxRequestsPer10s: 100,
      operationWindows: [{ ops: ['contacts.search'], max: 4, windowMs: 1000 }],
      onGrant: (g) => searchAt.push(g.at),
    });
    await Promise.all(Array.from({ length: 8 }, () => l.acquire('contacts.search')));
    expect(searchAt[4]! - searchAt[0]!).toBeGreaterThanOrEqual(1000);
    const before = time.clock();
    await Promise.all(Array.from({ length: 8 }, () => l.acquire('contacts.batch.read')));
    expect(time.clock()).toBe(before);
  });
});

describe('RateLimiter: lanes', () => {
  it('bulk yields to live: live calls that arrive while bulk calls wait are granted first', async () => {
    const { l } = limiter({ maxRequestsPer10s: 2 });
    const order: string[] = [];
    let live: Promise<unknown>[] = [];
    const bulk = Array.from({ length: 6 }, (_, i) =>
      l.acquire('resync', 'bulk').then(() => {
        order.push(`b${i}`);
        if (i === 0) {
          live = [0, 1].map((j) => l.acquire('sync', 'live').then(() => order.push(`l${j}`)));
        }
      }),
    );
    await Promise.all(bulk);
    await Promise.all(live);
    expect(order).toEqual(['b0', 'b1', 'l0', 'l1', 'b2', 'b3', 'b4', 'b5']);
    expect(l.counters().callsByLane).toEqual({ live: 2, bulk: 6 });
  });

  it('a live call arriving while the limiter sleeps for a paused bulk call is not held behind that sleep', async () => {
    let now = 0;
    const sleeps: { ms: number; resolve: () => void }[] = [];
    const l = new RateLimiter({
      crm: 'salesforce',
      maxRequestsPer10s: 100,
      dailyLimit: 1000,
      dailyShare: 1,
      maxWaitMs: 60_000,
      orgExhaustedPauseMs: 30_000,
      clock: () => now,
      // A sleep that only ends when the test says: the limiter must not need it to end.
      sleep: (ms) => new Promise<void>((resolve) => sleeps.push({ ms, resolve })),
    });
    l.observeOrgUsage(950, 1000); // bulk paused for 30 s
    const bulk = l.acquire('import', 'bulk');
    await vi.waitFor(() => expect(sleeps).toHaveLength(1));
    const live = l.acquire('sync', 'live');
    await vi.waitFor(() => expect(l.counters().callsByLane).toEqual({ live: 1, bulk: 0 }));
    await live;
    now = 30_000;
    for (const s of sleeps) s.resolve();
    await bulk;
    expect(l.counters().callsByLane).toEqual({ live: 1, bulk: 1 });
  });

  it('bulk stops at (1 - liveReserve) of the daily share; live may use the rest', async () => {
    const time = fakeTime();
    const usage = memoryUsage({ [`salesforce:${new Date(time.clock()).toISOString().slice(0, 10)}`]: 40 });
    const { l } = limiter(
      {
        crm: 'salesforce',
        maxRequestsPer10s: 1000,
        dailyLimit: 100,
        dailyShare: 0.5,
        liveReserve: 0.1,
        usage,
      },
      time,
    );
    const bulk = await Promise.allSettled(Array.from({ length: 8 }, () => l.acquire('import', 'bulk')));
    expect(bulk.filter((r) => r.status === 'fulfilled')).toHaveLength(5); // 40 + 5 = 45 = 90% of 50
    const rejected = bulk.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(RetryableError);
    expect((rejected.reason as RetryableError).category).toBe('rate-limit');
    // Retry at the next UTC midnight: 12 hours after the fake clock's noon.
    expect((rejected.reason as RetryableError).retryAfterMs).toBe(12 * 3600_000);
    const live = await Promise.allSettled(Array.from({ length: 8 }, () => l.acquire('sync', 'live')));
    expect(live.filter((r) => r.status === 'fulfilled')).toHaveLength(5); // up to the cap of 50
  });
});

describe('RateLimiter: daily share through a shared usage counter', () => {
  it('counts calls locally and flushes them in batches, not one store call per API call', async () => {
    const time = fakeTime();
    const usage = memoryUsage();
    const { l } = limiter(
      { maxRequestsPer10s: 1000, dailyLimit: 10_000, dailyShare: 0.5, usage, flushEveryCalls: 25 },
      time,
    );
    for (let i = 0; i < 100; i++) await l.acquire('contacts.batch.update');
    await l.flush();
    const day = new Date(time.clock()).toISOString().slice(0, 10);
    expect(usage.totals.get(`hubspot:${day}`)).toBe(100);
    expect(usage.gets).toBe(1);
    expect(usage.adds).toBeLessThanOrEqual(5);
    expect(l.counters()).toMatchObject({ dailyUsed: 100, dailyCap: 5000, total: 100 });
  });

  it("sees other processes' usage at each flush and stops at the shared cap", async () => {
    const time = fakeTime();
    const usage = memoryUsage();
    const day = new Date(time.clock()).toISOString().slice(0, 10);
    const { l } = limiter(
      { maxRequestsPer10s: 1000, dailyLimit: 100, dailyShare: 1, usage, flushEveryCalls: 10 },
      time,
    );
    for (let i = 0; i < 10; i++) await l.acquire('x');
    await l.flush();
    usage.totals.set(`hubspot:${day}`, (usage.totals.get(`hubspot:${day}`) ?? 0) + 85); // another process
    await l.acquire('x');
    for (let i = 0; i < 9; i++) await l.acquire('x');
    await l.flush(); // the flush reports 10 + 85 + 10 = 105 >= 100
    await expect(l.acquire('x')).rejects.toBeInstanceOf(RetryableError);
  });

  it('a new UTC day starts from the shared counter again', async () => {
    const time = fakeTime(Date.UTC(2026, 10, 29, 23, 59, 0));
    const usage = memoryUsage();
    const { l } = limiter({ maxRequestsPer10s: 1000, dailyLimit: 10, dailyShare: 1, usage }, time);
    for (let i = 0; i < 10; i++) await l.acquire('x');
    await expect(l.acquire('x')).rejects.toBeInstanceOf(RetryableError);
    time.advance(2 * 60_000);
    await expect(l.acquire('x')).resolves.toBeUndefined();
    await l.flush();
    expect(usage.totals.get('hubspot:2026-11-29')).toBe(10);
    expect(usage.totals.get('hubspot:2026-11-30')).toBe(1);
  });
});

describe('RateLimiter: pauses from the CRM', () => {
  it('pauseFor within maxWaitMs makes callers wait, then go', async () => {
    const { l, time } = limiter({ maxWaitMs: 60_000 });
    l.pauseFor(7_000);
    await l.acquire('x');
    expect(time.elapsed()).toBe(7_000);
    expect(l.counters()).toMatchObject({ waits: 1, waitedMs: 7_000 });
  });

  it('a pause longer than maxWaitMs turns callers away with a RetryableError carrying the wait', async () => {
    const { l } = limiter({ maxWaitMs: 60_000 });
    l.pauseFor(5 * 60_000);
    const error = await l.acquire('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).category).toBe('rate-limit');
    expect((error as RetryableError).retryAfterMs).toBe(5 * 60_000);
    expect(l.counters().rejected).toBe(1);
  });

  it('X-HubSpot-RateLimit-Remaining: 0 pauses for the interval before HubSpot says 429', async () => {
    const { l, time } = limiter();
    l.observeHubSpot(
      parseHubSpotRateLimit({
        'x-hubspot-ratelimit-remaining': '0',
        'x-hubspot-ratelimit-interval-milliseconds': '10000',
      }),
    );
    await l.acquire('x');
    expect(time.elapsed()).toBe(10_000);
  });

  it('Sforce-Limit-Info near the allocation stops bulk but not live; at the allocation it stops both', async () => {
    const { l } = limiter({ crm: 'salesforce', orgBulkStopRatio: 0.9 });
    l.observeOrgUsage(95_000, 100_000);
    await expect(l.acquire('import', 'bulk')).rejects.toBeInstanceOf(RetryableError);
    await expect(l.acquire('sync', 'live')).resolves.toBeUndefined();
    l.observeOrgUsage(100_000, 100_000);
    await expect(l.acquire('sync', 'live')).rejects.toBeInstanceOf(RetryableError);
  });
});

describe('limitedCall: bounded retries through the limiter', () => {
  it('a rate-limited answer pauses the limiter and the call goes again after the pause', async () => {
    const { l, time } = limiter();
    let calls = 0;
    const result = await limitedCall({
      limiter: l,
      op: 'contacts.batch.read',
      lane: 'live',
      call: async () => {
        calls++;
        if (calls <= 2) throw new Error('429');
        return 'ok';
      },
      classify: () => ({ kind: 'rate-limited', waitMs: 2_000, message: '429' }),
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(time.elapsed()).toBe(4_000);
    expect(l.counters()).toMatchObject({ rateLimited: 2, total: 3 });
  });

  it('transient failures back off exponentially and end in a RetryableError', async () => {
    const { l, time } = limiter();
    const error = await limitedCall({
      limiter: l,
      op: 'x',
      lane: 'live',
      maxAttempts: 4,
      backoffMs: 100,
      call: async () => {
        throw new Error('503');
      },
      classify: () => ({ kind: 'transient', category: 'server', message: '503' }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).category).toBe('server');
    expect(time.sleeps).toEqual([100, 200, 400]);
    expect(l.counters()).toMatchObject({ total: 4, retries: 3 });
  });

  it('a non-idempotent call is repeated only when the CRM certainly did not apply it', async () => {
    const { l } = limiter();
    let calls = 0;
    const ambiguous = await limitedCall({
      limiter: l,
      op: 'create',
      lane: 'live',
      idempotent: false,
      call: async () => {
        calls++;
        throw new Error('timeout');
      },
      classify: () => ({ kind: 'transient', category: 'timeout', message: 'timeout' }),
    }).catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(RetryableError);
    expect(calls).toBe(1);
    const result = await limitedCall({
      limiter: l,
      op: 'create',
      lane: 'live',
      idempotent: false,
      call: async () => {
        calls++;
        if (calls < 3) throw new Error('503');
        return 'created';
      },
      classify: () => ({ kind: 'transient', category: 'server', message: '503', notProcessed: true }),
    });
    expect(result).toBe('created');
  });

  it('a fatal failure is thrown at once, without retry', async () => {
    const { l } = limiter();
    const boom = new Error('401');
    await expect(
      limitedCall({
        limiter: l,
        op: 'x',
        lane: 'live',
        call: async () => {
          throw new Error('raw');
        },
        classify: () => ({ kind: 'fatal', error: boom }),
      }),
    ).rejects.toBe(boom);
    expect(l.counters().total).toBe(1);
  });

  it('withTimeout turns a hung call into a CallTimeoutError', async () => {
    const never = new Promise<never>(() => {});
    await expect(withTimeout(never, 5, 'test')).rejects.toBeInstanceOf(CallTimeoutError);
  });
});

describe('vendor rate-limit headers', () => {
  it('Retry-After as seconds and as an HTTP-date', () => {
    const now = Date.UTC(2026, 10, 29, 12, 0, 0);
    expect(parseRetryAfter({ 'Retry-After': '3' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': 'Sun, 29 Nov 2026 12:00:10 GMT' }, now)).toBe(10_000);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });

  it('Sforce-Limit-Info: api-usage=N/M, with or without per-app usage', () => {
    expect(parseSforceLimitInfo('api-usage=61/100000')).toEqual({ used: 61, limit: 100000 });
    expect(parseSforceLimitInfo('api-usage=18/5000; per-app-api-usage=17/250(appName=sample-app)')).toEqual({
      used: 18,
      limit: 5000,
    });
    expect(parseSforceLimitInfo('per-app-api-usage=17/250(appName=x)')).toBeUndefined();
    expect(parseSforceLimitInfo(undefined)).toBeUndefined();
  });

  it('X-HubSpot-RateLimit-* headers, whatever their case', () => {
    expect(
      parseHubSpotRateLimit({
        'X-HubSpot-RateLimit-Max': '190',
        'x-hubspot-ratelimit-remaining': '12',
        'X-HUBSPOT-RATELIMIT-DAILY': '650000',
        'x-hubspot-ratelimit-daily-remaining': '649000',
      }),
    ).toEqual({ max: 190, remaining: 12, daily: 650000, dailyRemaining: 649000 });
  });
});

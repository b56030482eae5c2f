import { describe, expect, it } from 'vitest';
import { msUntilNext, parseSchedule, Scheduler } from '../../lib/local/scheduler.ts';

describe('local schedules (EventBridge expressions as in-process timers)', () => {
  it('parses the config expressions: rate, daily/hourly cron, off', () => {
    expect(parseSchedule('rate(5 minutes)')).toEqual({ kind: 'rate', everyMs: 300_000 });
    expect(parseSchedule('rate(1 hour)')).toEqual({ kind: 'rate', everyMs: 3_600_000 });
    expect(parseSchedule('cron(0 3 * * ? *)')).toEqual({ kind: 'cron', minute: 0, hour: 3 });
    expect(parseSchedule('cron(15 * * * ? *)')).toEqual({ kind: 'cron', minute: 15, hour: null });
    expect(parseSchedule('off')).toEqual({ kind: 'off' });
    expect(() => parseSchedule('cron(0 3 1 * ? *)')).toThrow(/unsupported schedule expression/);
    expect(() => parseSchedule('every 5 minutes')).toThrow(RangeError);
  });

  it('computes the next cron run in UTC', () => {
    const at = Date.UTC(2026, 10, 29, 5, 30);
    expect(msUntilNext({ kind: 'cron', minute: 0, hour: 3 }, at)).toBe(Date.UTC(2026, 10, 30, 3, 0) - at);
    expect(msUntilNext({ kind: 'cron', minute: 45, hour: null }, at)).toBe(15 * 60_000);
    expect(msUntilNext({ kind: 'off' }, at)).toBeUndefined();
  });

  it('never runs a job twice at once, records failures, and stops', async () => {
    const scheduler = new Scheduler(() => 1_000);
    let release: () => void = () => {};
    let runs = 0;
    scheduler.add('resync', 'off', async () => {
      runs++;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    scheduler.add('broken', 'off', async () => {
      throw new Error('no segment');
    });
    const first = scheduler.runNow('resync');
    const second = scheduler.runNow('resync');
    release();
    await Promise.all([first, second]);
    expect(runs).toBe(1);
    await scheduler.runNow('broken');
    const states = Object.fromEntries(scheduler.states().map((s) => [s.name, s]));
    expect(states.resync?.runs).toBe(1);
    expect(states.broken?.lastError).toBe('no segment');
    expect(states.resync?.nextRunAt).toBeNull();
    await scheduler.stop();
    await expect(scheduler.runNow('missing')).rejects.toThrow(/no scheduled job/);
  });
});

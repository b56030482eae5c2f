import { idleSchedule } from '../admin/status.ts';
import type { ScheduleState } from '../admin/services.ts';
/**
 * The EventBridge schedules of the AWS stack (segment refresh, resync, poll) as in-process timers.
 * Accepts the same expressions as the config: `rate(N minute|minutes|hour|hours|day|days)`,
 * `cron(min hour day-of-month month day-of-week year)` (the subset with numbers, `*` and `?`), and `off`.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */

/** A parsed schedule expression. */
export type Schedule =
  | { kind: 'off' }
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; minute: number; hour: number | null };

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Parses a schedule expression; throws RangeError on anything else. */
export function parseSchedule(expression: string): Schedule {
  if (expression === 'off') return { kind: 'off' };
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) return { kind: 'rate', everyMs: Number(rate[1]) * UNIT_MS[rate[2] as keyof typeof UNIT_MS] };
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?\)$/.exec(expression);
  if (cron) {
    const [, min, hour, dom, month, dow] = cron;
    const minute = Number(min);
    // Locally only "every day at H:M" and "every hour at :M" matter (the example's nightly resync).
    const simple = [dom, month].every((f) => f === '*' || f === '?') && (dow === '*' || dow === '?');
    if (simple && Number.isInteger(minute) && minute >= 0 && minute < 60) {
      if (hour === '*') return { kind: 'cron', minute, hour: null };
      const h = Number(hour);
      if (Number.isInteger(h) && h >= 0 && h < 24) return { kind: 'cron', minute, hour: h };
    }
  }
  throw new RangeError(
    `unsupported schedule expression "${expression}": use rate(N minutes|hours|days), cron(M H * * ? *) or off`,
  );
}

/** Milliseconds from `now` until the next run of a schedule (UTC, as EventBridge evaluates cron). */
export function msUntilNext(schedule: Schedule, now: number): number | undefined {
  if (schedule.kind === 'off') return undefined;
  if (schedule.kind === 'rate') return schedule.everyMs;
  const d = new Date(now);
  const next = new Date(now);
  next.setUTCSeconds(0, 0);
  next.setUTCMinutes(schedule.minute);
  if (schedule.hour === null) {
    if (next.getTime() <= d.getTime()) next.setUTCHours(next.getUTCHours() + 1);
  } else {
    next.setUTCHours(schedule.hour);
    if (next.getTime() <= d.getTime()) next.setUTCDate(next.getUTCDate() + 1);
  }
  return next.getTime() - now;
}

export type { ScheduleState };

interface Job {
  state: ScheduleState;
  schedule: Schedule;
  fn: () => Promise<unknown>;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void> | undefined;
}

/**
 * Runs named jobs on their schedules, never two runs of one job at once (a run that is still going
 * when the next is due is skipped, as a Lambda with reserved concurrency 1 would throttle it).
 */
export class Scheduler {
  readonly #jobs = new Map<string, Job>();
  #stopped = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Registers a job and arms its timer. `off` registers it for manual runs only. */
  add(name: string, expression: string, fn: () => Promise<unknown>): void {
    const schedule = parseSchedule(expression);
    const job: Job = {
      schedule,
      fn,
      timer: undefined,
      inFlight: undefined,
      state: idleSchedule(name, expression),
    };
    this.#jobs.set(name, job);
    this.#arm(job);
  }

  /** Runs a job now (dashboard, CLI, tests); joins the run in flight if there is one. */
  runNow(name: string): Promise<void> {
    const job = this.#jobs.get(name);
    if (!job) return Promise.reject(new Error(`no scheduled job "${name}"`));
    return this.#run(job);
  }

  /** The state of every job. */
  states(): ScheduleState[] {
    return [...this.#jobs.values()].map((j) => ({ ...j.state }));
  }

  /** Disarms every timer and waits for runs in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const job of this.#jobs.values()) clearTimeout(job.timer);
    await Promise.all([...this.#jobs.values()].map((j) => j.inFlight));
  }

  #arm(job: Job): void {
    const wait = msUntilNext(job.schedule, this.now());
    if (wait === undefined || this.#stopped) {
      job.state.nextRunAt = null;
      return;
    }
    job.state.nextRunAt = this.now() + wait;
    // Node timers cap at ~24.8 days; every schedule here is well under that.
    job.timer = setTimeout(() => {
      void this.#run(job).finally(() => this.#arm(job));
    }, wait);
    job.timer.unref();
  }

  #run(job: Job): Promise<void> {
    if (job.inFlight) return job.inFlight;
    const started = this.now();
    job.state.running = true;
    job.inFlight = (async () => {
      try {
        await job.fn();
        job.state.lastError = null;
      } catch (error) {
        job.state.lastError = error instanceof Error ? error.message : String(error);
      } finally {
        job.state.running = false;
        job.state.lastRunAt = started;
        job.state.lastDurationMs = this.now() - started;
        job.state.runs++;
        job.inFlight = undefined;
      }
    })();
    return job.inFlight;
  }
}

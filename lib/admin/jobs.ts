import { z } from 'zod';
import { salesforceObjectSchema } from '../domain/notice.ts';
import type { Log } from '../observability/observability.ts';
import type { JobKind, JobProgressStore } from '../ports.ts';
import { companyCounts, runResyncWithCompanies } from '../sync/company-resync.ts';
import { pauseAfter } from '../sync/resync.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import type { AdminJobs } from './admin-services.ts';
import { IMPORT_IDLE, type ImportProgress, ImportTracker } from './import-tracker.ts';
import type { ResyncProgress } from './services.ts';

/**
 * The long jobs in a deployed stack. The admin function answers within API Gateway's 30 s: it claims
 * the job in the store and hands it to the job function (an asynchronous invocation), which runs it
 * and saves its progress in the store, where `GET /api/status` and `GET /api/import` read it.
 */

/** What the job function is invoked with. */
export const jobRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('resync') }),
  z.object({
    kind: z.literal('import'),
    objects: z
      .array(z.union([salesforceObjectSchema, z.literal('Account')]))
      .min(1)
      .max(3),
  }),
]);
export type JobRequest = z.infer<typeof jobRequestSchema>;

/** Hands a job to the function that runs it (Lambda `InvokeFunction` with `InvocationType: Event`). */
export interface JobLauncher {
  launch(request: JobRequest): Promise<void>;
}

export const RESYNC_IDLE: ResyncProgress = {
  running: false,
  startedAt: null,
  finishedAt: null,
  total: 0,
  enqueued: 0,
  processed: 0,
  error: null,
};

/** A run that has not reported for longer than a Lambda can live (15 min) has died: another may start. */
const STALE_MS = 16 * 60_000;

/** The admin side: start a job unless one runs (claimed in the store), and read its progress. */
export function deployedJobs(opts: {
  progress: JobProgressStore;
  launcher: JobLauncher;
  now: () => number;
}): AdminJobs {
  const { progress, launcher, now } = opts;
  const read = async <T>(kind: JobKind, idle: T): Promise<T> =>
    ((await progress.read(kind))?.progress as T | undefined) ?? idle;
  const start = async <T>(kind: JobKind, initial: T, request: JobRequest, idle: T): Promise<T> => {
    const at = now();
    if (!(await progress.claim(kind, initial, at, at - STALE_MS))) return read(kind, idle);
    try {
      await launcher.launch(request);
    } catch (error) {
      // The job never started: release the claim so the next try is not refused for 16 minutes.
      const failed = { ...initial, running: false, finishedAt: now(), error: describe(error) };
      await progress.save(kind, { running: false, heartbeatAt: now(), progress: failed });
      throw error;
    }
    return initial;
  };
  return {
    startResync: () =>
      start('resync', { ...RESYNC_IDLE, running: true, startedAt: now() }, { kind: 'resync' }, RESYNC_IDLE),
    resyncProgress: () => read('resync', RESYNC_IDLE),
    import: {
      start: (objects) =>
        start(
          'import',
          { ...IMPORT_IDLE, running: true, startedAt: now() },
          { kind: 'import', objects },
          IMPORT_IDLE,
        ),
      progress: () => read('import', IMPORT_IDLE),
    },
  };
}

/** The job function's side: runs one job over the `bulk` lane, saving its progress as it goes. */
/** How long an admin-started resync runs in one invocation before it pauses with its checkpoint. */
export const RESYNC_JOB_BUDGET_MS = 13 * 60_000;

export async function runJob(
  request: JobRequest,
  deps: SyncDeps,
  store: JobProgressStore,
  log: Log,
): Promise<ResyncProgress | ImportProgress> {
  // Saves one after another, so a slow early write never lands after (and hides) the final one.
  let saved = Promise.resolve();
  const save = (kind: JobKind, p: ResyncProgress | ImportProgress): Promise<void> => {
    saved = saved.then(() =>
      store.save(kind, { running: p.running, heartbeatAt: deps.now(), progress: p }).catch((error) => {
        // A lost progress write only delays what the status shows; the job itself goes on.
        log.warn('job progress save failed', { kind, error: describe(error) });
      }),
    );
    return saved;
  };
  if (request.kind === 'import') {
    // As a resync: it pauses after 13 minutes with its checkpoints, and the scheduled refresh continues it.
    const tracker = new ImportTracker(
      deps,
      (p) => save('import', p),
      pauseAfter(deps.now, RESYNC_JOB_BUDGET_MS),
    );
    tracker.start(request.objects);
    const done = await tracker.settled();
    await saved;
    return done;
  }
  let p: ResyncProgress = { ...RESYNC_IDLE, running: true, startedAt: deps.now() };
  try {
    // A Lambda stops at 15 minutes: the run pauses after 13 with its checkpoint in the store, and the
    // scheduled segment refresh (functions/segment-refresh.ts) continues it until done.
    const result = await runResyncWithCompanies(
      deps,
      (step) => {
        p = { ...p, total: step.total ?? Math.max(p.total, step.done), enqueued: step.done };
        void save('resync', p);
      },
      { shouldPause: pauseAfter(deps.now, RESYNC_JOB_BUDGET_MS) },
    );
    p = {
      ...p,
      running: false,
      finishedAt: result.done ? deps.now() : null,
      enqueued: result.queued,
      total: Math.max(result.queued, p.total),
      ...(result.companies ? { companies: companyCounts(result.companies) } : {}),
    };
  } catch (error) {
    p = { ...p, running: false, finishedAt: deps.now(), error: describe(error) };
  }
  await save('resync', p);
  return p;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

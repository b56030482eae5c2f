import type { ChangeNotice } from '../domain/notice.ts';
import { CheckpointLeaseError } from '../errors.ts';
import { continueImports, type ImportResult } from './import-salesforce.ts';
import {
  loadActiveSegment,
  type RefreshResult,
  reconcileSegment,
  refreshSegment,
} from './segment-refresh.ts';
import { currentSettings, type ProgressListener, type SyncDeps } from './sync-deps.ts';

export interface ResyncResult {
  /** The segment resynced, or null: every contact (R2). */
  segmentId: string | null;
  /** Resync notices queued by this run so far (across invocations). */
  queued: number;
  /** False when the run paused (time budget) with a checkpoint; the next call resumes it. */
  done: boolean;
  /**
   * True when another invocation holds the run's lease (it is running it now): this call did
   * nothing, so that no page is read and queued twice (docs/design.md#resync-lease).
   */
  heldElsewhere?: true;
}

export interface ResyncOptions {
  /**
   * Asked after each page: true pauses the run with its checkpoint stored (e.g. when a Lambda has
   * under a minute left); the next `runResync` resumes where it stopped.
   */
  shouldPause?: () => boolean;
}

/** The store's checkpoint name of the (one) running resync. */
export const RESYNC_CHECKPOINT = 'resync';

/**
 * How long a running resync holds its checkpoint without writing it. The run renews the lease with
 * every page's checkpoint (a page takes seconds), releases it when it pauses, and lets it lapse only
 * by crashing: then the next scheduled refresh (every 5 minutes in AWS) takes the run over.
 */
export const RESYNC_LEASE_MS = 2 * 60_000;

/** Where a resync run stands: stored after every page, removed when the run is done. */
export interface ResyncCheckpoint {
  run: string;
  at: number;
  segmentId: string | null;
  /** The position of the next page (absent: the first page). */
  after?: string;
  queued: number;
}

/** The stored checkpoint when it has the expected shape (the store keeps it as opaque JSON). */
function asCheckpoint(v: Record<string, unknown> | undefined): ResyncCheckpoint | undefined {
  if (!v || typeof v['run'] !== 'string' || typeof v['at'] !== 'number' || typeof v['queued'] !== 'number')
    return undefined;
  const segmentId = v['segmentId'];
  if (segmentId !== null && typeof segmentId !== 'string') return undefined;
  const cp: ResyncCheckpoint = { run: v['run'], at: v['at'], segmentId, queued: v['queued'] };
  if (typeof v['after'] === 'string') cp.after = v['after'];
  return cp;
}

/** The running resync's checkpoint, or undefined: for the status (progress) and for resuming. */
export async function resyncCheckpoint(deps: Pick<SyncDeps, 'store'>): Promise<ResyncCheckpoint | undefined> {
  return asCheckpoint(await deps.store.getCheckpoint(RESYNC_CHECKPOINT));
}

/**
 * Manual resync of the segment (R5): every current member — or every contact when no segment is
 * set (R2) — gets a `resync` notice. The processor then syncs them in batches like any change; a
 * record whose two sides already agree produces no write (the three-way merge finds nothing to do).
 *
 * It streams: page by page it reads the members (the segment's join order, which also reconciles
 * the stored membership: joins and leaves), queues their notices and stores a checkpoint, so memory
 * holds one page and a run can pause (`shouldPause`) and resume — after a crash too — from the next
 * page, never from the start. Notices carry `<run>:<contact id>` as event id: the only window for a
 * second copy is a crash between a page's send and its checkpoint, and the processor drops that copy
 * as a duplicate event.
 */
export async function runResync(
  deps: SyncDeps,
  onProgress?: ProgressListener,
  options: ResyncOptions = {},
): Promise<ResyncResult> {
  const settings = await currentSettings(deps);
  const segmentId = settings.inclusionSegmentId;
  const resumed = await resyncCheckpoint(deps);
  // A checkpoint of another segment (changed meanwhile) is dropped: this run covers today's choice.
  const at = deps.now();
  let cp: ResyncCheckpoint =
    resumed && resumed.segmentId === segmentId ? resumed : { run: `resync:${at}`, at, segmentId, queued: 0 };
  // This invocation's lease on the run: renewed by every checkpoint, released when it stops.
  // Unique enough among the few invocations that could meet on one run; not a secret.
  const holder = `${at}-${Math.random().toString(36).slice(2, 12)}`;
  const save = (value: ResyncCheckpoint | null, hold: boolean) => {
    const now = deps.now();
    return deps.store.putCheckpoint(RESYNC_CHECKPOINT, value && { ...value }, {
      holder,
      until: hold ? now + RESYNC_LEASE_MS : now,
      now,
    });
  };
  const queuePage = async (ids: string[]) => {
    const notices: ChangeNotice[] = ids.map((id) => ({
      source: 'hubspot',
      objectType: 'contact',
      recordId: id,
      kind: 'resync',
      eventId: `${cp.run}:${id}`,
      occurredAt: cp.at,
    }));
    if (notices.length > 0) await deps.queue.send(notices);
    cp = { ...cp, queued: cp.queued + notices.length };
    onProgress?.({ phase: 'queueing resync notices', done: cp.queued });
  };
  const checkpoint = async (next: string | undefined): Promise<'continue' | 'pause'> => {
    const { after: _previous, ...rest } = cp;
    cp = next ? { ...rest, after: next } : rest;
    // A pause releases the lease, so the next scheduled refresh continues at once.
    const pause = options.shouldPause?.() === true;
    await save(cp, !pause);
    return pause ? 'pause' : 'continue';
  };
  try {
    await save(cp, true);
  } catch (error) {
    if (error instanceof CheckpointLeaseError)
      return { segmentId, queued: cp.queued, done: false, heldElsewhere: true };
    throw error;
  }

  let paused: boolean;
  try {
    paused = await queueAll(deps, settings, cp, { queuePage, checkpoint });
  } catch (error) {
    // Another invocation took the run over (this one stalled past its lease): it carries on alone.
    if (error instanceof CheckpointLeaseError)
      return { segmentId, queued: cp.queued, done: false, heldElsewhere: true };
    // A failure (not a crash) releases the lease: the next call resumes now, not when it lapses.
    await save(cp, false).catch(() => undefined);
    throw error;
  }
  if (!paused)
    await save(null, false).catch((e: unknown) => {
      if (!(e instanceof CheckpointLeaseError)) throw e;
    });
  return { segmentId, queued: cp.queued, done: !paused };
}

/** Reads the members (or every contact, R2) page by page and queues them; true when it paused. */
async function queueAll(
  deps: SyncDeps,
  settings: Awaited<ReturnType<typeof currentSettings>>,
  cp: ResyncCheckpoint,
  page: {
    queuePage: (ids: string[]) => Promise<void>;
    checkpoint: (next: string | undefined) => Promise<'continue' | 'pause'>;
  },
): Promise<boolean> {
  const segmentId = settings.inclusionSegmentId;
  if (segmentId) {
    await loadActiveSegment(deps.hubspot, segmentId); // R1: exists and is DYNAMIC, or a clear error
    const run = await reconcileSegment(deps, segmentId, {
      run: cp.run,
      at: cp.at,
      // Not loaded yet (just chosen): the members are the starting point, not joins (R4).
      record: settings.segmentLoaded,
      ...(cp.after ? { from: cp.after } : {}),
      onMembers: page.queuePage,
      onPage: page.checkpoint,
    });
    if (!run.paused && !settings.segmentLoaded) {
      await deps.store.putSettings({ ...settings, segmentLoaded: true }, settings.version);
    }
    return run.paused;
  }
  // R2: no segment — every HubSpot contact, page by page.
  let after = cp.after;
  for (;;) {
    const contacts = await deps.hubspot.listContacts(['email'], after);
    await page.queuePage(contacts.contacts.map((c) => c.id));
    if ((await page.checkpoint(contacts.after)) === 'pause' && contacts.after) return true;
    if (!contacts.after) return false;
    after = contacts.after;
  }
}

/** A `shouldPause` that says yes once `budgetMs` have passed since it was made (a Lambda's time budget). */
export function pauseAfter(now: () => number, budgetMs: number): () => boolean {
  const deadline = now() + budgetMs;
  return () => now() >= deadline;
}

/** A resync as the scheduled refresh continues it: whether one is unfinished, and how to run it. */
export interface ResyncRunner {
  pending(deps: Pick<SyncDeps, 'store'>): Promise<boolean>;
  run(deps: SyncDeps, onProgress?: ProgressListener, options?: ResyncOptions): Promise<ResyncResult>;
}

const CONTACT_RESYNC: ResyncRunner = {
  pending: async (deps) => (await resyncCheckpoint(deps)) !== undefined,
  run: runResync,
};

/**
 * The scheduled segment refresh. A resync of a large segment does not fit one invocation: it pauses
 * with its checkpoint, and each scheduled refresh continues it (within `budgetMs`) until it is done —
 * the reconciliation it runs also finds the joins a refresh would. A stalled import (paused or
 * crashed) is continued the same way. With neither pending, it is a plain (usually incremental) refresh.
 */
export async function runScheduledRefresh(
  deps: SyncDeps,
  budgetMs: number,
  /** Which resync to continue: the contact one by default; lib/sync/company-resync.ts passes the one covering companies. */
  resync: ResyncRunner = CONTACT_RESYNC,
): Promise<{ resync: ResyncResult } | { imports: ImportResult[] } | { refresh: RefreshResult }> {
  if (await resync.pending(deps)) {
    return { resync: await resync.run(deps, undefined, { shouldPause: pauseAfter(deps.now, budgetMs) }) };
  }
  // A long import (R7) continues the same way, from its checkpoint.
  const imports = await continueImports(deps, pauseAfter(deps.now, budgetMs));
  if (imports.length > 0) return { imports };
  return { refresh: await refreshSegment(deps) };
}

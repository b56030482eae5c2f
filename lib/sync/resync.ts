import type { ChangeNotice } from '../domain/notice.ts';
import { refreshSegment } from './segment-refresh.ts';
import { currentSettings, type ProgressListener, type SyncDeps } from './sync-deps.ts';

export interface ResyncResult {
  /** The segment resynced, or null: every contact (R2). */
  segmentId: string | null;
  /** Resync notices queued. */
  queued: number;
}

/** Notices are queued in chunks: one SQS batch call carries 10, and progress is reported per chunk. */
const CHUNK = 500;

/**
 * Manual resync of the segment (R5): every current member — or every contact when no segment is
 * set (R2) — gets a `resync` notice. The processor then syncs them in batches like any change; a
 * record whose two sides already agree produces no write (the three-way merge finds nothing to do).
 * The membership is refreshed first so that the resync covers today's members.
 */
export async function runResync(deps: SyncDeps, onProgress?: ProgressListener): Promise<ResyncResult> {
  const settings = await currentSettings(deps);
  const at = deps.now();
  const runId = `resync:${at}`;
  let queued = 0;
  const enqueue = async (ids: string[], total?: number) => {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const notices: ChangeNotice[] = chunk.map((id) => ({
        source: 'hubspot',
        objectType: 'contact',
        recordId: id,
        kind: 'resync',
        eventId: `${runId}:${id}`,
        occurredAt: at,
      }));
      await deps.queue.send(notices);
      queued += notices.length;
      onProgress?.({ phase: 'queueing resync notices', done: queued, total });
    }
  };

  if (settings.inclusionSegmentId) {
    await refreshSegment(deps, onProgress);
    const members = await deps.store.listMembers(settings.inclusionSegmentId);
    await enqueue(members, members.length);
    return { segmentId: settings.inclusionSegmentId, queued };
  }
  // R2: no segment — every HubSpot contact, page by page.
  let after: string | undefined;
  do {
    const page = await deps.hubspot.listContacts(['email'], after);
    await enqueue(page.contacts.map((c) => c.id));
    after = page.after;
  } while (after);
  return { segmentId: null, queued };
}

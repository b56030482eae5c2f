import { assertActiveSegment, SegmentNotActiveError } from '../domain/segment-gate.ts';
import type { ChangeNotice } from '../domain/notice.ts';
import { CrmSyncError, PermanentSyncError } from '../errors.ts';
import type { HubSpotList, HubSpotPort } from '../ports.ts';
import { currentSettings, type ProgressListener, type SyncDeps } from './sync-deps.ts';

/** The chosen or configured segment does not exist (any more) in HubSpot. */
export class SegmentNotFoundError extends CrmSyncError {
  constructor(readonly listId: string) {
    super(
      `list ${listId} does not exist in HubSpot. Choose one of \`crmsync segment list\`, or clear the segment (crmsync segment clear).`,
    );
  }
}

/**
 * R1: the chosen or configured list is not an active (DYNAMIC) list. The domain's rule error carries
 * the message (list, type, what to do); this is the same error as a `PermanentSyncError`, so the HTTP
 * API answers 422 with that message and the CLI prints it, instead of an internal error.
 */
export class InactiveSegmentError extends PermanentSyncError {
  constructor(
    readonly list: Pick<HubSpotList, 'listId' | 'name' | 'processingType'>,
    cause: SegmentNotActiveError,
  ) {
    super(cause.message, 'validation', { cause });
  }
}

export interface RefreshResult {
  segment: { listId: string; name: string; processingType: string } | null;
  members: number;
  joined: number;
  left: number;
  /**
   * True on the first load after the segment was selected: the members were stored as the starting
   * point, not as joins (joined/left are 0, nothing recorded), and nobody synced (R4).
   */
  firstLoad: boolean;
  /** Join notices queued (R4: a contact joining after the segment was selected syncs). */
  notices: number;
}

/** Loads and checks the list (R1): it must exist and be an active (DYNAMIC) list. */
export async function loadActiveSegment(hubspot: HubSpotPort, listId: string): Promise<HubSpotList> {
  const list = await hubspot.getList(listId);
  if (!list) throw new SegmentNotFoundError(listId);
  try {
    assertActiveSegment(list);
  } catch (error) {
    if (error instanceof SegmentNotActiveError) throw new InactiveSegmentError(list, error);
    throw error;
  }
  return list;
}

/** Every member id of a list, paging the Lists API (HubSpot returns at most 250 per page). */
export async function readAllMembers(
  hubspot: HubSpotPort,
  listId: string,
  onProgress?: ProgressListener,
): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await hubspot.listMemberships(listId, after);
    ids.push(...page.recordIds);
    after = page.after;
    onProgress?.({ phase: 'reading segment members', done: ids.length });
  } while (after);
  return ids;
}

/**
 * Segment refresh (docs/design.md#membership): loads the inclusion segment's membership from HubSpot,
 * stores it and records every join and leave. A join after the segment was selected queues a
 * `segment-joined` notice (R4); the first load after selecting or changing the segment queues none
 * (R4: choosing a segment syncs nothing by itself). A leave stops syncing (R8); links are kept.
 */
export async function refreshSegment(deps: SyncDeps, onProgress?: ProgressListener): Promise<RefreshResult> {
  const settings = await currentSettings(deps);
  const listId = settings.inclusionSegmentId;
  if (!listId) return { segment: null, members: 0, joined: 0, left: 0, firstLoad: false, notices: 0 };
  const list = await loadActiveSegment(deps.hubspot, listId);
  const members = await readAllMembers(deps.hubspot, listId, onProgress);
  const at = deps.now();
  const firstLoad = !settings.segmentLoaded;
  let notices = 0;
  // Join notices are queued before the new membership is stored: if queueing fails, nothing is
  // stored and the next refresh reports the same joins again. A join is never lost (R4).
  const changes = await deps.store.replaceMembership(listId, members, {
    at,
    // The first load is the starting point, not a wave of joins: nothing to record or to sync (R4).
    record: !firstLoad,
    beforeApply: async (pending) => {
      if (firstLoad) return;
      const batch: ChangeNotice[] = pending
        .filter((c) => c.change === 'joined')
        .map((c) => ({
          source: 'hubspot',
          objectType: 'contact',
          recordId: c.hubspotId,
          kind: 'segment-joined',
          eventId: `segment-joined:${listId}:${c.hubspotId}:${at}`,
          occurredAt: at,
        }));
      if (batch.length === 0) return;
      await deps.queue.send(batch);
      notices = batch.length;
    },
  });
  const joined = changes.filter((c) => c.change === 'joined');
  if (firstLoad) {
    await deps.store.putSettings({ ...settings, segmentLoaded: true }, settings.version);
  }
  return {
    segment: { listId, name: list.name, processingType: list.processingType },
    members: members.length,
    joined: joined.length,
    left: changes.length - joined.length,
    firstLoad,
    notices,
  };
}

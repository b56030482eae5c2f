import { assertActiveSegment, SegmentNotActiveError } from '../domain/segment-gate.ts';
import type { ChangeNotice } from '../domain/notice.ts';
import { CrmSyncError, PermanentSyncError } from '../errors.ts';
import type { HubSpotList, HubSpotPort, MembershipChange } from '../ports.ts';
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
  /** Stored members after the refresh (the store's count). */
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
  /**
   * `incremental`: only the newest join-order page(s) were read (joins; about one call when nothing
   * joined). `full`: every member was read and compared (joins and leaves).
   */
  mode: 'incremental' | 'full';
}

/**
 * A full reconciliation (leaves of contacts that changed nothing crmsync saw) runs at most this
 * often on its own; a resync also does one. Joins are found on every refresh.
 */
export const FULL_RECONCILIATION_EVERY_MS = 24 * 3_600_000;

export interface RefreshOptions {
  /** Read the whole list and reconcile joins and leaves (default: only when due or never done). */
  full?: boolean;
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
 * Segment refresh (docs/design.md#membership). Joins are found incrementally: the Lists API's join
 * order is read from the newest page seen last time, so a refresh when nothing joined costs two calls
 * (the list, for R1, and one page). Every so often — and on the first load, on a resync, or when
 * asked — a full reconciliation reads every page and also finds the leaves of contacts crmsync saw no
 * change for (the processor sees the others as they happen). A join after the segment was selected
 * queues a `segment-joined` notice (R4); the first load queues none (R4: choosing a segment syncs
 * nothing by itself). A leave stops syncing (R8); links are kept.
 */
export async function refreshSegment(
  deps: SyncDeps,
  onProgress?: ProgressListener,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const settings = await currentSettings(deps);
  const listId = settings.inclusionSegmentId;
  if (!listId)
    return {
      segment: null,
      members: 0,
      joined: 0,
      left: 0,
      firstLoad: false,
      notices: 0,
      mode: 'incremental',
    };
  const list = await loadActiveSegment(deps.hubspot, listId);
  const at = deps.now();
  const firstLoad = !settings.segmentLoaded;
  const state = await deps.store.getMembershipState(listId);
  const due = state?.reconciledAt === undefined || at - state.reconciledAt >= FULL_RECONCILIATION_EVERY_MS;
  const full = firstLoad || options.full === true || due;
  const counts = full
    ? await reconcileSegment(deps, listId, {
        run: `reconcile:${at}`,
        at,
        record: !firstLoad,
        ...(onProgress ? { onProgress } : {}),
      })
    : await findJoins(deps, listId, at, state?.joinCursor);
  if (list.filterProperties && !sameItems(list.filterProperties, state?.filterProperties)) {
    await deps.store.setFilterProperties(listId, list.filterProperties);
  }
  if (firstLoad) {
    await deps.store.putSettings({ ...settings, segmentLoaded: true }, settings.version);
  }
  return {
    segment: { listId, name: list.name, processingType: list.processingType },
    members: await deps.store.countMembers(listId),
    firstLoad,
    joined: counts.joined,
    left: counts.left,
    notices: counts.notices,
    mode: full ? 'full' : 'incremental',
  };
}

type Counts = { joined: number; left: number; notices: number };

/**
 * Reads the join order from `cursor` (the page the last refresh ended on) to the end: the ids not
 * stored as members joined since. Their notices are queued before they are stored, so a failure
 * leaves them to be found again by the next refresh (a join is never lost, R4).
 */
async function findJoins(
  deps: SyncDeps,
  listId: string,
  at: number,
  cursor: string | undefined,
): Promise<Counts> {
  const counts: Counts = { joined: 0, left: 0, notices: 0 };
  let from = cursor;
  for (;;) {
    const page = await deps.hubspot.joinOrderPage(listId, from);
    const known = await deps.store.getMembers(listId, page.recordIds);
    const joins = page.recordIds
      .filter((id) => !known.has(id))
      .map((hubspotId) => ({ hubspotId, change: 'joined' as const, at }));
    if (joins.length > 0) {
      counts.notices += await queueJoins(deps, listId, joins, at);
      await deps.store.applyMembershipChanges(listId, joins, { record: true });
      counts.joined += joins.length;
    }
    if (!page.after) break;
    from = page.after;
  }
  // Next time, start from the last page read (HubSpot gives no token past the last member).
  if (from !== cursor) await deps.store.setJoinCursor(listId, from ?? null);
  return counts;
}

/** Options of a (resumable) full reconciliation run. */
export interface ReconcileOptions {
  /** The run id: every member a page reports is marked with it; the sweep removes the unmarked. */
  run: string;
  at: number;
  /** Record and announce transitions (false: the first load after choosing the segment, R4). */
  record: boolean;
  /** Resume after this join-order position (a checkpoint); absent: from the first member. */
  from?: string;
  onProgress?: ProgressListener;
  /** Each page of current members, before it is stored (a resync queues its notices here). */
  onMembers?: (hubspotIds: string[]) => Promise<void>;
  /** After each page is stored, with the position of the next one: 'pause' stops before it. */
  onPage?: (next: string | undefined) => Promise<'continue' | 'pause'>;
}

/**
 * A full reconciliation, streamed: each join-order page is compared with the store (joins recorded
 * and announced before they are stored) and marked as seen by the run; at the end, the stored
 * members the run did not see are leaves. Memory holds one page, never the segment. Paused runs
 * (`onPage` said so) resume with the same `run` and `from` the next position.
 */
export async function reconcileSegment(
  deps: SyncDeps,
  listId: string,
  o: ReconcileOptions,
): Promise<Counts & { paused: boolean }> {
  const counts: Counts = { joined: 0, left: 0, notices: 0 };
  let read = 0;
  let from = o.from;
  for (;;) {
    const page = await deps.hubspot.joinOrderPage(listId, from);
    // A resync queues every member of the page first: a join among them needs no notice of its own.
    if (o.onMembers) await o.onMembers(page.recordIds);
    const beforeApply = async (pending: MembershipChange[]) => {
      counts.notices += await queueJoins(deps, listId, pending, o.at);
    };
    const joins = await deps.store.reconcilePage(listId, o.run, page.recordIds, {
      at: o.at,
      record: o.record,
      // Joins are announced before they are stored; on the first load (record false) there are none (R4).
      ...(o.onMembers ? {} : { beforeApply }),
    });
    counts.joined += joins.length;
    read += page.recordIds.length;
    o.onProgress?.({ phase: 'reading segment members', done: read });
    if ((await o.onPage?.(page.after)) === 'pause' && page.after) return { ...counts, paused: true };
    if (!page.after) break;
    from = page.after;
  }
  const swept = await deps.store.sweepMembership(listId, o.run, { at: o.at, record: o.record });
  counts.left = swept.left.length;
  // The incremental refresh starts from the last page read (HubSpot gives no token past the last member).
  await deps.store.setJoinCursor(listId, from ?? null);
  return { ...counts, paused: false };
}

/** Queues one `segment-joined` notice per join (R4); returns how many. */
async function queueJoins(
  deps: SyncDeps,
  listId: string,
  joins: MembershipChange[],
  at: number,
): Promise<number> {
  const batch: ChangeNotice[] = joins.map((c) => ({
    source: 'hubspot',
    objectType: 'contact',
    recordId: c.hubspotId,
    kind: 'segment-joined',
    eventId: `segment-joined:${listId}:${c.hubspotId}:${at}`,
    occurredAt: at,
  }));
  if (batch.length > 0) await deps.queue.send(batch);
  return batch.length;
}

function sameItems(a: string[], b: string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

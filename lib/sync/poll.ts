import type { ChangeNotice, SalesforceObject } from '../domain/notice.ts';
import type { HubSpotContact, ModifiedContactsQuery } from '../ports.ts';
import type { SyncDeps } from './sync-deps.ts';

export interface PollResult {
  hubspot: number;
  salesforce: Record<SalesforceObject, number>;
}

/** How far back the first poll looks, and how much each poll overlaps the previous one. */
const FIRST_LOOKBACK_MS = 15 * 60_000;
/**
 * Search indexes and SystemModstamp commit a little after the write: re-reading a short overlap
 * costs a few duplicate notices (harmless: stable event ids and the three-way merge) and never
 * misses a change committed late.
 */
const OVERLAP_MS = 60_000;

/**
 * The polling safety net (and live mode's change detection, where webhooks cannot reach a laptop):
 * contacts modified in HubSpot since the last poll (search on `hs_lastmodifieddate`) and leads and
 * contacts modified in Salesforce (SOQL on `SystemModstamp`) become notices, like webhook
 * deliveries would. Each side's cursor only moves forward, to the newest change seen.
 */
export async function pollChanges(deps: SyncDeps): Promise<PollResult> {
  const now = deps.now();
  const result: PollResult = { hubspot: await pollHubSpot(deps, now), salesforce: { Lead: 0, Contact: 0 } };
  for (const object of ['Lead', 'Contact'] as const) {
    result.salesforce[object] = await pollSalesforce(deps, object, now);
  }
  return result;
}

const HUBSPOT_CURSOR = 'poll:hubspot';

/**
 * HubSpot search returns at most 10,000 results per query, so a bulk import or a workflow touching
 * more contacts than that in one window cannot be paged through. The scan sorts oldest first; when a
 * query reaches the cap, every change before the last instant seen is complete, the contacts sharing
 * that instant are paged by id (however many there are), the cursor is checkpointed there, and the
 * scan restarts after it. So every change is seen, and the cursor always moves past a large window
 * instead of re-reading its first 10,000 forever.
 */
async function pollHubSpot(deps: SyncDeps, now: number): Promise<number> {
  const cursor = await deps.store.getCursor(HUBSPOT_CURSOR);
  let since = (cursor ?? now - FIRST_LOOKBACK_MS) - OVERLAP_MS;
  let sent = 0;
  for (;;) {
    const window = await sendQuery(deps, { modifiedAfter: since });
    sent += window.sent;
    const boundary = window.last?.updatedAt;
    if (!window.capped || boundary === undefined) {
      if (boundary !== undefined) await deps.store.advanceCursor(HUBSPOT_CURSOR, boundary);
      return sent;
    }
    if (boundary <= since) throw new Error(`hubspot poll made no progress past ${since}`);
    sent += await sendInstant(deps, boundary, window.idsAtLast);
    // Everything up to and including the boundary instant is queued: a failure later keeps this.
    await deps.store.advanceCursor(HUBSPOT_CURSOR, boundary);
    since = boundary;
  }
}

/** Every contact modified at exactly `at`, by id, past the cap if need be; `seen` are already queued. */
async function sendInstant(deps: SyncDeps, at: number, seen: Set<string>): Promise<number> {
  let sent = 0;
  let idAfter: string | undefined;
  for (;;) {
    const page = await sendQuery(deps, { modifiedAt: at, ...(idAfter ? { idAfter } : {}) }, seen);
    sent += page.sent;
    if (!page.capped || !page.last) return sent;
    idAfter = page.last.id;
  }
}

/**
 * Pages one search query to its end or to HubSpot's cap, queueing a notice per contact (except those
 * in `skip`). Returns the last contact in the query's order and the ids sharing its modification time.
 */
async function sendQuery(
  deps: SyncDeps,
  query: ModifiedContactsQuery,
  skip: Set<string> = new Set(),
): Promise<{ sent: number; capped: boolean; last?: HubSpotContact; idsAtLast: Set<string> }> {
  let sent = 0;
  let last: HubSpotContact | undefined;
  let idsAtLast = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await deps.hubspot.searchModified(query, ['email'], after);
    const fresh = page.contacts.filter((c) => !skip.has(c.id));
    if (fresh.length > 0) await deps.queue.send(fresh.map(hubspotNotice));
    sent += fresh.length;
    for (const c of page.contacts) {
      if (last === undefined || c.updatedAt !== last.updatedAt) idsAtLast = new Set();
      idsAtLast.add(c.id);
      last = c;
    }
    if (page.capped) return { sent, capped: true, last, idsAtLast };
    after = page.after;
    if (!after) return { sent, capped: false, last, idsAtLast };
  }
}

function hubspotNotice(c: HubSpotContact): ChangeNotice {
  return {
    source: 'hubspot',
    objectType: 'contact',
    recordId: c.id,
    kind: c.createdAt === c.updatedAt ? 'created' : 'updated',
    eventId: `poll:hubspot:${c.id}:${c.updatedAt}`,
    occurredAt: c.updatedAt,
  };
}

/** Leads or contacts modified in Salesforce since the object's cursor. */
async function pollSalesforce(deps: SyncDeps, object: SalesforceObject, now: number): Promise<number> {
  const name = `poll:salesforce:${object}`;
  const cursor = await deps.store.getCursor(name);
  const since = (cursor ?? now - FIRST_LOOKBACK_MS) - OVERLAP_MS;
  let sent = 0;
  let newest = cursor ?? 0;
  let locator: string | undefined;
  do {
    const page = await deps.salesforce.queryPage(object, ['Email'], {
      modifiedSinceMs: since,
      after: locator,
    });
    const notices: ChangeNotice[] = page.records.map((r) => ({
      source: 'salesforce',
      objectType: object,
      recordId: r.id,
      // A record whose creation is its latest change is new: R6 auto-create applies to it.
      kind: r.createdAt === r.modifiedAt ? 'created' : 'updated',
      eventId: `poll:salesforce:${r.id}:${r.modifiedAt}`,
      occurredAt: r.modifiedAt,
    }));
    if (notices.length > 0) await deps.queue.send(notices);
    sent += notices.length;
    for (const r of page.records) newest = Math.max(newest, r.modifiedAt);
    locator = page.after;
  } while (locator);
  if (newest > 0) await deps.store.advanceCursor(name, newest);
  return sent;
}

import type { ChangeNotice, SalesforceObject } from '../domain/notice.ts';
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
  const result: PollResult = { hubspot: 0, salesforce: { Lead: 0, Contact: 0 } };

  const hsCursor = await deps.store.getCursor('poll:hubspot');
  const hsSince = (hsCursor ?? now - FIRST_LOOKBACK_MS) - OVERLAP_MS;
  let newest = hsCursor ?? 0;
  let after: string | undefined;
  do {
    const page = await deps.hubspot.searchModifiedSince(hsSince, ['email'], after);
    const notices: ChangeNotice[] = page.contacts.map((c) => ({
      source: 'hubspot',
      objectType: 'contact',
      recordId: c.id,
      kind: c.createdAt === c.updatedAt ? 'created' : 'updated',
      eventId: `poll:hubspot:${c.id}:${c.updatedAt}`,
      occurredAt: c.updatedAt,
    }));
    if (notices.length > 0) await deps.queue.send(notices);
    result.hubspot += notices.length;
    for (const c of page.contacts) newest = Math.max(newest, c.updatedAt);
    after = page.after;
  } while (after);
  if (newest > 0) await deps.store.advanceCursor('poll:hubspot', newest);

  for (const object of ['Lead', 'Contact'] as const) {
    const name = `poll:salesforce:${object}`;
    const cursor = await deps.store.getCursor(name);
    const since = (cursor ?? now - FIRST_LOOKBACK_MS) - OVERLAP_MS;
    let newestSf = cursor ?? 0;
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
      result.salesforce[object] += notices.length;
      for (const r of page.records) newestSf = Math.max(newestSf, r.modifiedAt);
      locator = page.after;
    } while (locator);
    if (newestSf > 0) await deps.store.advanceCursor(name, newestSf);
  }
  return result;
}

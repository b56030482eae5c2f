import type { SalesforceObject } from '../domain/notice.ts';
import type { Decision, SalesforceRecord, SyncStore } from '../ports.ts';
import { mapLimit } from './apply-plan.ts';
import type { ProcessorRecord } from './coalesce.ts';

/**
 * Identity facts the processor settles before planning, because the plan cannot see them in one
 * batch's reads: chains of conversions and merges (followed to their live end), the object of an id
 * that came without one, and which records crmsync itself created (the R6 marker, written and read here).
 */

/**
 * The object of a Salesforce id from its key prefix (00Q Lead, 003 Contact), for ids that reach us
 * without a type (merge survivors, ConvertedContactId). https://help.salesforce.com/s/articleView?id=000385203
 */
export function salesforceTypeOfId(id: string): SalesforceObject | undefined {
  if (id.startsWith('00Q')) return 'Lead';
  if (id.startsWith('003')) return 'Contact';
  return undefined;
}

/** Longest chain of conversions and merges followed within one batch. */
export const MAX_CHAIN = 4;

/**
 * Ids the records point to that were not read yet: the Contact a Lead was converted to, the master a
 * deleted record was merged into. Grouped by object, for one read per object.
 */
export function missingLinks(
  records: ReadonlyMap<string, SalesforceRecord>,
): Record<SalesforceObject, Set<string>> {
  const out: Record<SalesforceObject, Set<string>> = { Lead: new Set(), Contact: new Set() };
  for (const r of records.values()) {
    if (
      r.objectType === 'Lead' &&
      r.isConverted &&
      r.convertedContactId &&
      !records.has(r.convertedContactId)
    ) {
      out.Contact.add(r.convertedContactId);
    }
    if (r.isDeleted && r.masterRecordId && !records.has(r.masterRecordId)) {
      out[salesforceTypeOfId(r.masterRecordId) ?? r.objectType].add(r.masterRecordId);
    }
  }
  return out;
}

/**
 * Salesforce identity changes can chain between two batches: a Lead converted to a Contact that was
 * then merged into another, a merge master merged again. The plan re-points a link one step at a
 * time (ConvertedContactId, MasterRecordId); re-pointing to a record that is itself gone leaves a
 * link to nothing. So the records handed to the plan name the *end* of each chain: the live Contact
 * a converted Lead's person lives on as now, the live master a merged record ended in.
 */
export function resolveChains(records: ReadonlyMap<string, SalesforceRecord>): SalesforceRecord[] {
  const end = (id: string): string => {
    let current = id;
    for (let step = 0; step < MAX_CHAIN; step++) {
      const r = records.get(current);
      if (!r?.isDeleted || !r.masterRecordId || r.masterRecordId === current) break;
      current = r.masterRecordId;
    }
    return current;
  };
  return [...records.values()].map((r) => {
    if (r.objectType === 'Lead' && r.isConverted && r.convertedContactId) {
      const to = end(r.convertedContactId);
      return to === r.convertedContactId ? r : { ...r, convertedContactId: to };
    }
    if (r.isDeleted && r.masterRecordId) {
      const to = end(r.masterRecordId);
      return to === r.masterRecordId ? r : { ...r, masterRecordId: to };
    }
    return r;
  });
}

/** The reason of the `linked` decision recorded on a record crmsync created (its trace's first entry). */
export const CREATED_BY_CRMSYNC = 'created by crmsync';

/**
 * The marker's writer: the new record's own trace starts with who made it and for which record.
 * `withoutOwnCreations` reads it back.
 */
export function createdByCrmsync(
  record: ProcessorRecord,
  created: { side: 'hubspot' | 'salesforce'; id: string },
  now: number,
): Decision {
  const d: Decision = {
    at: now,
    recordKey: `${created.side}:${created.id}`,
    outcome: 'linked',
    reason: CREATED_BY_CRMSYNC,
    detail: { for: record.key },
  };
  const eventId = record.eventIds[0];
  if (eventId !== undefined) d.eventId = eventId;
  return d;
}

/**
 * R6 lets a *newly created* Salesforce record bypass the segment *once*. Two kinds of late or
 * replayed `created` notices must not use it again:
 * - about a record crmsync itself created: CDC marks those with our `changeOrigin` (dropped at
 *   intake), but an outbound message carries no origin;
 * - about a record whose HubSpot counterpart crmsync already created (R6 was used);
 * - about a record a HubSpot merge unlinked (it was linked: R6 was used).
 * While the record is linked the gate sees the pair and does not apply R6; once it is not (its
 * HubSpot contact was merged into one already linked), such a notice would create a HubSpot contact
 * outside the segment again. So for every unlinked Salesforce record noticed as `created`, the
 * processor reads the record's trace (one Query each, only for these) and, when either shows there,
 * steers the notice as a plain update: the segment gate then applies as to any change.
 */
export async function withoutOwnCreations(
  records: ProcessorRecord[],
  isLinked: (record: ProcessorRecord) => boolean,
  store: Pick<SyncStore, 'listDecisions'>,
): Promise<ProcessorRecord[]> {
  const candidates = records.filter((r) => r.source === 'salesforce' && r.kind === 'created' && !isLinked(r));
  if (candidates.length === 0) return records;
  const own = new Set<string>();
  await mapLimit(candidates, 8, async (record) => {
    // Only the outcomes the three checks look for: a long outage's retries add many `received`
    // entries to the trace, which pushed the merge's `relinked` out of the newest 50 (seed 1222102269).
    const trace = await store.listDecisions(record.key, 50, { outcomes: TRACE_OF_R6 });
    if (trace.some(madeByCrmsync) || trace.some(counterpartCreated) || trace.some(unlinkedByMerge))
      own.add(record.key);
  });
  if (own.size === 0) return records;
  return records.map((r) => (own.has(r.key) ? { ...r, kind: 'updated', created: false } : r));
}

/** The outcomes of the trace entries `madeByCrmsync`, `counterpartCreated` and `unlinkedByMerge` read. */
const TRACE_OF_R6: readonly Decision['outcome'][] = ['linked', 'synced', 'relinked'];

/** The first trace entry of a record crmsync created. */
function madeByCrmsync(d: Decision): boolean {
  return d.outcome === 'linked' && d.reason === CREATED_BY_CRMSYNC;
}

/**
 * A HubSpot merge took this record's contact into one linked elsewhere and left the record unlinked
 * (docs/reliability.md, finding 5): it was linked, so its R6 is spent. Its notices — the same ones
 * replayed, or renotified under new event ids — are ordinary changes from then on.
 */
function unlinkedByMerge(d: Decision): boolean {
  return (
    d.outcome === 'relinked' &&
    (d.reason === 'merged-into-linked-record' || d.reason === 'merged-into-other-email')
  );
}

/** A sync of this record that created its counterpart (the processor adds `createdId` to it). */
function counterpartCreated(d: Decision): boolean {
  return d.outcome === 'synced' && typeof d.detail?.['createdId'] === 'string';
}

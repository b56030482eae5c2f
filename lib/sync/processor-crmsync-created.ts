import type { Decision, SyncStore } from '../ports.ts';
import type { ProcessorRecord } from './coalesce.ts';
import { mapLimit } from './processor-pool.ts';

/** The reason of the `linked` decision recorded on a record crmsync created (its trace's first entry). */
export const CREATED_BY_CRMSYNC = 'created by crmsync';

/**
 * R6 lets a *newly created* Salesforce record bypass the segment *once*. Two kinds of late or
 * replayed `created` notices must not use it again:
 * - about a record crmsync itself created: CDC marks those with our `changeOrigin` (dropped at
 *   intake), but an outbound message carries no origin;
 * - about a record whose HubSpot counterpart crmsync already created (R6 was used).
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
    const trace = await store.listDecisions(record.key, 50);
    if (trace.some(madeByCrmsync) || trace.some(counterpartCreated)) own.add(record.key);
  });
  if (own.size === 0) return records;
  return records.map((r) => (own.has(r.key) ? { ...r, kind: 'updated', created: false } : r));
}

/** The first trace entry of a record crmsync created. */
function madeByCrmsync(d: Decision): boolean {
  return d.outcome === 'linked' && d.reason === CREATED_BY_CRMSYNC;
}

/** A sync of this record that created its counterpart (the processor adds `createdId` to it). */
function counterpartCreated(d: Decision): boolean {
  return d.outcome === 'synced' && typeof d.detail?.['createdId'] === 'string';
}

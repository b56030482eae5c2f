import type { SyncStore } from '../ports.ts';
import type { ProcessorRecord } from './coalesce.ts';
import { mapLimit } from './processor-pool.ts';

/** The reason of the `linked` decision recorded on a record crmsync created (its trace's first entry). */
export const CREATED_BY_CRMSYNC = 'created by crmsync';

/**
 * R6 lets a *newly created* Salesforce record bypass the segment once. Salesforce also reports the
 * records crmsync itself creates: CDC marks them with our `changeOrigin` (dropped at intake), but an
 * outbound message carries no origin, so its `created` notice reaches the processor. While the record
 * is linked the gate sees the pair and does not apply R6; once it is not (its HubSpot contact was
 * merged into one already linked), that late notice would re-create a HubSpot contact outside the
 * segment. So for every unlinked Salesforce record noticed as `created`, the processor reads the
 * record's trace (one Query each, only for these) and, when crmsync made it, steers the notice as a
 * plain update: the segment gate then applies as to any change.
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
    const trace = await store.listDecisions(record.key, 20);
    if (trace.some((d) => d.outcome === 'linked' && d.reason === CREATED_BY_CRMSYNC)) own.add(record.key);
  });
  if (own.size === 0) return records;
  return records.map((r) => (own.has(r.key) ? { ...r, kind: 'updated', created: false } : r));
}

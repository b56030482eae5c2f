import { CONVERTED_INTO_OTHER_EMAIL, COUNTERPART_DELETED, isMerge } from '../domain/plan/index.ts';
import { RetryableError } from '../errors.ts';
import type { PairState, SalesforceRecord } from '../ports.ts';
import type { ProcessorRecord } from './coalesce.ts';
import { retryOutcome } from './processor-errors.ts';
import type { Log } from '../observability/observability.ts';
import type { RecordOutcome } from './processor-types.ts';

/**
 * Merges in the processor, in one place (the plan's side — what a merge is, `isMerge`, and how it
 * re-points links — is `lib/domain/plan/merges.ts`). Three things happen around a batch because
 * of merges, in this order:
 * 1. **merge notices first** (`syncWithMerges`): they are planned and applied before the rest of the
 *    batch, so a notice about the survivor sees the moved link instead of creating a duplicate;
 * 2. **stale-link repair** (`staleLinkRepairs`, `repairThenSync`): a link found pointing at a
 *    Salesforce record merged away whose notice never came is re-pointed first, then the batch is
 *    read and planned again;
 * 3. **the follow-up pass** (`syncWithMerges`): a HubSpot contact a merge left unlinked is planned
 *    at once, like any unlinked contact.
 */

/** Syncs a list of coalesced records (settings, reads, plan, apply); never throws. */
export type SyncRecords = (records: ProcessorRecord[]) => Promise<RecordOutcome[]>;

/** Merge notices first, then the rest of the batch, then the contacts the merges left unlinked. */
export async function syncWithMerges(
  records: ProcessorRecord[],
  sync: SyncRecords,
  now: number,
): Promise<RecordOutcome[]> {
  const phased = await mergeNoticesFirst(records, sync, now);
  const followUps = await syncUnlinkedByMerge(phased, sync, now);
  // A follow-up that must be retried has no message to hand back; the contact's own notices in this
  // batch, planned on the link the merge removed, do: retried, they plan it again (seed 1360017919).
  const retried = new Set(followUps.filter((o) => o.status === 'retry').map((o) => o.record.key));
  const handedBack = phased.map((o) =>
    retried.has(o.record.key) && o.status !== 'retry' && o.record.messageIds.length > 0
      ? {
          ...o,
          status: 'retry' as const,
          decisions: [...o.decisions, ...retryOutcome(o.record, FOLLOW_UP_PENDING, now).decisions],
        }
      : o,
  );
  return [
    ...handedBack,
    ...followUps.map((o) => (o.status === 'retry' ? { ...o, status: 'noop' as const } : o)),
  ];
}

const FOLLOW_UP_PENDING = {
  retryable: true,
  category: 'other',
  message: 'a merge left this contact unlinked, and planning it again must be retried',
  stage: 'merge-follow-up',
} as const;

/**
 * Merges first, then everything else, each phase planned on the pairs the previous one left. A
 * merge re-points links (the merged-away contact's link moves to the survivor); a notice about the
 * survivor in the same batch must see that link, or it would look unlinked and create a duplicate
 * counterpart. When a merge must be retried, the records it touches wait for it (they are retried too).
 * Before the reads only the notice can say a record is a merge; a Salesforce delete that the read
 * reveals as a merge is planned last within its batch instead (`mergesLast`).
 */
async function mergeNoticesFirst(
  records: ProcessorRecord[],
  sync: SyncRecords,
  now: number,
): Promise<RecordOutcome[]> {
  const merges = records.filter((r) => isMerge(r));
  if (merges.length === 0) return records.length > 0 ? await sync(records) : [];
  const rest = records.filter((r) => !isMerge(r));
  const first = await sync(merges);
  const pending = new Set(
    first
      .filter((o) => o.status === 'retry')
      .flatMap((o) => [
        o.record.recordId,
        ...(o.record.mergedIds ?? []),
        ...(o.record.survivorId ? [o.record.survivorId] : []),
      ]),
  );
  const blocked = rest.filter((r) => pending.has(r.recordId));
  const ready = rest.filter((r) => !pending.has(r.recordId));
  const waiting = blocked.map((record) =>
    retryOutcome(
      record,
      {
        retryable: true,
        category: 'other',
        message: 'waits for a merge of the same record to be retried',
        stage: 'merge',
      },
      now,
    ),
  );
  const second = ready.length > 0 ? await sync(ready) : [];
  return [...first, ...waiting, ...second];
}

/** Decision reasons of a merge that left a HubSpot contact unlinked (see `syncUnlinkedByMerge`). */
const UNLINKED_BY_MERGE = new Set([
  'merged-into-linked-record',
  'merged-into-other-email',
  CONVERTED_INTO_OTHER_EMAIL,
  COUNTERPART_DELETED,
]);

/**
 * A merge into a record linked already keeps the survivor's link and removes the losers' links
 * (`merged-into-linked-record`, one-to-one); a Salesforce merge into a record with another email
 * than the loser's contact removes that link too (`merged-into-other-email`: links match by email,
 * and the survivor's email is not written onto the contact). The HubSpot contact such a merge left
 * unlinked is then planned right away, like any unlinked contact (match by email, else create;
 * outside the segment: skipped, R3), so the batch ends in a state its own notices, delivered again,
 * do not change. The follow-up carries no message (like a link repair): it is in the trace, not in
 * the counts; if it must be retried, the contact's notices in the batch are retried instead (else its
 * next notice does the same).
 */
async function syncUnlinkedByMerge(
  outcomes: RecordOutcome[],
  sync: SyncRecords,
  now: number,
): Promise<RecordOutcome[]> {
  const ids = new Set<string>();
  for (const o of outcomes) {
    if (o.status === 'retry' || o.status === 'error') continue;
    for (const d of o.decisions)
      if (UNLINKED_BY_MERGE.has(d.reason ?? '') && d.recordKey.startsWith('hubspot:'))
        ids.add(d.recordKey.slice('hubspot:'.length));
  }
  if (ids.size === 0) return [];
  const followUps: ProcessorRecord[] = [...ids].sort().map((id) => ({
    key: `hubspot:${id}`,
    source: 'hubspot',
    objectType: 'contact',
    recordId: id,
    kind: 'updated',
    created: false,
    eventIds: [],
    occurredAt: now,
    forceRead: true,
    messageIds: [],
  }));
  // A retry of a follow-up has no message to hand back (`syncWithMerges` retries the contact's own).
  return await sync(followUps);
}

/**
 * Pairs of this batch's records whose Salesforce side now reads as deleted by a merge, when no record
 * of the batch is that merge itself (its delete notice was lost, or arrived before the link existed):
 * one synthetic `merged` record each, to re-point the link before the batch is planned.
 */
export function staleLinkRepairs(
  toPlan: ProcessorRecord[],
  salesforceRecords: SalesforceRecord[],
  pairOf: (record: ProcessorRecord) => PairState | undefined,
  now: number,
): ProcessorRecord[] {
  const inBatch = new Set(toPlan.filter((r) => r.source === 'salesforce').map((r) => r.recordId));
  const byId = new Map(salesforceRecords.map((r) => [r.id, r]));
  const repairs = new Map<string, ProcessorRecord>();
  for (const record of toPlan) {
    const pair = pairOf(record);
    const sf = pair ? byId.get(pair.salesforceId) : undefined;
    if (!pair || !sf?.isDeleted || !sf.masterRecordId || inBatch.has(sf.id) || repairs.has(sf.id)) continue;
    repairs.set(sf.id, {
      key: `salesforce:${sf.id}`,
      source: 'salesforce',
      objectType: sf.objectType,
      recordId: sf.id,
      kind: 'merged',
      created: false,
      eventIds: [],
      occurredAt: now,
      forceRead: false,
      survivorId: sf.masterRecordId,
      messageIds: [],
    });
  }
  return [...repairs.values()];
}

/**
 * Re-points stale links to their merge survivors first (`repairs`, from `staleLinkRepairs`), then
 * reads and plans `records` again on the repaired links. When a repair must be retried, so must the
 * records: planned on the stale link, they could create a duplicate counterpart.
 */
export async function repairThenSync(
  repairs: ProcessorRecord[],
  records: ProcessorRecord[],
  ctx: {
    /** Syncs without looking for stale links again (one repair round per batch). */
    syncOnce: SyncRecords;
    retryAll: (records: ProcessorRecord[], error: unknown, stage: string) => RecordOutcome[];
    log?: Log | undefined;
  },
): Promise<RecordOutcome[]> {
  ctx.log?.info('stale links repaired', { count: repairs.length });
  const repaired = await ctx.syncOnce(repairs);
  if (repaired.some((o) => o.status === 'retry')) {
    return [
      ...repaired,
      ...ctx.retryAll(
        records,
        new RetryableError('a stale link could not be re-pointed yet', 'conflict'),
        'repair',
      ),
    ];
  }
  return [...repaired, ...(await ctx.syncOnce(records))];
}

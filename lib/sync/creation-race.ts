import type { PairState, SyncStore } from '../ports.ts';
import type { ApplyContext } from './apply-plan.ts';
import { settle } from './processor-errors.ts';

/** A counterpart this batch created, whose new pair could not be committed. */
export interface UncommittedCreation {
  side: 'hubspot' | 'salesforce';
  /** The record this batch created. */
  id: string;
  /** The pair the batch meant to store. */
  pair: PairState;
}

/**
 * Two processors can take notices of the same unlinked record at once (SQS delivers at least once;
 * an outbound message and a CDC event name the same change). Both find no counterpart by email and
 * both create one; only the first new pair commits (conditional put, docs/design.md#per-record-safety). The
 * loser's record is a duplicate nobody else knows yet: the loser removes it (archive in HubSpot,
 * delete in Salesforce), and its notice is retried, which finds the winner's pair and writes nothing
 * new. A commit that failed for another reason (the store was unreachable) leaves the record: the
 * retry links it by email. Returns the ids removed. Found by the reliability model's concurrent
 * processors (docs/reliability.md, finding 8).
 */
export async function removeRaceLosses(
  creations: UncommittedCreation[],
  ctx: Pick<ApplyContext, 'hubspot' | 'salesforce'> & {
    store: Pick<SyncStore, 'getPairsByHubSpotIds' | 'getPairsBySalesforceIds'>;
  },
): Promise<string[]> {
  if (creations.length === 0) return [];
  const [byHubSpot, bySalesforce] = await Promise.all([
    ctx.store.getPairsByHubSpotIds(
      creations.filter((c) => c.side === 'salesforce').map((c) => c.pair.hubspotId),
    ),
    ctx.store.getPairsBySalesforceIds(
      creations.filter((c) => c.side === 'hubspot').map((c) => c.pair.salesforceId),
    ),
  ]);
  // Lost the race: the record we created for lies in another pair now, with another counterpart.
  const lost = creations.filter((c) =>
    c.side === 'salesforce'
      ? (byHubSpot.get(c.pair.hubspotId)?.salesforceId ?? c.id) !== c.id
      : (bySalesforce.get(c.pair.salesforceId)?.hubspotId ?? c.id) !== c.id,
  );
  const salesforceIds = lost.filter((c) => c.side === 'salesforce').map((c) => c.id);
  const hubspotIds = lost.filter((c) => c.side === 'hubspot').map((c) => c.id);
  // Best effort: a failure here leaves a duplicate, which is what happened before anyway.
  await Promise.all([
    salesforceIds.length > 0 ? settle(ctx.salesforce.deleteRecords(salesforceIds)) : undefined,
    hubspotIds.length > 0 ? settle(ctx.hubspot.archiveContacts(hubspotIds)) : undefined,
  ]);
  return [...salesforceIds, ...hubspotIds];
}

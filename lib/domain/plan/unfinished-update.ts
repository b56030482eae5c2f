import type { HubSpotContact, PairState, SalesforceRecord } from '../entities.ts';
import type { FieldMapping } from '../field-mapping.ts';
import type { CrmSide } from '../notice.ts';
import type { Snapshot } from '../three-way-merge.ts';
import { holdsIntended, isOrConvertedFrom } from './own-creation.ts';
import type { PlanInput } from './types.ts';

/** The intent key of a committed pair's update (`lib/sync/write-intents.ts`), apart from a creation's. */
export function updateIntentKey(hubspotId: string): string {
  return `update:hubspot:${hubspotId}`;
}

/**
 * The snapshot a committed pair merges from when an earlier sync of it wrote and lost its responses
 * (docs/design.md#unfinished-update; docs/reliability.md, seed 1260001596): that sync's pair was
 * never committed, so the stored snapshot is the one from before its writes, and a landed write would
 * read as a user's change on the side written. Where that side holds the value the update intended,
 * the intended value is the snapshot — a change made since on the other side (a user setting a field
 * back to the old snapshot's value) then wins. A field whose write did not land (the side holds
 * something else) keeps the stored snapshot, as before. The intent counts only for the same pair at
 * the same version: a later commit, or another record, makes it stale — but not the Contact a user
 * converted the updated Lead into (finding 37).
 */
export function unfinishedUpdate(
  input: PlanInput,
  pair: PairState,
  contact: HubSpotContact,
  sf: SalesforceRecord,
  mappings: FieldMapping[],
): Snapshot {
  const intent = input.creationIntents?.get(updateIntentKey(contact.id));
  const update = intent?.update;
  // The Contact a user converted the updated Lead into counts as the Lead (seed 1360015651).
  if (
    !intent ||
    !update ||
    !isOrConvertedFrom(input, sf, update.salesforceId) ||
    update.version !== pair.version
  )
    return pair.snapshot;
  const written = { hubspot: new Set(update.hubspot), salesforce: new Set(update.salesforce) };
  const snapshot: Snapshot = { ...pair.snapshot };
  for (const m of mappings) {
    const intended = intent.snapshot[m.hubspot];
    if (intended === undefined) continue;
    const side: CrmSide | undefined = written.salesforce.has(m.salesforce)
      ? 'salesforce'
      : written.hubspot.has(m.hubspot)
        ? 'hubspot'
        : undefined;
    if (side && holdsIntended(input, { contact, sf }, m, side, intended)) snapshot[m.hubspot] = intended;
  }
  return snapshot;
}

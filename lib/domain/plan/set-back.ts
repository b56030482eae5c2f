import type { HubSpotContact, SalesforceRecord } from '../entities.ts';
import type { FieldMapping } from '../field-mapping.ts';
import { createdByCrmsyncInHubSpot } from '../record-author.ts';
import type { MergeResult } from '../three-way-merge.ts';
import type { ChangeTimes } from './change-times.ts';
import { convertedLeadsOf, salesforceHistoryChangedAt } from './own-creation.ts';
import type { PlanInput } from './types.ts';

/**
 * A value set back to the last-synced one (A→B→A) is a change the three-way merge sees only when
 * something says the field changed: a notice of the batch (webhook, CDC) or the field's history. When
 * the notice is late, dropped or says nothing per field (CDC `GAP_*`), the side looks unchanged and the
 * other side's older change would overwrite the user's latest one (reliability seed 1260009373,
 * docs/design.md#set-back).
 *
 * Users' changes of a committed pair's fields, by field, from the batch's notices and, where the batch
 * read them, the fields' histories: Salesforce Field History rows by another user than crmsync's
 * integration user, HubSpot property versions not written by crmsync's app.
 */
export function usersChanges(
  input: PlanInput,
  contact: HubSpotContact,
  sf: SalesforceRecord,
  noticed: (side: 'hubspot' | 'salesforce', id: string) => (field: string) => number | undefined,
): { hubspot: (p: string) => number | undefined; salesforce: (f: string) => number | undefined } {
  // A Contact converted from a Lead holds the Lead's values: a user's change of the Lead before the
  // conversion is a change of the Contact's value (seed 1310006093).
  const salesforceIds = [sf.id, ...convertedLeadsOf(input, sf).map((l) => l.id)];
  const sfKnown = salesforceIds.flatMap((id) => [
    noticed('salesforce', id),
    salesforceHistoryChangedAt(input, id),
  ]);
  const hubspotNoticed = noticed('hubspot', contact.id);
  const latest = (a: number | undefined, b: number | undefined) =>
    a === undefined ? b : b === undefined ? a : Math.max(a, b);
  const hubspotHistory = (p: string): number | undefined => {
    const at = contact.propertyChangedAt?.[p];
    const by = contact.propertyChangedBy?.[p];
    if (at === undefined || by === undefined) return undefined;
    return createdByCrmsyncInHubSpot({ createdBy: by }, input.hubspotAppId ?? '') ? undefined : at;
  };
  return {
    hubspot: (p) => latest(hubspotNoticed(p), hubspotHistory(p)),
    salesforce: (f) => sfKnown.reduce<number | undefined>((at, known) => latest(at, known(f)), undefined),
  };
}

/** Fields whose merge cannot tell "unchanged" from "set back since", and the history that would tell. */
export interface UnclearSetBacks {
  /** The Salesforce records whose Field History would tell, and since when (the record, its converted Leads). */
  salesforce: { id: string; objectType: SalesforceRecord['objectType']; since: number }[];
  /** HubSpot properties whose property history would tell. */
  hubspot: string[];
}

/**
 * Two-way fields the merge is about to write over a side that looks unchanged (its value is the
 * snapshot's) although that record was modified after the other side's change, with no user change
 * of the field known to the batch after it: the modification may be the field set back. Only then is the
 * side's history worth one extra read; once read (or where the adapter cannot read it) nothing is
 * unclear any more and the merge stands.
 */
export function unclearSetBacks(
  input: PlanInput,
  records: { contact: HubSpotContact; sf: SalesforceRecord },
  mappings: FieldMapping[],
  result: MergeResult,
  times: ChangeTimes,
  users: ReturnType<typeof usersChanges>,
): UnclearSetBacks {
  const { contact, sf } = records;
  const conflicted = new Set(result.conflicts.map((c) => c.field));
  // A user's change known to the batch decides only when it is later than the other side's change
  // (`revertedLater`); an earlier one (A→B reported, B→A not yet) leaves the question open (seed 1300016732).
  const knownAfter = (at: number | undefined, since: number) => at !== undefined && at > since;
  let salesforceSince: number | undefined;
  const out: UnclearSetBacks = { salesforce: [], hubspot: [] };
  for (const m of mappings) {
    if (m.rule !== 'two-way' || conflicted.has(m.hubspot)) continue;
    if (m.salesforce in result.toSalesforce) {
      const since = times.hubspot(m.hubspot);
      const known = users.salesforce(m.salesforce);
      const maybeLater = sf.modifiedAt > since;
      if (!knownAfter(known, since)) {
        if (maybeLater && input.salesforceFieldChanges === undefined)
          salesforceSince = Math.min(salesforceSince ?? since, since);
        // Without its property history, HubSpot's time is the record's last modification (or a notice's):
        // a Salesforce set-back known or possible before it may still be later than the property's own
        // change, which the history tells (seed 1320016305).
        if (contact.propertyChangedAt === undefined && (known !== undefined || maybeLater))
          out.hubspot.push(m.hubspot);
      }
    }
    if (m.hubspot in result.toHubSpot && contact.propertyChangedAt === undefined) {
      const since = times.salesforce(m.salesforce);
      if (!knownAfter(users.hubspot(m.hubspot), since) && contact.updatedAt > since)
        out.hubspot.push(m.hubspot);
    }
  }
  if (salesforceSince !== undefined) {
    for (const r of [sf, ...convertedLeadsOf(input, sf)])
      out.salesforce.push({ id: r.id, objectType: r.objectType, since: salesforceSince });
  }
  return out;
}

import type { PlanRecord } from '../coalesce.ts';
import type { HubSpotContact, SalesforceRecord } from '../entities.ts';

/** When each side's current value of a field changed, as far as the batch knows (docs/design.md#two-way). */
export interface ChangeTimes {
  hubspot: (property: string) => number;
  salesforce: (field: string) => number;
}

/**
 * A field's change time for the two-way rule: the field's own change time where the source gives it,
 * else the record's last-modified time (docs/design.md#two-way).
 *
 * HubSpot: a notice that names the property gives the time of *a* change; the property history
 * (read for contacts whose plan met a conflict) gives the time of the value read. When the property
 * changed again after the notice — its own notice not in this batch (another processor took it, or it
 * is not delivered yet) — the history's later time is the current value's, and the older notice time
 * would let the other side's older change win (reliability seed 1214885380). So the later of the two.
 *
 * A notice's time counts only for the fields that notice names (`fieldChangedAt`): the batch's other
 * notices of the record may be later and name other fields.
 *
 * Salesforce: the notice's time for a field it names, else the record's `LastModifiedDate`. Not the
 * later of the two: crmsync's own writes move `LastModifiedDate` too, and without field history a
 * later modification cannot be told to be this field's.
 */
export function changeTimes(record: PlanRecord, contact: HubSpotContact, sf: SalesforceRecord): ChangeTimes {
  const changed = new Set(record.changedFields ?? []);
  // The latest notice naming the field, not the record's latest notice: another notice of the batch
  // may report a later change of another field (reliability finding 23).
  const noticed = (field: string) => record.fieldChangedAt?.[field] ?? record.occurredAt;
  return {
    hubspot: (property) => {
      const history = contact.propertyChangedAt?.[property];
      if (record.source === 'hubspot' && changed.has(property))
        return Math.max(noticed(property), history ?? Number.NEGATIVE_INFINITY);
      return history ?? contact.updatedAt;
    },
    salesforce: (field) =>
      record.source === 'salesforce' && changed.has(field) ? noticed(field) : sf.modifiedAt,
  };
}

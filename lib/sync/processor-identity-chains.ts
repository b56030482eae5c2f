import type { SalesforceObject } from '../domain/notice.ts';
import type { SalesforceRecord } from '../ports.ts';
import { salesforceTypeOfId } from './processor-fields.ts';

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

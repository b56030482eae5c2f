import type { FieldMapping } from './field-mapping.ts';
import type { FieldValue, FieldValues } from './entities.ts';
import type { CrmSide } from './notice.ts';
import { decideField } from './field-rules.ts';
import { normalizeValue, type PicklistTables, toSideValue } from './normalize.ts';
import { type FieldError, toFieldError } from './sync-rule-error.ts';

/**
 * Stands for a value of the non-source side of an always-* rule that cannot be normalized (e.g. an
 * unmapped picklist value): it differs from every canonical value, so the source's value is written
 * over it, and it never becomes a target or enters the snapshot.
 */
const UNREADABLE = '\u0000unreadable';

/** Last-synced canonical values of a pair, keyed by HubSpot property name. */
export type Snapshot = Record<string, string | null>;

export interface MergeInput {
  /** The mappings of the pair's Salesforce object (`config.mappings[Lead|Contact]`). */
  mappings: FieldMapping[];
  picklists: PicklistTables;
  hubspot: {
    /** Current HubSpot property values (as read). */
    values: Record<string, string | null>;
    /** When the property last changed, epoch ms (property history, else `hs_lastmodifieddate`). */
    changedAt: (hubspotProperty: string) => number;
    /** When a notice of this batch said the property changed (a webhook), if one did (see `FieldState`). */
    reportedAt?: (hubspotProperty: string) => number | undefined;
  };
  salesforce: {
    values: FieldValues;
    /** When the field last changed, epoch ms (CDC `commitTimestamp`, else `SystemModstamp`). */
    changedAt: (salesforceField: string) => number;
    /** When a notice of this batch said the field changed (a CDC event), if one did (see `FieldState`). */
    reportedAt?: (salesforceField: string) => number | undefined;
  };
  /** The pair's snapshot; `undefined` for a pair that was never synced (just linked). */
  snapshot: Snapshot | undefined;
}

export interface MergeConflict {
  /** HubSpot property name of the mapping. */
  field: string;
  hubspot: string | null;
  salesforce: string | null;
  winner: CrmSide;
  reason: string;
}

export interface MergeResult {
  /** HubSpot property → value; `''` clears. Only properties whose value differs from the target. */
  toHubSpot: Record<string, string>;
  /** Salesforce field → value; `null` clears. Only fields whose value differs from the target. */
  toSalesforce: FieldValues;
  /** The snapshot to store once the writes are applied. */
  snapshot: Snapshot;
  conflicts: MergeConflict[];
  /** Per-field permanent errors; the field is left untouched (no write, snapshot unchanged). */
  errors: FieldError[];
}

/**
 * Three-way merge of one linked pair (docs/design.md#three-way-merge): for each mapping, compare each side's current
 * canonical value with the last-synced snapshot, apply the field's rule, and emit writes only where a
 * side differs from the winning value. An echo of our own write therefore finds both sides equal to
 * the snapshot and produces nothing. Pure and deterministic.
 */
export function merge(input: MergeInput): MergeResult {
  const result: MergeResult = { toHubSpot: {}, toSalesforce: {}, snapshot: {}, conflicts: [], errors: [] };
  for (const mapping of input.mappings) {
    const property = mapping.hubspot;
    const previous = input.snapshot?.[property];
    const keepPrevious = () => {
      if (previous !== undefined) result.snapshot[property] = previous;
    };
    if (mapping.rule === 'dont-sync') continue;

    let hubspot: string | null;
    let salesforce: string | null;
    try {
      hubspot = normalizeValue(input.hubspot.values[property], mapping, 'hubspot', input.picklists);
    } catch (error) {
      // Under always-salesforce the HubSpot value is only overwritten, so an unreadable one is no error.
      if (mapping.rule !== 'always-salesforce') {
        result.errors.push(toFieldError(error, property, 'hubspot'));
        keepPrevious();
        continue;
      }
      hubspot = UNREADABLE;
    }
    try {
      salesforce = normalizeValue(
        input.salesforce.values[mapping.salesforce],
        mapping,
        'salesforce',
        input.picklists,
      );
    } catch (error) {
      if (mapping.rule !== 'always-hubspot') {
        result.errors.push(toFieldError(error, property, 'salesforce'));
        keepPrevious();
        continue;
      }
      salesforce = UNREADABLE;
    }

    const decision = decideField(mapping.rule, {
      hubspot,
      salesforce,
      snapshot: input.snapshot === undefined ? undefined : previous,
      hubspotChangedAt: input.hubspot.changedAt(property),
      salesforceChangedAt: input.salesforce.changedAt(mapping.salesforce),
      hubspotReportedAt: input.hubspot.reportedAt?.(property),
      salesforceReportedAt: input.salesforce.reportedAt?.(mapping.salesforce),
    });
    if (decision.kind === 'ignore') continue;

    const target = decision.value;
    let salesforceWrite: { value: FieldValue } | undefined;
    if (decision.writeSalesforce && salesforce !== target) {
      try {
        salesforceWrite = { value: toSideValue(target, mapping, 'salesforce', input.picklists) };
      } catch (error) {
        result.errors.push(toFieldError(error, property, 'salesforce'));
        keepPrevious();
        continue;
      }
    }
    if (salesforceWrite) result.toSalesforce[mapping.salesforce] = salesforceWrite.value;
    if (decision.writeHubSpot && hubspot !== target) {
      result.toHubSpot[property] = toSideValue(target, mapping, 'hubspot', input.picklists) as string;
    }
    // The snapshot records what both sides hold after the writes; for an always-* rule the non-source
    // side may still differ (it is never written), but the source's value is what the next merge
    // compares against.
    result.snapshot[property] = target;
    if (decision.conflict) {
      result.conflicts.push({ field: property, hubspot, salesforce, ...decision.conflict });
    }
  }
  return result;
}

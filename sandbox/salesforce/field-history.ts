/**
 * Field History Tracking: the rows Salesforce writes to `ContactHistory` / `LeadHistory` in the same
 * transaction as the change — one per tracked field whose value changed (`Field` = the field's API
 * name, `OldValue`, `NewValue`), and one `created` row (no values) when a record of an object with any
 * tracked field is created. Untracked fields (and objects with nothing tracked) record nothing, as in
 * Salesforce, where tracking is set per field in Setup (at most 20 per object).
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contacthistory.htm
 */
import type { SfRecord } from './transaction.ts';

/** Which fields have Field History Tracking on, per object (sandbox config; none by default, as a new org). */
export type TrackedFields = Partial<Record<'Contact' | 'Lead', readonly string[]>>;

/** What a write hands over to be recorded. */
export interface HistoryChange {
  objectName: string;
  recordId: string;
  /** The fields before the write; undefined for a create. */
  before: Record<string, unknown> | undefined;
  after: Record<string, unknown>;
  changed: readonly string[];
  at: string;
  userId: string;
}

/** The history rows (records of `<Object>History`, without `Id`) a write produces; none when nothing is tracked. */
export function historyRows(tracked: TrackedFields | undefined, change: HistoryChange): SfRecord[] {
  const object = change.objectName;
  if (object !== 'Contact' && object !== 'Lead') return [];
  const fields = tracked?.[object] ?? [];
  if (fields.length === 0) return [];
  const row = (field: string, oldValue: unknown, newValue: unknown): SfRecord => ({
    type: `${object}History`,
    fields: {
      IsDeleted: false,
      [`${object}Id`]: change.recordId,
      Field: field,
      OldValue: oldValue ?? null,
      NewValue: newValue ?? null,
      CreatedDate: change.at,
      CreatedById: change.userId,
    },
  });
  if (change.before === undefined) return [row('created', null, null)];
  const before = change.before;
  return change.changed.filter((f) => fields.includes(f)).map((f) => row(f, before[f], change.after[f]));
}

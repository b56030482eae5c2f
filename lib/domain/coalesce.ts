import { type ChangeNotice, type NoticeKind, recordKey } from './notice.ts';

/** All notices of one record in a batch, folded into one (docs/design.md#coalesce-order). */
export interface CoalescedRecord {
  /** `hubspot:<id>` or `salesforce:<id>` (notice.ts `recordKey`). */
  key: string;
  source: ChangeNotice['source'];
  objectType: ChangeNotice['objectType'];
  recordId: string;
  /** The kind that steers the gate (see `coalesce`). */
  kind: NoticeKind;
  /** Any notice said the record was created (R6 survives a created+updated pair of notices). */
  created: boolean;
  /** Every event id, sorted, for idempotency marks and the trace. */
  eventIds: string[];
  /** Latest occurredAt. */
  occurredAt: number;
  /** Union of changed fields, sorted; undefined when any notice did not say (read everything). */
  changedFields?: string[];
  /**
   * Per field a notice named as changed (webhook property, CDC changed field): the latest such
   * notice's time. Unlike `changedFields` it is kept when another notice did not name its fields:
   * it is the CRM's own word that the field changed then (docs/design.md#two-way).
   */
  fieldChangedAt?: Record<string, number>;
  survivorId?: string;
  mergedIds?: string[];
  forceRead: boolean;
}

/** What `planBatch` reads of a coalesced record (a processor may carry more fields). */
export type PlanRecord = Pick<
  CoalescedRecord,
  | 'key'
  | 'source'
  | 'objectType'
  | 'recordId'
  | 'kind'
  | 'eventIds'
  | 'occurredAt'
  | 'changedFields'
  | 'fieldChangedAt'
  | 'survivorId'
  | 'mergedIds'
>;

/** Kinds that trigger a sync, strongest first: the one kept when several coalesce. */
const TRIGGER_PRIORITY: NoticeKind[] = [
  'created',
  'import',
  'segment-joined',
  'resync',
  'restored',
  'updated',
];

/**
 * A total order on notices (time, then event id, then kind), so coalescing never depends on
 * delivery order. The last tie-break puts `deleted` before `restored`: a delete and a restore of
 * the same instant steer as a restore, and the processor's read of the record settles the rest.
 */
function compareNotices(
  a: Pick<ChangeNotice, 'occurredAt' | 'eventId' | 'kind'>,
  b: Pick<ChangeNotice, 'occurredAt' | 'eventId' | 'kind'>,
): number {
  return a.occurredAt - b.occurredAt || compareText(a.eventId, b.eventId) || compareText(a.kind, b.kind);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The kind that steers the gate for the notices of one record, whatever their order:
 * - a `merged` notice wins (identity must be re-pointed first);
 * - else when the latest (by occurredAt, then eventId) of its `deleted`/`restored` notices is
 *   `deleted`, the record is `deleted`;
 * - else the strongest trigger: created > import > segment-joined > resync > restored > updated.
 */
export function steeringKind(notices: Pick<ChangeNotice, 'kind' | 'occurredAt' | 'eventId'>[]): NoticeKind {
  const sorted = [...notices].sort((a, b) => compareNotices(a, b));
  if (sorted.some((n) => n.kind === 'merged')) return 'merged';
  if (sorted.filter((n) => n.kind === 'deleted' || n.kind === 'restored').at(-1)?.kind === 'deleted')
    return 'deleted';
  const kinds = new Set(sorted.map((n) => n.kind));
  return TRIGGER_PRIORITY.find((k) => kinds.has(k)) ?? 'updated';
}

/**
 * Folds the notices of a batch into one entry per record. The result does not depend on the order of
 * the input (notices arrive out of order): entries are sorted by key, and each record's kind is its
 * `steeringKind`.
 */
export function coalesce(notices: ChangeNotice[]): CoalescedRecord[] {
  const groups = new Map<string, ChangeNotice[]>();
  for (const notice of notices) {
    const key = recordKey(notice);
    const group = groups.get(key);
    if (group) group.push(notice);
    else groups.set(key, [notice]);
  }
  const out: CoalescedRecord[] = [];
  for (const key of [...groups.keys()].sort()) {
    const group = [...(groups.get(key) ?? [])].sort(compareNotices);
    const first = group[0];
    if (!first) continue;
    const merged = group.filter((n) => n.kind === 'merged').at(-1);
    const everyNoticeNamesFields = group.every((n) => n.changedFields !== undefined && !n.forceRead);
    const mergedIds = [...new Set(group.flatMap((n) => n.mergedIds ?? []))].sort();
    const record: CoalescedRecord = {
      key,
      source: first.source,
      objectType: group.at(-1)?.objectType ?? first.objectType,
      recordId: first.recordId,
      kind: steeringKind(group),
      created: group.some((n) => n.kind === 'created'),
      eventIds: [...new Set(group.map((n) => n.eventId))].sort(),
      occurredAt: Math.max(...group.map((n) => n.occurredAt)),
      forceRead: group.some((n) => n.forceRead === true),
    };
    if (everyNoticeNamesFields)
      record.changedFields = [...new Set(group.flatMap((n) => n.changedFields ?? []))].sort();
    const fieldChangedAt: Record<string, number> = {};
    for (const n of group)
      for (const f of n.forceRead ? [] : (n.changedFields ?? []))
        fieldChangedAt[f] = Math.max(fieldChangedAt[f] ?? 0, n.occurredAt);
    if (Object.keys(fieldChangedAt).length > 0) record.fieldChangedAt = fieldChangedAt;
    if (merged?.survivorId) record.survivorId = merged.survivorId;
    if (mergedIds.length > 0) record.mergedIds = mergedIds;
    out.push(record);
  }
  return out;
}

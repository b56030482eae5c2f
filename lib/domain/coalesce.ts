import { type ChangeNotice, type NoticeKind, recordKey } from './notice.ts';

/** All notices of one record in a batch, folded into one (DESIGN.md decision 2: coalesce per record). */
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
  survivorId?: string;
  mergedIds?: string[];
  forceRead: boolean;
}

/** Kinds that trigger a sync, strongest first: the one kept when several coalesce. */
const TRIGGER_PRIORITY: NoticeKind[] = [
  'created',
  'import',
  'segment-joined',
  'resync',
  'restored',
  'updated',
];

function compareNotices(a: ChangeNotice, b: ChangeNotice): number {
  return a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

/**
 * Folds the notices of a batch into one entry per record. The result does not depend on the order of
 * the input (notices arrive out of order): entries are sorted by key, and within a record
 * - a `merged` notice wins (identity must be re-pointed first);
 * - else when the latest of its `deleted`/`restored` notices is `deleted`, the record is `deleted`;
 * - else the strongest trigger: created > import > segment-joined > resync > restored > updated.
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
    const kinds = new Set(group.map((n) => n.kind));
    const lifecycle = group.filter((n) => n.kind === 'deleted' || n.kind === 'restored').at(-1);
    const merged = group.filter((n) => n.kind === 'merged').at(-1);
    let kind: NoticeKind;
    if (merged) kind = 'merged';
    else if (lifecycle?.kind === 'deleted') kind = 'deleted';
    else kind = TRIGGER_PRIORITY.find((k) => kinds.has(k)) ?? 'updated';
    const everyNoticeNamesFields = group.every((n) => n.changedFields !== undefined && !n.forceRead);
    const mergedIds = [...new Set(group.flatMap((n) => n.mergedIds ?? []))].sort();
    const record: CoalescedRecord = {
      key,
      source: first.source,
      objectType: group.at(-1)?.objectType ?? first.objectType,
      recordId: first.recordId,
      kind,
      created: kinds.has('created'),
      eventIds: [...new Set(group.map((n) => n.eventId))].sort(),
      occurredAt: Math.max(...group.map((n) => n.occurredAt)),
      forceRead: group.some((n) => n.forceRead === true),
    };
    if (everyNoticeNamesFields)
      record.changedFields = [...new Set(group.flatMap((n) => n.changedFields ?? []))].sort();
    if (merged?.survivorId) record.survivorId = merged.survivorId;
    if (mergedIds.length > 0) record.mergedIds = mergedIds;
    out.push(record);
  }
  return out;
}

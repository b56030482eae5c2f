import { z } from 'zod';
import type { ChangeNotice, NoticeKind, SalesforceObject } from '../domain/notice.ts';
import { isSalesforceId, sameSalesforceId, toSalesforceId18 } from './outbound-ids.ts';

/**
 * Salesforce Change Data Capture events for Lead and Contact, as Event Relay delivers them to
 * EventBridge (`detail.payload` holds the change event; AppFlow's older shape puts it in `detail`).
 * Header semantics: https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_event_fields_header.htm
 *
 * - One event may name several records (`recordIds`): one notice each.
 * - changeType CREATE/UPDATE/DELETE/UNDELETE → created/updated/deleted/restored; a DELETE that
 *   carries `MasterRecordId` is the loser of a merge → `merged` with that survivor.
 * - Echo layer 1: a change whose `changeOrigin` ends in `;client=<our client name>` was made by
 *   our own writes (we send `Sforce-Call-Options: client=<name>`), and is dropped.
 * - GAP_* events say "something changed, the data is lost": a notice with `forceRead: true`, even
 *   when the origin is ours (a re-read is harmless; trusting a gap is not).
 * - GAP_OVERFLOW (more than 100,000 changes in one transaction) and wildcard ids (`00Q*`) name no
 *   record: a `resync` notice for the object with recordId `*` (see lib/domain/notice.ts).
 */

const headerSchema = z.object({
  entityName: z.string().max(100),
  changeType: z.string().max(40),
  recordIds: z.array(z.string().max(40)).min(1).max(10_000),
  changeOrigin: z.string().max(500).optional().nullable(),
  transactionKey: z.string().min(1).max(100),
  sequenceNumber: z.number().int().nonnegative(),
  commitTimestamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  changedFields: z.array(z.string().max(300)).max(5000).optional().nullable(),
  nulledFields: z.array(z.string().max(300)).max(5000).optional().nullable(),
});
export type ChangeEventHeader = z.infer<typeof headerSchema>;

const changeEventSchema = z.looseObject({ ChangeEventHeader: headerSchema });

/** The EventBridge envelope, as far as we read it. */
const eventBridgeSchema = z.object({
  'detail-type': z.string().max(200).optional(),
  source: z.string().max(500).optional(),
  id: z.string().max(200).optional(),
  detail: z.looseObject({ payload: z.unknown().optional() }),
});

export type CdcIgnoreReason =
  | 'invalid-event'
  | 'unsupported-object'
  | 'unknown-change-type'
  | 'echo'
  | 'invalid-id'
  | 'wrong-organization'
  | 'missing-source'
  | 'unknown-source';

export interface ParsedCdcEvent {
  notices: ChangeNotice[];
  /** Record-level skips (or one for the whole event), by reason. */
  ignored: { reason: CdcIgnoreReason; count: number }[];
  entityName?: string;
  changeType?: string;
}

export interface CdcParseOptions {
  /** Our `Sforce-Call-Options` client name. */
  clientName: string;
  /** When set, events relayed from another org, or with no org in their EventBridge `source`, are ignored. */
  orgId?: string;
}

const KIND_OF: Record<string, { kind: NoticeKind; forceRead?: true }> = {
  CREATE: { kind: 'created' },
  UPDATE: { kind: 'updated' },
  DELETE: { kind: 'deleted' },
  UNDELETE: { kind: 'restored' },
  GAP_CREATE: { kind: 'created', forceRead: true },
  GAP_UPDATE: { kind: 'updated', forceRead: true },
  GAP_DELETE: { kind: 'deleted', forceRead: true },
  GAP_UNDELETE: { kind: 'restored', forceRead: true },
};

/** Names that would be prototype keys if a consumer used them as object keys. */
const FORBIDDEN_NAMES = new Set(['constructor', 'prototype', '__proto__']);

/** `com/salesforce/api/rest/64.0;client=crmsync` → true for clientName `crmsync`. */
export function isOwnOrigin(changeOrigin: string | null | undefined, clientName: string): boolean {
  if (!changeOrigin) return false;
  for (const part of changeOrigin.split(';').slice(1)) {
    const [key, value] = part.split('=', 2);
    // Salesforce sometimes appends a slash: "client=SfdcInternalAPI/".
    if (key?.trim() === 'client' && value?.trim().replace(/\/+$/, '') === clientName) return true;
  }
  return false;
}

/**
 * Field names from the header. Pub/Sub API sends bitmaps ("0x400800") that need the schema to
 * decode; when any entry is one, the list is unknown (undefined) and the processor compares all.
 * Compound name components (`Name.FirstName`) are the object's own field names.
 */
export function fieldNamesOf(header: ChangeEventHeader): string[] | undefined {
  const raw = [...(header.changedFields ?? []), ...(header.nulledFields ?? [])];
  if (raw.length === 0) return undefined;
  const names = new Set<string>();
  for (const entry of raw) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$/.test(entry)) return undefined;
    if (entry.split('.').some((part) => FORBIDDEN_NAMES.has(part))) return undefined;
    names.add(entry.startsWith('Name.') ? entry.slice(5) : entry);
  }
  return [...names].sort();
}

/** The org id in an Event Relay source: `aws.partner/salesforce.com/<orgId>/<relayId>`. */
function orgOfSource(source: string | undefined): string | undefined {
  const match = source?.match(/^aws\.partner\/salesforce\.com\/([A-Za-z0-9]{15,18})\//);
  return match?.[1];
}

/** Parses one EventBridge event into notices. Never throws. */
export function parseCdcEvent(event: unknown, options: CdcParseOptions): ParsedCdcEvent {
  const envelope = eventBridgeSchema.safeParse(event);
  if (!envelope.success) return { notices: [], ignored: [{ reason: 'invalid-event', count: 1 }] };
  // EventBridge always sets `source` (Event Relay: its partner event source); an event without one
  // did not come through a partner bus (a hand-made test event, a forged call): refuse, never queue.
  if (!envelope.data.source) return { notices: [], ignored: [{ reason: 'missing-source', count: 1 }] };
  const sourceOrg = orgOfSource(envelope.data.source);
  if (options.orgId) {
    // An event that does not say which org it comes from is refused: otherwise leaving `source` out
    // (or sending one in another format) would skip the org check.
    if (!sourceOrg) return { notices: [], ignored: [{ reason: 'unknown-source', count: 1 }] };
    if (!sameSalesforceId(sourceOrg, options.orgId))
      return { notices: [], ignored: [{ reason: 'wrong-organization', count: 1 }] };
  }
  const body = envelope.data.detail.payload ?? envelope.data.detail;
  const change = changeEventSchema.safeParse(body);
  if (!change.success) return { notices: [], ignored: [{ reason: 'invalid-event', count: 1 }] };
  const header = change.data.ChangeEventHeader;
  const base = { entityName: header.entityName, changeType: header.changeType };
  const objectType: SalesforceObject | 'Account' | undefined =
    header.entityName === 'Lead' || header.entityName === 'Contact' || header.entityName === 'Account'
      ? header.entityName
      : undefined;
  if (!objectType)
    return {
      ...base,
      notices: [],
      ignored: [{ reason: 'unsupported-object', count: header.recordIds.length }],
    };

  const eventKey = `salesforce-cdc:${header.transactionKey}:${header.sequenceNumber}`;
  const resync = (): ChangeNotice => ({
    source: 'salesforce',
    objectType,
    recordId: '*',
    kind: 'resync',
    eventId: `${eventKey}:resync:${objectType}`,
    occurredAt: header.commitTimestamp,
    forceRead: true,
  });
  if (header.changeType === 'GAP_OVERFLOW') return { ...base, notices: [resync()], ignored: [] };

  const mapping = KIND_OF[header.changeType];
  if (!mapping)
    return {
      ...base,
      notices: [],
      ignored: [{ reason: 'unknown-change-type', count: header.recordIds.length }],
    };
  if (!mapping.forceRead && isOwnOrigin(header.changeOrigin, options.clientName)) {
    return { ...base, notices: [], ignored: [{ reason: 'echo', count: header.recordIds.length }] };
  }

  const notices: ChangeNotice[] = [];
  let invalid = 0;
  let wildcard = false;
  const changedFields = mapping.kind === 'updated' && !mapping.forceRead ? fieldNamesOf(header) : undefined;
  const master = change.data['MasterRecordId'];
  const survivorId =
    typeof master === 'string' && isSalesforceId(master) ? toSalesforceId18(master) : undefined;
  const seen = new Set<string>();
  for (const id of header.recordIds) {
    if (/^[A-Za-z0-9]{3}\*$/.test(id)) {
      wildcard = true;
      continue;
    }
    if (!isSalesforceId(id)) {
      invalid += 1;
      continue;
    }
    const recordId = toSalesforceId18(id);
    if (seen.has(recordId)) continue;
    seen.add(recordId);
    const merged = mapping.kind === 'deleted' && survivorId !== undefined && survivorId !== recordId;
    const notice: ChangeNotice = {
      source: 'salesforce',
      objectType,
      recordId,
      kind: merged ? 'merged' : mapping.kind,
      eventId: `${eventKey}:${recordId}`,
      occurredAt: header.commitTimestamp,
    };
    if (changedFields) notice.changedFields = changedFields;
    if (merged) notice.survivorId = survivorId;
    if (mapping.forceRead) notice.forceRead = true;
    notices.push(notice);
  }
  if (wildcard) notices.push(resync());
  return { ...base, notices, ignored: invalid > 0 ? [{ reason: 'invalid-id', count: invalid }] : [] };
}

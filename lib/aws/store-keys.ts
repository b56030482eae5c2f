import type { CrmSide } from '../domain/notice.ts';
import type { ItemKey } from './item-codec.ts';

/**
 * Key builders for every item kind of the crmsync table (layout: docs/store.md). Kinds are told
 * apart by the `pk` prefix, so no two kinds can collide whatever the ids contain.
 */
export const keys = {
  /** The pair (link + snapshot + version), addressed by HubSpot contact id. */
  pair: (hubspotId: string): ItemKey => ({ pk: `HS#${hubspotId}`, sk: 'PAIR' }),
  /** Salesforce id → HubSpot id lookup; readers verify it against the pair item. */
  salesforceLink: (salesforceId: string): ItemKey => ({ pk: `SF#${salesforceId}`, sk: 'LINK' }),
  /** A company/account pair (C3), addressed by HubSpot company id. */
  companyPair: (companyId: string): ItemKey => ({ pk: `CO#${companyId}`, sk: 'PAIR' }),
  /** Salesforce Account id → HubSpot company id lookup; readers verify it against the pair item. */
  accountLink: (accountId: string): ItemKey => ({ pk: `ACC#${accountId}`, sk: 'LINK' }),
  /** The number of company/account links, kept beside them for the status (C-rules' operators view). */
  companyLinkCount: (): ItemKey => ({ pk: 'LINKCOUNT', sk: 'COMPANY' }),
  /** The cached owner directory (O2, O3): HubSpot owners and Salesforce users, refreshed on a schedule. */
  ownerDirectory: (): ItemKey => ({ pk: 'OWNERS', sk: 'DIRECTORY' }),
  /** One item per current member of a list. */
  member: (listId: string, hubspotId: string): ItemKey => ({ pk: `LIST#${listId}`, sk: `M#${hubspotId}` }),
  memberPartition: (listId: string) => `LIST#${listId}`,
  /** Per-list membership state: member count, incremental-refresh cursor, last reconciliation. */
  membershipState: (listId: string): ItemKey => ({ pk: `LIST#${listId}`, sk: 'STATE' }),
  /** Join/leave history of a list, sorted by time. */
  membershipChange: (listId: string, at: number, hubspotId: string): ItemKey => ({
    pk: `LISTLOG#${listId}`,
    sk: `${padTime(at)}#${hubspotId}`,
  }),
  membershipLogPartition: (listId: string) => `LISTLOG#${listId}`,
  settings: (): ItemKey => ({ pk: 'SETTINGS', sk: 'RUNTIME' }),
  processedEvent: (eventId: string): ItemKey => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' }),
  /** A decision, under its record, sorted by time; the suffix makes same-millisecond decisions distinct. */
  decision: (recordKey: string, at: number, suffix: string): ItemKey => ({
    pk: recordPartition(recordKey),
    sk: `D#${padTime(at)}#${suffix}`,
  }),
  /** The open sync error of a record (at most one), removed when the record next syncs. */
  syncError: (recordKey: string): ItemKey => ({ pk: recordPartition(recordKey), sk: 'ERROR' }),
  /** What crmsync is about to create for this record (write-ahead of a create: creation-intents.ts). */
  creationIntent: (recordKey: string): ItemKey => ({ pk: recordPartition(recordKey), sk: 'CREATING' }),
  /** Per-day counters (decisions by outcome, reason, category). */
  counters: (day: string) => `COUNT#${day}`,
  apiUsage: (crm: CrmSide, day: string): ItemKey => ({ pk: `USAGE#${crm}`, sk: day }),
  /** A named cursor (polling positions). */
  cursor: (name: string): ItemKey => ({ pk: `CURSOR#${name}`, sk: 'CURSOR' }),
  /** The checkpoint of a long job (a resync run): where it resumes after a crash or a timeout. */
  checkpoint: (name: string): ItemKey => ({ pk: `JOB#${name}`, sk: 'CHECKPOINT' }),
} as const;

/** GSI1 partitions: the per-day decision feed and the open sync errors. */
export const gsi1 = {
  feed: (day: string, shard: number) => `FEED#${day}#${shard}`,
  syncErrors: 'ERRORS',
} as const;

export function recordPartition(recordKey: string): string {
  return `REC#${recordKey}`;
}

/** Epoch ms, zero-padded to 15 digits so that string order is time order (until year 33658). */
export function padTime(ms: number): string {
  return String(Math.max(0, Math.trunc(ms))).padStart(15, '0');
}

/** The UTC day (YYYY-MM-DD) of an epoch-ms time: the bucket of counters, usage and the feed. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Epoch seconds, the unit DynamoDB TTL reads. */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

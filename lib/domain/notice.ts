import { z } from 'zod';

/** Which CRM a record or change belongs to. */
export const crmSideSchema = z.enum(['hubspot', 'salesforce']);
export type CrmSide = z.infer<typeof crmSideSchema>;

/** Salesforce objects crmsync syncs with HubSpot contacts. */
export const salesforceObjectSchema = z.enum(['Lead', 'Contact']);
export type SalesforceObject = z.infer<typeof salesforceObjectSchema>;

/**
 * The object a notice is about: a HubSpot `contact` or `company`, or a Salesforce `Lead` / `Contact`
 * / `Account` (C8: company and account changes arrive by webhook, CDC and outbound message like
 * contact changes).
 */
export const noticeObjectSchema = z.enum(['contact', 'company', 'Lead', 'Contact', 'Account']);
export type NoticeObject = z.infer<typeof noticeObjectSchema>;

/**
 * What happened to the record, as far as the source told us. The processor re-reads the record
 * whatever the kind (docs/design.md#notices-not-values), so the kind only steers the gate and identity rules.
 * - `resync`, `import` and `segment-joined` are produced by crmsync itself (R5, R7, R4).
 */
export const noticeKindSchema = z.enum([
  'created',
  'updated',
  'deleted',
  'merged',
  'restored',
  'resync',
  'import',
  'segment-joined',
]);
export type NoticeKind = z.infer<typeof noticeKindSchema>;

/**
 * A queue message: "record X on side S may have changed". It carries no field values on purpose:
 * webhooks and outbound messages arrive out of order, duplicated or not at all, so the processor
 * reads the latest state before deciding, which makes order irrelevant and duplicates harmless.
 */
export const changeNoticeSchema = z.object({
  source: crmSideSchema,
  objectType: noticeObjectSchema,
  /**
   * HubSpot contact id (digits) or Salesforce 18-character id. `*` (with kind `resync`) means
   * "every record of `objectType`": the source lost track of which records changed (Salesforce CDC
   * GAP_OVERFLOW, or a wildcard record id such as `00Q*`), so the whole object must be resynced.
   */
  recordId: z.string().min(1).max(64),
  kind: noticeKindSchema,
  /** Unique per source event (HubSpot eventId, CDC replay/transaction key, outbound notification Id). */
  eventId: z.string().min(1).max(256),
  /** When the change happened at the source, epoch milliseconds. */
  occurredAt: z.number().int().nonnegative(),
  /** Names of the fields (HubSpot properties or Salesforce fields) that changed, when the source says. */
  changedFields: z.array(z.string().min(1).max(255)).max(1000).optional(),
  /**
   * For `merged`: the surviving record id (HubSpot `primaryObjectId`, Salesforce `MasterRecordId`).
   * The notice's `recordId` is then the record that was merged away.
   */
  survivorId: z.string().min(1).max(64).optional(),
  /** For `merged` (HubSpot): every id merged into the survivor. */
  mergedIds: z.array(z.string().min(1).max(64)).max(1000).optional(),
  /**
   * The source could not say which records changed (Salesforce CDC GAP_* events): the processor must
   * re-read rather than trust `changedFields`.
   */
  forceRead: z.boolean().optional(),
});
export type ChangeNotice = z.infer<typeof changeNoticeSchema>;

/** The key a record is coalesced under: one entry per record per batch. */
export function recordKey(notice: Pick<ChangeNotice, 'source' | 'recordId'>): string {
  return `${notice.source}:${notice.recordId}`;
}

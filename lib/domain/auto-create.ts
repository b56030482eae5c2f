import { createdByCrmsyncInSalesforce } from './record-author.ts';

/** The default auto-create window (docs/design.md, R6): a Salesforce record created this long ago is still new. */
export const DEFAULT_AUTO_CREATE_WINDOW_MS = 24 * 60 * 60_000;

/** Whether the Salesforce record itself confirms an R6 auto-create, and if not, why not (recorded in the trace). */
export type AutoCreateEvidence =
  | { confirmed: true }
  | {
      confirmed: false;
      why: 'record-not-found' | 'created-by-crmsync' | 'created-before-window' | 'integration-user-unknown';
    };

/**
 * R6 is granted by the record, not by a notice's word (docs/reliability.md, finding 9): a `created`
 * notice — an outbound message whose kind is guessed from `CreatedDate == LastModifiedDate`, a CDC
 * event, a replay — only *claims* a creation. The record read from Salesforce in the same batch must
 * confirm it: it exists (not deleted), it was not created by crmsync's integration user (`CreatedById`:
 * our own creations are not auto-creates, even when the create's response was lost), and it was
 * created within the auto-create window before the batch (default 24 h). Not "unmodified since
 * creation": an old lead nobody ever edited has equal dates too, which is what a forged message used.
 */
export function confirmAutoCreate(
  record: { createdAt: number; createdById?: string; isDeleted?: boolean } | undefined,
  ctx: { integrationUserId: string | undefined; now: number; windowMs: number },
): AutoCreateEvidence {
  if (!record || record.isDeleted) return { confirmed: false, why: 'record-not-found' };
  if (ctx.integrationUserId === undefined) return { confirmed: false, why: 'integration-user-unknown' };
  if (createdByCrmsyncInSalesforce(record, ctx.integrationUserId))
    return { confirmed: false, why: 'created-by-crmsync' };
  if (!(record.createdAt > 0) || ctx.now - record.createdAt > ctx.windowMs)
    return { confirmed: false, why: 'created-before-window' };
  return { confirmed: true };
}

import { repointCompanyPair } from '../domain/company-create.ts';
import type { Decision } from '../ports.ts';
import { syncAccounts } from './account-sync.ts';
import { classifyError } from './processor-errors.ts';
import type { TrackedNotice } from './processor-messages.ts';
import type { MessageStatus, ProcessorDeps } from './processor-types.ts';

/**
 * The processor's Account lane (C8): Account notices from CDC (`AccountChangeEvent`) and outbound
 * messages go through the account pipeline (lib/sync/account-sync.ts) instead of the contact one.
 * An Account merged away (deleted with a `MasterRecordId`) first re-points its link (C9).
 */
export function splitAccountNotices(notices: TrackedNotice[]): {
  accounts: TrackedNotice[];
  contacts: TrackedNotice[];
} {
  const accounts = notices.filter((t) => t.notice.objectType === 'Account');
  return { accounts, contacts: notices.filter((t) => t.notice.objectType !== 'Account') };
}

export interface AccountLaneResult {
  /** Status per message of the lane. */
  statuses: { messageIds: string[]; status: MessageStatus }[];
  decisions: Decision[];
  /** Event ids to mark processed (not those handed back for a retry). */
  eventIds: string[];
}

const STATUS: Record<Decision['outcome'], MessageStatus> = {
  synced: 'synced',
  linked: 'synced',
  relinked: 'synced',
  noop: 'noop',
  skipped: 'skipped',
  error: 'error',
  received: 'noop',
};

/** Syncs one batch's Account notices; a retryable failure hands all of them back to the queue. */
export async function processAccountNotices(
  tracked: TrackedNotice[],
  deps: ProcessorDeps,
  now: number,
): Promise<AccountLaneResult> {
  if (tracked.length === 0) return { statuses: [], decisions: [], eventIds: [] };
  const messagesOf = new Map<string, string[]>();
  for (const t of tracked) {
    const id = t.notice.kind === 'merged' && t.notice.survivorId ? t.notice.survivorId : t.notice.recordId;
    messagesOf.set(id, [...(messagesOf.get(id) ?? []), t.messageId]);
  }
  const sync = { ...deps, now: () => now };
  try {
    const repoints = await repointMergedAccounts(tracked, sync, now);
    const ids = [...messagesOf.keys()].filter((id) => id !== '*');
    const decisions = [...repoints, ...(await syncAccounts(sync, ids))];
    const statuses = [...messagesOf].map(([id, messageIds]) => {
      const mine = decisions.filter((d) => d.recordKey === `salesforce:${id}`).at(-1);
      return { messageIds, status: mine ? STATUS[mine.outcome] : ('noop' as const) };
    });
    return { statuses, decisions, eventIds: tracked.map((t) => t.notice.eventId) };
  } catch (error) {
    const failure = classifyError(error);
    const status: MessageStatus = failure.retryable ? 'retry' : 'error';
    const decisions = [...messagesOf.keys()].map(
      (id): Decision => ({
        at: now,
        recordKey: `salesforce:${id}`,
        outcome: failure.retryable ? 'received' : 'error',
        reason: failure.retryable ? 'retry' : failure.message,
        category: failure.category,
        detail: { stage: 'account-sync', message: failure.message },
      }),
    );
    return {
      statuses: [...messagesOf.values()].map((messageIds) => ({ messageIds, status })),
      decisions,
      eventIds: failure.retryable ? [] : tracked.map((t) => t.notice.eventId),
    };
  }
}

/** C9: the link of an Account merged away moves to the master account (or goes, when it is linked). */
async function repointMergedAccounts(
  tracked: TrackedNotice[],
  deps: ProcessorDeps,
  now: number,
): Promise<Decision[]> {
  const merges = tracked.filter((t) => t.notice.kind === 'merged' && t.notice.survivorId);
  if (merges.length === 0) return [];
  const ids = merges.flatMap((t) => [t.notice.recordId, t.notice.survivorId!]);
  const pairs = await deps.store.getCompanyPairsByAccountIds(ids);
  const decisions: Decision[] = [];
  for (const { notice } of merges) {
    const loser = pairs.get(notice.recordId);
    if (!loser) continue;
    const r = repointCompanyPair(
      loser,
      { side: 'salesforce', id: notice.survivorId! },
      pairs.get(notice.survivorId!),
      now,
    );
    if (r.remove && !r.write) await deps.store.deleteCompanyPair(r.remove.companyId, r.remove.version);
    if (r.write) await deps.store.putCompanyPair(r.write.pair, r.write.expectedVersion);
    decisions.push({
      at: now,
      recordKey: `salesforce:${notice.recordId}`,
      outcome: 'relinked',
      reason: r.reason,
      eventId: notice.eventId,
    });
  }
  return decisions;
}

import { repointCompanyPair } from '../domain/company-create.ts';
import type { Decision } from '../ports.ts';
import { syncAccounts } from './account-sync.ts';
import { createAccountsForCompanies } from './company-to-account.ts';
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
  const isCompanyLane = (t: TrackedNotice) =>
    t.notice.objectType === 'Account' || t.notice.objectType === 'company';
  return { accounts: notices.filter(isCompanyLane), contacts: notices.filter((t) => !isCompanyLane(t)) };
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
  // Received but not done (a lost creation race, account-sync.ts linkCreated): back to the queue.
  received: 'retry',
};

/** Syncs one batch's Account notices; a retryable failure hands all of them back to the queue. */
export async function processAccountNotices(
  tracked: TrackedNotice[],
  deps: ProcessorDeps,
  now: number,
): Promise<AccountLaneResult> {
  if (tracked.length === 0) return { statuses: [], decisions: [], eventIds: [] };
  const sync = { ...deps, now: () => now };
  /** Messages per record key: `salesforce:<accountId>` or `hubspot-company:<companyId>`. */
  const messagesOf = new Map<string, string[]>();
  const add = (key: string, messageId: string) =>
    messagesOf.set(key, [...(messagesOf.get(key) ?? []), messageId]);
  try {
    const { decisions: repoints, orphans } = await repointMerged(tracked, sync, now);
    // A HubSpot company change syncs its account when linked (the merge goes both ways, C7); an
    // unlinked company goes to C4.
    const companyIds = tracked.filter((t) => t.notice.objectType === 'company').map((t) => survivorOf(t));
    const companyPairs = await deps.store.getCompanyPairsByCompanyIds(companyIds);
    for (const t of tracked) {
      const id = survivorOf(t);
      if (t.notice.objectType === 'Account') add(`salesforce:${id}`, t.messageId);
      else {
        const pair = companyPairs.get(id);
        add(pair ? `salesforce:${pair.accountId}` : `hubspot-company:${id}`, t.messageId);
      }
    }
    const keys = [...messagesOf.keys()];
    const accountIds = keys
      .filter((k) => k.startsWith('salesforce:'))
      .map((k) => k.slice('salesforce:'.length));
    const unlinked = keys
      .filter((k) => k.startsWith('hubspot-company:'))
      .map((k) => k.slice('hubspot-company:'.length));
    const decisions = [
      ...repoints,
      ...(await syncAccounts(
        sync,
        [...accountIds, ...orphans.accounts].filter((id) => id !== '*'),
      )),
      ...(await createAccountsForCompanies(sync, [...unlinked, ...orphans.companies])),
    ];
    const statuses = [...messagesOf].map(([key, messageIds]) => {
      const mine = decisions.filter((d) => d.recordKey === key).at(-1);
      return { messageIds, status: mine ? STATUS[mine.outcome] : ('noop' as const) };
    });
    // A message handed back for a retry is not processed yet: its event must not be deduplicated away.
    const retried = new Set(statuses.filter((s) => s.status === 'retry').flatMap((s) => s.messageIds));
    const eventIds = tracked.filter((t) => !retried.has(t.messageId)).map((t) => t.notice.eventId);
    return { statuses, decisions, eventIds };
  } catch (error) {
    const failure = classifyError(error);
    const status: MessageStatus = failure.retryable ? 'retry' : 'error';
    const decisions = [...messagesOf.keys()].map(
      (key): Decision => ({
        at: now,
        recordKey: key,
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

/** The record a notice stands for: the survivor of a merge, else the record itself. */
function survivorOf(t: TrackedNotice): string {
  return t.notice.kind === 'merged' && t.notice.survivorId ? t.notice.survivorId : t.notice.recordId;
}

/**
 * C9: the link of an Account merged away moves to the master account, the link of a company merged
 * away to the surviving company (or goes, when the survivor is linked already). A removed link leaves
 * its other record — the account of a company merged into a linked company, the company of an account
 * merged into a linked account — without a counterpart: those `orphans` are synced in the same batch as
 * unlinked records (C3 → C2 for an account, C4 for a company), so the batch ends at a fixed point, as
 * any later change to them would do (docs/reliability.md "Companies").
 */
async function repointMerged(
  tracked: TrackedNotice[],
  deps: ProcessorDeps,
  now: number,
): Promise<{ decisions: Decision[]; orphans: { accounts: string[]; companies: string[] } }> {
  const orphans = { accounts: [] as string[], companies: [] as string[] };
  const merges = tracked.filter((t) => t.notice.kind === 'merged' && t.notice.survivorId);
  if (merges.length === 0) return { decisions: [], orphans };
  const ids = merges.flatMap((t) => [t.notice.recordId, t.notice.survivorId!]);
  const byAccount = await deps.store.getCompanyPairsByAccountIds(ids);
  const byCompany = await deps.store.getCompanyPairsByCompanyIds(ids);
  const decisions: Decision[] = [];
  for (const { notice } of merges) {
    const side = notice.objectType === 'Account' ? 'salesforce' : 'hubspot';
    const pairs = side === 'salesforce' ? byAccount : byCompany;
    const loser = pairs.get(notice.recordId);
    if (!loser) continue;
    const survivor = { side, id: notice.survivorId! } as const;
    const r = repointCompanyPair(loser, survivor, pairs.get(notice.survivorId!), now);
    // The loser's link goes first: its account lookup must be free for the survivor to claim (links
    // are one-to-one). A crash in between leaves the account unlinked; C3 finds the company again.
    if (r.remove) await deps.store.deleteCompanyPair(r.remove.companyId, r.remove.version);
    if (r.write) await deps.store.putCompanyPair(r.write.pair, r.write.expectedVersion);
    if (r.remove && !r.write)
      (side === 'salesforce' ? orphans.companies : orphans.accounts).push(
        side === 'salesforce' ? loser.companyId : loser.accountId,
      );
    const recordKey =
      side === 'salesforce' ? `salesforce:${notice.recordId}` : `hubspot-company:${notice.recordId}`;
    decisions.push({ at: now, recordKey, outcome: 'relinked', reason: r.reason, eventId: notice.eventId });
  }
  return { decisions, orphans };
}

import { repointCompanyPair } from '../domain/company-create.ts';
import type { CompanyPair, Decision, SalesforceAccount, SyncStore } from '../ports.ts';

/**
 * C9 for an Account merge as Salesforce delivers it: CDC (`AccountChangeEvent` DELETE) and outbound
 * messages say only that the losing account was deleted; reading it with `queryAll` shows its
 * `MasterRecordId`. The loser's link moves to the master account, or goes when the master is
 * linked already (links stay one-to-one). docs/design.md#companies-accounts-and-owners
 */
export async function relinkMergedAccounts(
  deps: { store: SyncStore; now: () => number },
  merged: { account: SalesforceAccount & { masterRecordId: string }; pair: CompanyPair }[],
  decide: (id: string, outcome: Decision['outcome'], reason: string, detail?: Decision['detail']) => Decision,
): Promise<Decision[]> {
  if (merged.length === 0) return [];
  const masters = await deps.store.getCompanyPairsByAccountIds(merged.map((m) => m.account.masterRecordId));
  const decisions: Decision[] = [];
  for (const { account, pair } of merged) {
    const survivor = { side: 'salesforce' as const, id: account.masterRecordId };
    const r = repointCompanyPair(pair, survivor, masters.get(survivor.id), deps.now());
    // The loser's link goes first, so the master's account lookup is free to claim (one-to-one).
    if (r.remove) await deps.store.deleteCompanyPair(r.remove.companyId, r.remove.version);
    if (r.write) await deps.store.putCompanyPair(r.write.pair, r.write.expectedVersion);
    decisions.push(decide(account.id, 'relinked', r.reason, { companyId: pair.companyId }));
  }
  return decisions;
}

/** The accounts of a batch that were merged away and are still linked: C9 re-points their links. */
export function mergedAway(
  accounts: SalesforceAccount[],
  pairs: Map<string, CompanyPair>,
): { account: SalesforceAccount & { masterRecordId: string }; pair: CompanyPair }[] {
  return accounts.flatMap((account) => {
    const pair = pairs.get(account.id);
    const master = account.masterRecordId;
    return account.isDeleted && master && pair
      ? [{ account: { ...account, masterRecordId: master }, pair }]
      : [];
  });
}

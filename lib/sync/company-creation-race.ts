import type { CompanyPair, HubSpotPort, SalesforcePort, SyncStore } from '../ports.ts';
import { settle } from './processor-errors.ts';

/**
 * Two processors can take notices of the same unlinked account (or company) at once — SQS delivers
 * at least once, and an outbound message and a CDC event name the same change. Both find nothing to
 * link (C3) and both create a counterpart (C2 a company, C4 an account); only the first new pair
 * commits (the link is one-to-one, docs/design.md#per-record-safety). The loser's record is a duplicate
 * nobody else knows yet: the loser removes it (archive in HubSpot, delete in Salesforce) and its notice
 * is retried, which finds the winner's pair and merges into it. A commit that failed for another reason
 * (the store unreachable) leaves the record and the error stands. The same rule as for contacts
 * (creation-race.ts); found by the reliability model's concurrent processors with companies
 * (docs/reliability.md "Companies").
 *
 * Returns true when the created record lost the race and was removed.
 */
export async function removeCompanyRaceLoss(
  deps: {
    store: Pick<SyncStore, 'getCompanyPairsByAccountIds' | 'getCompanyPairsByCompanyIds'>;
    hubspot: Pick<HubSpotPort, 'archiveCompanies'>;
    salesforce: Pick<SalesforcePort, 'deleteRecords'>;
  },
  created: 'company' | 'account',
  pair: Pick<CompanyPair, 'companyId' | 'accountId'>,
): Promise<boolean> {
  if (created === 'company') {
    // We created pair.companyId for pair.accountId: lost when the account is linked to another company.
    const holder = (await deps.store.getCompanyPairsByAccountIds([pair.accountId])).get(pair.accountId);
    if (!holder || holder.companyId === pair.companyId) return false;
    // Best effort: a failure here leaves the duplicate, which is what happened before anyway.
    await settle(deps.hubspot.archiveCompanies([pair.companyId]));
    return true;
  }
  // We created pair.accountId for pair.companyId: lost when the company is linked to another account.
  const holder = (await deps.store.getCompanyPairsByCompanyIds([pair.companyId])).get(pair.companyId);
  if (!holder || holder.accountId === pair.accountId) return false;
  await settle(deps.salesforce.deleteRecords([pair.accountId]));
  return true;
}

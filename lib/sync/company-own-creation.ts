import { ACCOUNT_ID_PROPERTY } from '../domain/company-entities.ts';
import type { HubSpotPort, SyncStore } from '../ports.ts';

/**
 * Companies crmsync created for these accounts whose create response was lost (a timeout, a crash
 * between the write and the commit): each names its account in `salesforceaccountid` (C2 stamps it)
 * and is linked to nothing. The account links to it (C3 a: the company of that Account Id) instead of
 * getting a second company. One search per 100 accounts, only for accounts about to get a company.
 * Found by the reliability model with companies (docs/reliability.md "Companies"). HubSpot's search
 * index lags a write by a few seconds; a retry comes later than that (the queue's visibility timeout).
 */
export async function findLostCompanyCreations(
  deps: {
    hubspot: Pick<HubSpotPort, 'findCompaniesByAccountIds'>;
    store: Pick<SyncStore, 'getCompanyPairsByCompanyIds'>;
  },
  accountIds: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (accountIds.length === 0) return out;
  const found = await deps.hubspot.findCompaniesByAccountIds(accountIds, []);
  if (found.length === 0) return out;
  const linked = await deps.store.getCompanyPairsByCompanyIds(found.map((c) => c.id));
  // The oldest first: a company made twice before this fix keeps its first copy.
  for (const company of [...found].sort((a, b) => a.createdAt - b.createdAt)) {
    const accountId = company.properties[ACCOUNT_ID_PROPERTY];
    if (!accountId || linked.has(company.id) || out.has(accountId)) continue;
    out.set(accountId, company.id);
  }
  return out;
}

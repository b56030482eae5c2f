import { OWNER_SNAPSHOT_KEY, type OwnerDirectory } from '../domain/company-entities.ts';
import { decideOwner, isOwnerRefusal } from '../domain/owners.ts';
import type { FieldError } from '../domain/sync-rule-error.ts';
import { merge } from '../domain/three-way-merge.ts';
import type { CompanyPair, Decision, HubSpotCompany, SalesforceAccount, WriteOutcome } from '../ports.ts';
import type { AccountSyncDeps } from './account-sync.ts';
import { refreshOwnerDirectory } from './owner-directory.ts';

const HUBSPOT_OWNER = 'hubspot_owner_id';

/** Builds one record's decision (the batch's time and record key filled in). */
export type Decide = (
  id: string,
  outcome: Decision['outcome'],
  reason: string,
  detail?: Decision['detail'],
) => Decision;

/** A linked or matched account and the company it goes with. */
export interface AccountLink {
  pair: CompanyPair | undefined;
  companyId: string;
  reason: string;
}

/** One pair's writes (C7 merge and O1 owner) and what to commit once they are done. */
interface PairPlan {
  accountId: string;
  hubspot?: { ref: string; id: string; properties: Record<string, string> };
  salesforce?: { ref: string; id: string; fields: Record<string, string | number | boolean | null> };
  pair: CompanyPair;
  expectedVersion: number;
  reason: string;
  wrote: boolean;
  /** Fields the merge could not use (an unmapped picklist value): a sync error each, never a silent drop. */
  fieldErrors: FieldError[];
}

/**
 * C7 three-way merge (and O1 owners) of linked or matched pairs; batched writes; pairs committed.
 *
 * An owner the directory still took for active may have been deactivated since its last refresh:
 * Salesforce then refuses the OwnerId (`INACTIVE_OWNER_OR_USER`), HubSpot an archived owner
 * (`INVALID_OWNER_ID`). Such a refusal refreshes the directory (once per batch) and re-plans only
 * the refused pairs with it — the owner rules (O1–O5) then skip the inactive owner and say so — and
 * writes them once more; the rest of the batch is not failed (docs/design.md#owner-refusals).
 */
export async function mergeLinked(
  deps: AccountSyncDeps,
  linked: Map<string, AccountLink>,
  accounts: Map<string, SalesforceAccount>,
  directory: OwnerDirectory,
  decide: Decide,
): Promise<Decision[]> {
  if (linked.size === 0) return [];
  const properties = [...deps.config.mappings.Account.map((m) => m.hubspot), HUBSPOT_OWNER];
  const companies = new Map(
    (
      await deps.hubspot.readCompanies(
        [...linked.values()].map((l) => l.companyId),
        properties,
      )
    ).map((c): [string, HubSpotCompany] => [c.id, c]),
  );
  const decisions: Decision[] = [];
  const planAll = (ids: string[], owners: OwnerDirectory): PairPlan[] =>
    ids.flatMap((accountId) => {
      const link = linked.get(accountId)!;
      const account = accounts.get(accountId);
      const company = companies.get(link.companyId);
      if (account && company) return [planPair(deps, accountId, link, account, company, owners)];
      decisions.push(decide(accountId, 'noop', `C7: company ${link.companyId} was not found in HubSpot`));
      return [];
    });
  const plans = planAll([...linked.keys()], directory);
  const failed = await writePlans(deps, plans);
  const refused = [...failed].filter(([, o]) => isOwnerRefusal(o.message)).map(([id]) => id);
  if (refused.length > 0 && deps.config.owners.enabled) {
    const fresh = await refreshOwnerDirectory(deps);
    const again = planAll(refused, fresh);
    for (const id of refused) failed.delete(id);
    for (const [id, o] of await writePlans(deps, again)) failed.set(id, o);
    for (const plan of again) {
      plan.reason = `${plan.reason} (owner directory refreshed: the owner written before was refused as inactive)`;
      plans[plans.findIndex((p) => p.accountId === plan.accountId)] = plan;
    }
  }
  for (const c of plans) {
    const error = failed.get(c.accountId);
    if (error) {
      decisions.push(decide(c.accountId, 'error', `C7: write failed: ${error.message}`));
      continue;
    }
    await deps.store.putCompanyPair(c.pair, c.expectedVersion);
    const outcome = c.expectedVersion === 0 ? 'linked' : c.wrote ? 'synced' : 'noop';
    decisions.push(decide(c.accountId, outcome, c.reason, { companyId: c.pair.companyId }));
    // After the pair's decision: the record's latest decision is the error, so it shows as open.
    for (const e of c.fieldErrors)
      decisions.push({
        ...decide(c.accountId, 'error', `C7: ${e.message}`, { field: e.field, side: e.side }),
        category: e.category,
      });
  }
  return decisions;
}

/** The batched writes of these plans; the failures by account id (a pair fails if either side does). */
async function writePlans(
  deps: AccountSyncDeps,
  plans: PairPlan[],
): Promise<Map<string, WriteOutcome & { ok: false }>> {
  const hubspot = plans.flatMap((p) => (p.hubspot ? [p.hubspot] : []));
  const salesforce = plans.flatMap((p) => (p.salesforce ? [p.salesforce] : []));
  const failed = new Map<string, WriteOutcome & { ok: false }>();
  for (const o of hubspot.length > 0 ? await deps.hubspot.updateCompanies(hubspot) : [])
    if (!o.ok) failed.set(o.ref, o);
  for (const o of salesforce.length > 0 ? await deps.salesforce.updateRecords('Account', salesforce) : [])
    if (!o.ok) failed.set(o.ref, o);
  return failed;
}

/** One pair's C7 merge and O1 owner decision, with this owner directory. */
function planPair(
  deps: AccountSyncDeps,
  accountId: string,
  link: AccountLink,
  account: SalesforceAccount,
  company: HubSpotCompany,
  directory: OwnerDirectory,
): PairPlan {
  const result = merge({
    mappings: deps.config.mappings.Account,
    picklists: deps.config.picklists,
    hubspot: {
      values: company.properties,
      changedAt: (p) => company.propertyChangedAt?.[p] ?? company.updatedAt,
    },
    salesforce: { values: account.fields, changedAt: () => account.modifiedAt },
    snapshot: link.pair?.snapshot,
  });
  const toHubSpot = { ...result.toHubSpot };
  const toSalesforce: Record<string, string | number | boolean | null> = { ...result.toSalesforce };
  const snapshot = { ...result.snapshot };
  let ownerReason = '';
  if (deps.config.owners.enabled) {
    const owner = decideOwner(
      {
        hubspotOwnerId: company.properties[HUBSPOT_OWNER] ?? null,
        salesforceOwnerId: (account.fields['OwnerId'] as string | null) ?? null,
        snapshot: link.pair?.snapshot[OWNER_SNAPSHOT_KEY],
        hubspotChangedAt: company.propertyChangedAt?.[HUBSPOT_OWNER] ?? company.updatedAt,
        salesforceChangedAt: account.modifiedAt,
      },
      directory,
    );
    if (owner.toHubSpot) toHubSpot[HUBSPOT_OWNER] = owner.toHubSpot;
    if (owner.toSalesforce) toSalesforce['OwnerId'] = owner.toSalesforce;
    if (owner.snapshot !== undefined) snapshot[OWNER_SNAPSHOT_KEY] = owner.snapshot;
    if (owner.toHubSpot || owner.toSalesforce || owner.refused) ownerReason = `; ${owner.reason}`;
  }
  const hasHubSpot = Object.keys(toHubSpot).length > 0;
  const hasSalesforce = Object.keys(toSalesforce).length > 0;
  const pair: CompanyPair = link.pair
    ? { ...link.pair, snapshot, lastSyncedAt: deps.now() }
    : {
        companyId: company.id,
        accountId,
        snapshot,
        version: 0,
        lastSyncedAt: deps.now(),
        origin: 'matched-by-contacts',
      };
  return {
    accountId,
    ...(hasHubSpot ? { hubspot: { ref: accountId, id: company.id, properties: toHubSpot } } : {}),
    ...(hasSalesforce ? { salesforce: { ref: accountId, id: accountId, fields: toSalesforce } } : {}),
    pair,
    expectedVersion: link.pair?.version ?? 0,
    reason: `${link.reason}${ownerReason}`,
    wrote: hasHubSpot || hasSalesforce,
    fieldErrors: result.errors,
  };
}

import type { CrmSyncConfig } from '../config.ts';
import { decideAccountAction } from '../domain/company-create.ts';
import { ACCOUNT_ID_PROPERTY, OWNER_SNAPSHOT_KEY } from '../domain/company-entities.ts';
import { matchCompanyForAccount } from '../domain/company-match.ts';
import { valuesForNewHubSpotRecord } from '../domain/creation.ts';
import { ownerForCreation } from '../domain/owners.ts';
import type {
  CompanyPair,
  Decision,
  HubSpotPort,
  SalesforceAccount,
  SalesforcePort,
  SyncStore,
  WriteOutcome,
} from '../ports.ts';
import { hubspotTwinsOf } from './account-contacts.ts';
import { type AccountLink, type Decide, mergeLinked } from './account-merge.ts';
import { mergedAway, relinkMergedAccounts } from './account-merges.ts';
import { removeCompanyRaceLoss } from './company-creation-race.ts';
import { findLostCompanyCreations } from './company-own-creation.ts';
import { ownerDirectoryFor } from './owner-directory.ts';
import { companySyncEnabled } from './sync-deps.ts';

/**
 * Salesforce Accounts → HubSpot companies, one batch (docs/design.md#companies-accounts-and-owners):
 * resolve (read the accounts, their links, C3 candidates) → gate (C1) → act (merge C7 with owners O1,
 * or create C2) → commit the pairs → decisions citing the rule. Reads and writes are batched: one
 * SOQL read of the accounts, one of their Contacts, association and company reads by batch, one
 * company batch create and update, one Account collection update.
 */
export interface AccountSyncDeps {
  store: SyncStore;
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  config: CrmSyncConfig;
  now: () => number;
}

const HUBSPOT_OWNER = 'hubspot_owner_id';

/** Syncs the given accounts; returns the decisions (the caller records them, with the batch's trace). */
export async function syncAccounts(deps: AccountSyncDeps, accountIds: string[]): Promise<Decision[]> {
  const at = deps.now();
  const ids = [...new Set(accountIds)];
  const decide = (id: string, outcome: Decision['outcome'], reason: string, detail?: Decision['detail']) =>
    ({ at, recordKey: `salesforce:${id}`, outcome, reason, ...(detail ? { detail } : {}) }) as Decision;
  const enabled = companySyncEnabled(await deps.store.getSettings(), deps.config);
  const mappings = deps.config.mappings.Account;
  const accounts = enabled
    ? await deps.salesforce.readAccounts(
        ids,
        mappings.map((m) => m.salesforce),
      )
    : [];
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const pairs = enabled ? await deps.store.getCompanyPairsByAccountIds(ids) : new Map<string, CompanyPair>();
  const merged = mergedAway(accounts, pairs);
  const decisions: Decision[] = await relinkMergedAccounts(deps, merged, decide);
  const relinked = new Set(merged.map((m) => m.account.id));
  const toMatch: SalesforceAccount[] = [];
  const linked = new Map<string, AccountLink>();
  for (const id of ids) {
    if (relinked.has(id)) continue;
    const action = decideAccountAction({
      companiesEnabled: enabled,
      account: byId.get(id),
      pair: pairs.get(id),
    });
    if (action.action === 'skip') decisions.push(decide(id, 'skipped', action.reason));
    else if (action.action === 'merge')
      linked.set(id, { pair: action.pair, companyId: action.pair.companyId, reason: action.reason });
    else toMatch.push(byId.get(id)!);
  }
  const matched = await matchCompanies(deps, toMatch);
  const toCreate: { account: SalesforceAccount; why: string }[] = [];
  for (const account of toMatch) {
    const m = matched.get(account.id);
    if (m && m.kind !== 'create')
      linked.set(account.id, { pair: undefined, companyId: m.companyId, reason: m.reason });
    else toCreate.push({ account, why: m?.reason ?? '' });
  }
  // A company created for one of them earlier, its create response lost: link it, do not make another.
  const lost = await findLostCompanyCreations(
    deps,
    toCreate.map((t) => t.account.id),
  );
  for (const [accountId, companyId] of lost)
    linked.set(accountId, {
      pair: undefined,
      companyId,
      reason: `C3(a): company ${companyId} names account ${accountId} (${ACCOUNT_ID_PROPERTY}): crmsync created it and its create response was lost`,
    });
  const creating = toCreate.filter((t) => !lost.has(t.account.id));
  if (linked.size + creating.length === 0) return decisions;
  const directory = await ownerDirectoryFor(deps, {
    hubspot: [],
    salesforce: accounts.map((a) => (a.fields['OwnerId'] as string | null) ?? null),
  });
  decisions.push(...(await mergeLinked(deps, linked, byId, directory, decide)));
  decisions.push(...(await createCompanies(deps, creating, directory, decide)));
  return decisions;
}

/**
 * C3 for accounts not linked yet: their Contacts' HubSpot contacts' companies (the contacts linked, or
 * about to be by email: lib/sync/account-contacts.ts), in batch reads.
 */
async function matchCompanies(deps: AccountSyncDeps, accounts: SalesforceAccount[]) {
  const out = new Map<string, ReturnType<typeof matchCompanyForAccount>>();
  if (accounts.length === 0) return out;
  const contacts = await deps.salesforce.readAccountContacts(accounts.map((a) => a.id));
  const twins = await hubspotTwinsOf(
    deps,
    contacts.map((c) => c.id),
  );
  const hubspotIds = [...new Set(twins.values())];
  const companiesOf = hubspotIds.length > 0 ? await deps.hubspot.readContactCompanies(hubspotIds) : new Map();
  const candidateIds = [...new Set([...companiesOf.values()].flat().map((a) => a.companyId as string))];
  const candidatePairs = await deps.store.getCompanyPairsByCompanyIds(candidateIds);
  const candidates = candidateIds.length > 0 ? await deps.hubspot.readCompanies(candidateIds, []) : [];
  const modifiedAt = new Map(candidates.map((c) => [c.id, c.updatedAt]));
  for (const account of accounts) {
    const shared = contacts
      .filter((c) => c.accountId === account.id)
      .flatMap((c) => {
        const hubspotId = twins.get(c.id);
        if (!hubspotId) return [];
        const companyIds = (companiesOf.get(hubspotId) ?? []).map((a: { companyId: string }) => a.companyId);
        return [{ hubspotContactId: hubspotId, companyIds }];
      });
    const elsewhere = new Set(
      [...candidatePairs.values()].filter((p) => p.accountId !== account.id).map((p) => p.companyId),
    );
    out.set(
      account.id,
      matchCompanyForAccount({
        accountId: account.id,
        linkedCompanyId: undefined,
        sharedContacts: shared,
        companyModifiedAt: (id) => modifiedAt.get(id),
        linkedElsewhere: elsewhere,
      }),
    );
  }
  return out;
}

/** C2: a company for each account with no company to link, every mapped value copied; O4 owner. */
async function createCompanies(
  deps: AccountSyncDeps,
  accounts: { account: SalesforceAccount; why: string }[],
  directory: Awaited<ReturnType<typeof ownerDirectoryFor>>,
  decide: Decide,
): Promise<Decision[]> {
  if (accounts.length === 0) return [];
  const decisions: Decision[] = [];
  const inputs: { ref: string; properties: Record<string, string> }[] = [];
  const snapshots = new Map<string, Record<string, string | null>>();
  const why = new Map(accounts.map((a) => [a.account.id, a.why]));
  for (const { account } of accounts) {
    const values = valuesForNewHubSpotRecord(
      account.fields,
      deps.config.mappings.Account,
      deps.config.picklists,
    );
    if (!values.ok) continue; // HubSpot requires no company property: creation cannot fail here.
    // The account's id on the company (C3 a): a retry after a lost create response finds it.
    const properties: Record<string, string> = { ...values.value, [ACCOUNT_ID_PROPERTY]: account.id };
    const snapshot: Record<string, string | null> = { ...values.snapshot };
    if (deps.config.owners.enabled) {
      const owner = ownerForCreation(
        'hubspot',
        (account.fields['OwnerId'] as string | null) ?? null,
        directory,
      );
      if (owner.ownerId) properties[HUBSPOT_OWNER] = owner.ownerId;
      snapshot[OWNER_SNAPSHOT_KEY] = owner.ownerId ? owner.snapshot : null;
    }
    inputs.push({ ref: account.id, properties });
    snapshots.set(account.id, snapshot);
  }
  const outcomes = await deps.hubspot.createCompanies(inputs);
  decisions.push(
    ...(await linkCreated(deps, outcomes, 'company', snapshots, decide, (ref, id) => {
      return `C2: company ${id} created for account ${ref} (${why.get(ref)})`;
    })),
  );
  return decisions;
}

/**
 * Stores a pair for each record one batch create made (C2: a company for an account; C4: an account
 * for a company), starting from the snapshot its values were copied with, and decides per input.
 * The decision is keyed by the source record (`ref`). A record that lost a creation race to another
 * processor is removed and its source handed back for a retry (company-creation-race.ts).
 */
export async function linkCreated(
  deps: Pick<AccountSyncDeps, 'store' | 'now' | 'hubspot' | 'salesforce'>,
  outcomes: WriteOutcome[],
  created: 'company' | 'account',
  snapshots: Map<string, Record<string, string | null>>,
  decide: (
    ref: string,
    outcome: Decision['outcome'],
    reason: string,
    detail?: Decision['detail'],
  ) => Decision,
  reasonOf: (ref: string, id: string) => string,
): Promise<Decision[]> {
  const rule = created === 'company' ? 'C2' : 'C4';
  const decisions: Decision[] = [];
  for (const o of outcomes) {
    if (!o.ok) {
      decisions.push(decide(o.ref, 'error', `${rule}: ${created} not created: ${o.message}`));
      continue;
    }
    const ids =
      created === 'company'
        ? { companyId: o.id, accountId: o.ref, origin: 'created-in-salesforce' as const }
        : { companyId: o.ref, accountId: o.id, origin: 'created-in-hubspot' as const };
    const pair: CompanyPair = {
      ...ids,
      snapshot: snapshots.get(o.ref) ?? {},
      version: 0,
      lastSyncedAt: deps.now(),
    };
    try {
      await deps.store.putCompanyPair(pair, 0);
    } catch (error) {
      if (!(await removeCompanyRaceLoss(deps, created, pair))) throw error;
      // Another processor linked the source record meanwhile: ours was a duplicate, removed; the retry
      // merges into the winner's pair (status retry: the notice goes back to the queue).
      decisions.push(
        decide(
          o.ref,
          'received',
          `${rule}: lost a creation race: another processor linked it first; the ${created} this batch created (${o.id}) was removed; retried`,
          { removed: o.id },
        ),
      );
      continue;
    }
    decisions.push(decide(o.ref, 'synced', reasonOf(o.ref, o.id), { companyId: pair.companyId }));
  }
  return decisions;
}

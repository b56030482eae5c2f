import { type AssociatedContact, decideAccountCreation } from '../domain/company-create.ts';
import { OWNER_SNAPSHOT_KEY } from '../domain/company-entities.ts';
import { valuesForNewSalesforceRecord } from '../domain/creation.ts';
import { ownerForCreation } from '../domain/owners.ts';
import type { Decision } from '../ports.ts';
import { type AccountSyncDeps, linkCreated } from './account-sync.ts';
import { ownerDirectoryFor } from './owner-directory.ts';
import { companySyncEnabled, currentSettings } from './sync-deps.ts';

const HUBSPOT_OWNER = 'hubspot_owner_id';

/**
 * C4: HubSpot companies not linked to an account yet. Each creates an Account only when C4 says so
 * (an eligible contact syncs with a Contact that has no account, or is not linked yet and contacts
 * become Contacts); otherwise the decision says why not. Batched: one association read for all the
 * companies, one pair read, one Contact read for AccountId, one segment read, one Account create.
 */
export async function createAccountsForCompanies(
  deps: AccountSyncDeps,
  companyIds: string[],
  /**
   * HubSpot contacts not linked yet that the calling contact batch will link by email to an existing
   * Contact without account (a first link): C4 counts them as syncing with that Contact.
   */
  firstLinks: ReadonlySet<string> = new Set(),
): Promise<Decision[]> {
  const at = deps.now();
  const decide = (
    id: string,
    outcome: Decision['outcome'],
    reason: string,
    detail?: Decision['detail'],
  ): Decision => ({ at, recordKey: `hubspot-company:${id}`, outcome, reason, ...(detail ? { detail } : {}) });
  if (companyIds.length === 0) return [];
  const settings = await currentSettings(deps);
  const enabled = companySyncEnabled(settings, deps.config);
  const contactsOf = enabled
    ? await deps.hubspot.readCompanyContacts(companyIds)
    : new Map<string, string[]>();
  const contactIds = [...new Set([...contactsOf.values()].flat())];
  const pairs = await deps.store.getPairsByHubSpotIds(contactIds);
  const sfContacts = [...pairs.values()]
    .filter((p) => p.salesforceType === 'Contact')
    .map((p) => p.salesforceId);
  const accountOf = new Map(
    (sfContacts.length > 0
      ? await deps.salesforce.readRecords('Contact', sfContacts, ['AccountId'])
      : []
    ).map((r) => [r.id, (r.fields['AccountId'] as string | null) ?? null]),
  );
  const listId = settings.inclusionSegmentId;
  const members = listId === null ? undefined : await deps.store.getMembers(listId, contactIds);
  const toCreate: string[] = [];
  const decisions: Decision[] = [];
  for (const companyId of companyIds) {
    const contacts = (contactsOf.get(companyId) ?? []).map((id): AssociatedContact => {
      const pair = pairs.get(id);
      return {
        hubspotContactId: id,
        eligible: members === undefined || members.has(id),
        ...(pair
          ? {
              linked: {
                salesforceType: pair.salesforceType,
                accountId: accountOf.get(pair.salesforceId) ?? null,
              },
            }
          : firstLinks.has(id)
            ? { linked: { salesforceType: 'Contact' as const, accountId: null } }
            : {}),
      };
    });
    const c4 = decideAccountCreation({
      companyId,
      companiesEnabled: enabled,
      contacts,
      contactsCreatedAs: deps.config.creation.salesforceObject,
    });
    if (c4.create) toCreate.push(companyId);
    else decisions.push(decide(companyId, enabled ? 'noop' : 'skipped', c4.reason));
  }
  return [...decisions, ...(await create(deps, toCreate, decide))];
}

async function create(
  deps: AccountSyncDeps,
  companyIds: string[],
  decide: (id: string, outcome: Decision['outcome'], reason: string, detail?: Decision['detail']) => Decision,
): Promise<Decision[]> {
  if (companyIds.length === 0) return [];
  const mappings = deps.config.mappings.Account;
  const companies = await deps.hubspot.readCompanies(companyIds, [
    ...mappings.map((m) => m.hubspot),
    HUBSPOT_OWNER,
  ]);
  const directory = await ownerDirectoryFor(deps, {
    hubspot: companies.map((c) => c.properties[HUBSPOT_OWNER] ?? null),
    salesforce: [],
  });
  const decisions: Decision[] = [];
  const inputs: { ref: string; fields: Record<string, string | number | boolean | null> }[] = [];
  const snapshots = new Map<string, Record<string, string | null>>();
  for (const company of companies) {
    const values = valuesForNewSalesforceRecord(company.properties, mappings, deps.config.picklists, {
      objectType: 'Account',
      defaultCompany: deps.config.creation.defaultCompany,
    });
    if (!values.ok) {
      decisions.push(
        decide(
          company.id,
          'error',
          `C4: account not created: ${values.errors.map((e) => e.message).join('; ')}`,
        ),
      );
      continue;
    }
    const fields = { ...values.value };
    const snapshot: Record<string, string | null> = { ...values.snapshot };
    if (deps.config.owners.enabled) {
      const owner = ownerForCreation('salesforce', company.properties[HUBSPOT_OWNER] ?? null, directory);
      if (owner.ownerId) fields['OwnerId'] = owner.ownerId;
      snapshot[OWNER_SNAPSHOT_KEY] = owner.snapshot;
    }
    inputs.push({ ref: company.id, fields });
    snapshots.set(company.id, snapshot);
  }
  const outcomes = inputs.length > 0 ? await deps.salesforce.createRecords('Account', inputs) : [];
  const linked = await linkCreated(deps, outcomes, 'account', snapshots, decide, (ref, id) => {
    return `C4: account ${id} created for company ${ref}`;
  });
  decisions.push(...linked);
  return decisions;
}

import type { CompanyPair, Decision, HubSpotCompany, SalesforceAccount } from '../ports.ts';
import { companySyncEnabled, currentSettings, type SyncDeps } from '../sync/sync-deps.ts';
import { HUBSPOT_ID, SALESFORCE_ID } from './records.ts';
import type { RecordHit, TraceField } from './services.ts';
import { compareMappedFields } from './trace-fields.ts';

/**
 * The record trace of a HubSpot company or a Salesforce Account (docs/design.md#operating): both
 * sides' current values, the link, every mapped Account field compared, and the decisions the
 * account lane recorded — each citing its rule (C1–C9, O1–O5). `crmsync record <domain | company
 * id | account id>` and `GET /api/records/company/{id}`, `/api/records/account/{id}` show it.
 */
export interface CompanyTrace {
  object: 'company' | 'account';
  id: string;
  /** C1: whether company sync is on now. */
  companiesEnabled: boolean;
  /** The HubSpot company (the shape of a contact trace's `hubspot`, so the dashboard reads both alike). */
  hubspot: { id: string; properties: Record<string, string | null> } | null;
  /** The Salesforce Account. */
  salesforce: { id: string; objectType: 'Account'; fields: Record<string, unknown> } | null;
  pair: CompanyPair | null;
  /** Newest first: those of the account (`salesforce:<id>`) and of the unlinked company (`hubspot-company:<id>`). */
  decisions: Decision[];
  fields: TraceField[];
}

/** Salesforce Account ids start with 001 (https://help.salesforce.com/s/articleView?id=000385203). */
export const isAccountId = (id: string): boolean => SALESFORCE_ID.test(id) && id.startsWith('001');

const OWNER = { hubspot: 'hubspot_owner_id', salesforce: 'OwnerId' } as const;

/** The trace of a company (`object` company, a HubSpot id) or of an account (an Account id). */
export async function companyTrace(
  deps: SyncDeps,
  object: 'company' | 'account',
  id: string,
): Promise<CompanyTrace | undefined> {
  if (object === 'company' ? !HUBSPOT_ID.test(id) : !isAccountId(id)) return undefined;
  const { store, config } = deps;
  const pair =
    (object === 'company'
      ? (await store.getCompanyPairsByCompanyIds([id])).get(id)
      : (await store.getCompanyPairsByAccountIds([id])).get(id)) ?? null;
  const companyId = object === 'company' ? id : pair?.companyId;
  const accountId = object === 'account' ? id : pair?.accountId;
  const mappings = config.mappings.Account;
  const [companies, accounts, settings] = await Promise.all([
    companyId
      ? deps.hubspot.readCompanies([companyId], [...mappings.map((m) => m.hubspot), 'domain', OWNER.hubspot])
      : Promise.resolve<HubSpotCompany[]>([]),
    accountId
      ? deps.salesforce.readAccounts(
          [accountId],
          mappings.map((m) => m.salesforce),
        )
      : Promise.resolve<SalesforceAccount[]>([]),
    currentSettings(deps),
  ]);
  const company = companies[0];
  const account = accounts[0];
  if (object === 'company' ? !company : !account) return undefined;
  const keys = [
    accountId ? `salesforce:${accountId}` : undefined,
    companyId ? `hubspot-company:${companyId}` : undefined,
  ].filter((k): k is string => k !== undefined);
  const lists = await Promise.all(keys.map((k) => store.listDecisions(k, 50)));
  return {
    object,
    id,
    companiesEnabled: companySyncEnabled(settings, config),
    hubspot: company ? { id: company.id, properties: company.properties } : null,
    salesforce: account ? { id: account.id, objectType: 'Account', fields: account.fields } : null,
    pair,
    decisions: lists.flat().sort((a, b) => b.at - a.at),
    fields: compareMappedFields(mappings, company?.properties, account?.fields, config.picklists),
  };
}

/** A host name such as `example.com` (what a HubSpot company's `domain` holds). */
const DOMAIN = /^(?=.{4,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i;

/**
 * Companies and accounts a search query names: a domain (HubSpot companies with that `domain`), a
 * HubSpot id (the company with that id, beside any contact), an Account id. Finding a company by
 * domain is for people only: sync never matches by domain (C3).
 */
export async function searchCompanies(
  deps: Pick<SyncDeps, 'hubspot' | 'salesforce'>,
  query: string,
): Promise<RecordHit[]> {
  const q = query.trim();
  const companyHit = (c: HubSpotCompany): RecordHit => ({
    side: 'hubspot',
    id: c.id,
    objectType: 'company',
    label: c.properties['name'] ?? c.properties['domain'] ?? c.id,
    email: null,
  });
  if (DOMAIN.test(q) && !q.includes('@'))
    return (await deps.hubspot.findCompaniesByDomain(q, ['name', 'domain'])).map(companyHit);
  if (HUBSPOT_ID.test(q)) return (await deps.hubspot.readCompanies([q], ['name', 'domain'])).map(companyHit);
  if (isAccountId(q)) {
    const [account] = await deps.salesforce.readAccounts([q], ['Name']);
    return account
      ? [
          {
            side: 'salesforce',
            id: account.id,
            objectType: 'Account',
            label: String(account.fields['Name'] ?? account.id),
            email: null,
          },
        ]
      : [];
  }
  return [];
}

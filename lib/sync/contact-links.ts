import type { CompanyLinks } from '../domain/association.ts';
import { normalizeEmail } from '../domain/identity.ts';
import {
  ACCOUNT_FIELD,
  type ContactLinksInput,
  HUBSPOT_OWNER_PROPERTY,
  SALESFORCE_OWNER_FIELD,
} from '../domain/contact-links.ts';
import type { CompanyPair, Decision, RuntimeSettings } from '../ports.ts';
import { syncAccounts } from './account-sync.ts';
import { createAccountsForCompanies } from './company-to-account.ts';
import { ownerDirectoryFor } from './owner-directory.ts';
import type { Gathered } from './processor-gather.ts';
import type { ProcessorDeps } from './processor-types.ts';
import { companySyncEnabled } from './sync-deps.ts';

/**
 * What the contact plan needs for C6 and O1–O5 (docs/design.md#contacts-companies-and-owners), read
 * once per batch after the records themselves:
 * - with company sync on (C1): the primary company of every HubSpot contact that syncs (or may sync)
 *   with a Contact — one associations v4 batch read per 1,000 contacts — and the company/account links
 *   of those companies and of the Contacts' AccountIds (store reads, no CRM call). An account with no
 *   company yet goes through the account pipeline first (C2), and a primary company with no account
 *   through C4, so the association can follow in this same batch instead of waiting for another change;
 * - with owner sync on: the owner directory, refreshed first when an owner id is unknown to it.
 * Undefined when neither is on: the plan then syncs fields only, as before companies existed.
 */
export async function loadContactLinks(
  g: Gathered,
  deps: ProcessorDeps,
  settings: RuntimeSettings | undefined,
  now: number,
): Promise<{ links: ContactLinksInput | undefined; decisions: Decision[] }> {
  const companiesOn = companySyncEnabled(settings, deps.config);
  const ownersOn = deps.config.owners.enabled;
  if (!companiesOn && !ownersOn) return { links: undefined, decisions: [] };
  const links: ContactLinksInput = {};
  const decisions: Decision[] = [];
  if (companiesOn) {
    const loaded = await loadCompanies(g, deps, now);
    links.companies = loaded.companies;
    decisions.push(...loaded.decisions);
  }
  if (ownersOn) {
    links.owners = await ownerDirectoryFor(
      { ...deps, now: () => now },
      {
        hubspot: g.hubspotContacts.map((c) => c.properties[HUBSPOT_OWNER_PROPERTY] ?? null),
        salesforce: g.salesforceRecords.map(
          (r) => (r.fields[SALESFORCE_OWNER_FIELD] as string | null) ?? null,
        ),
      },
    );
  }
  return { links, decisions };
}

async function loadCompanies(
  g: Gathered,
  deps: ProcessorDeps,
  now: number,
): Promise<{ companies: NonNullable<ContactLinksInput['companies']>; decisions: Decision[] }> {
  const pairOf = new Map(g.pairs.map((p) => [p.hubspotId, p]));
  // A Lead has no account (C5): only contacts linked to a Contact, or not linked yet, are asked about.
  const contactIds = g.hubspotContacts
    .filter((c) => !c.archived && pairOf.get(c.id)?.salesforceType !== 'Lead')
    .map((c) => c.id);
  const associations =
    contactIds.length > 0 ? await deps.hubspot.readContactCompanies(contactIds) : new Map();
  const primary = new Map<string, string>();
  for (const [contactId, list] of associations)
    for (const a of list as { companyId: string; primary: boolean }[])
      if (a.primary) primary.set(contactId, a.companyId);
  const accountIds = [
    ...new Set(
      g.salesforceRecords
        .filter((r) => r.objectType === 'Contact' && typeof r.fields[ACCOUNT_FIELD] === 'string')
        .map((r) => r.fields[ACCOUNT_FIELD] as string),
    ),
  ];
  const companyIds = [...new Set(primary.values())];
  const byAccount = new Map<string, CompanyPair>();
  const byCompany = new Map<string, CompanyPair>();
  const readLinks = async (accounts: string[], companies: string[]) => {
    const [a, c] = await Promise.all([
      accounts.length > 0 ? deps.store.getCompanyPairsByAccountIds(accounts) : new Map<string, CompanyPair>(),
      companies.length > 0
        ? deps.store.getCompanyPairsByCompanyIds(companies)
        : new Map<string, CompanyPair>(),
    ]);
    for (const p of [...a.values(), ...c.values()]) {
      byAccount.set(p.accountId, p);
      byCompany.set(p.companyId, p);
    }
  };
  await readLinks(accountIds, companyIds);

  // Not linked yet: the account pipeline links or creates their counterparts first (C2, C4).
  const unlinkedAccounts = accountIds.filter((id) => !byAccount.has(id));
  const candidates = c4Candidates(g, deps, primary);
  const unlinkedCompanies = [...candidates.companies].filter((id) => !byCompany.has(id));
  const decisions: Decision[] = [];
  if (unlinkedAccounts.length + unlinkedCompanies.length > 0) {
    const sync = { ...deps, now: () => now };
    decisions.push(...(await syncAccounts(sync, unlinkedAccounts)));
    decisions.push(...(await createAccountsForCompanies(sync, unlinkedCompanies, candidates.firstLinks)));
    await readLinks(unlinkedAccounts, unlinkedCompanies);
  }
  const companyLinks: CompanyLinks = {
    accountOf: (companyId) => byCompany.get(companyId)?.accountId,
    companyOf: (accountId) => byAccount.get(accountId)?.companyId,
  };
  return {
    companies: { primaryCompanyOf: (id) => primary.get(id) ?? null, links: companyLinks },
    decisions,
  };
}

/**
 * The primary companies C4 could give an Account in this batch: those of contacts that sync with a
 * Contact without AccountId, or of contacts not linked yet when new contacts become Contacts or when
 * the batch will link them by email to an unlinked Contact without AccountId (a first link: C4's
 * "associated with a contact that syncs to a Contact with no account" holds once the plan links it;
 * reliability finding C-5). Any other unlinked company would only cost C4's reads to hear "no" (a
 * Lead-bound contact, a Contact already under an account), batch after batch, so it is left to its
 * own company notices.
 */
function c4Candidates(
  g: Gathered,
  deps: ProcessorDeps,
  primary: Map<string, string>,
): { companies: Set<string>; firstLinks: Set<string> } {
  const pairOf = new Map(g.pairs.map((p) => [p.hubspotId, p]));
  const accountOf = new Map(g.salesforceRecords.map((r) => [r.id, r.fields[ACCOUNT_FIELD] ?? null]));
  const { creation } = deps.config;
  const newBecomeContacts = creation.salesforceObject === 'Contact' && !creation.contactIfAccount;
  const companies = new Set<string>();
  const firstLinks = new Set<string>();
  const withoutAccount = contactsWithoutAccountByEmail(g);
  const emailOf = new Map(g.hubspotContacts.map((c) => [c.id, normalizeEmail(c.properties['email'])]));
  for (const [contactId, companyId] of primary) {
    const pair = pairOf.get(contactId);
    const firstLink = !pair && withoutAccount.has(emailOf.get(contactId) ?? '');
    if (firstLink) firstLinks.add(contactId);
    const wanted = pair
      ? pair.salesforceType === 'Contact' && accountOf.get(pair.salesforceId) === null
      : newBecomeContacts || firstLink;
    if (wanted) companies.add(companyId);
  }
  return { companies, firstLinks };
}

/** Normalized emails of the live, unlinked Contacts without AccountId the batch read (email matches). */
function contactsWithoutAccountByEmail(g: Gathered): Set<string> {
  const linked = new Set(g.pairs.map((p) => p.salesforceId));
  const out = new Set<string>();
  for (const r of g.salesforceRecords) {
    if (r.objectType !== 'Contact' || r.isDeleted || linked.has(r.id)) continue;
    const email = normalizeEmail(r.fields['Email'] as string | null | undefined);
    if (email && (r.fields[ACCOUNT_FIELD] ?? null) === null) out.add(email);
  }
  return out;
}

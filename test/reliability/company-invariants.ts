import type { CrmSyncConfig } from '../../lib/config.ts';
import { ACCOUNT_ID_PROPERTY } from '../../lib/domain/company-entities.ts';
import { normalizeValue } from '../../lib/domain/normalize.ts';
import type { CompanyPair, HubSpotCompany, SalesforceAccount } from '../../lib/ports.ts';
import type { CompanyModel, OwnerFixture } from './company-model.ts';
import { COMPANY_FIELDS, OWNER_NAMES, type OwnerName } from './company-steps.ts';
import { type CrmsyncWrite, isCompanyWrite } from './crm-feeds.ts';
import type { Harness } from './harness.ts';
import type { UserWrite } from './history.ts';
import { acceptableValues } from './invariants.ts';

/*
 * The invariants of a history with company sync on (docs/reliability.md "Companies"): convergence of
 * linked company/account pairs, one-to-one links and no duplicate, every account linked (C2), owners
 * (O1–O5: a mapped owner converges, a refused owner is never written), no company sync error. No loop
 * and idempotent replay are run-history.ts's checks: they count every write call, companies included.
 */

const OWNER = 'hubspot_owner_id';
const ACCOUNT_PREFIX = '001';

/** Companies, accounts and their links after quiescence. */
export interface CompanyState {
  /** Live HubSpot companies (archived and merged-away ones are absent). */
  companies: Map<string, HubSpotCompany>;
  /** Every account read by id, deleted (merged-away) ones included (`isDeleted`). */
  accounts: Map<string, SalesforceAccount>;
  pairsByCompany: Map<string, CompanyPair>;
  pairsByAccount: Map<string, CompanyPair>;
  /** Companies and accounts crmsync created (from the CRMs' change feeds). */
  created: { companies: Set<string>; accounts: Set<string> };
  /** Every write crmsync made to a company or an account, with the values the feeds carry. */
  writes: CrmsyncWrite[];
  /** Decisions of the company lane that are permanent errors, as `key: reason`. */
  errors: string[];
  /** Users' writes per record and field (CompanyModel.fieldWrites) and the records merges touched. */
  userWrites: Map<string, UserWrite[]>;
  merged: Set<string>;
  /** Account id → times of every change to it (CDC, any author): its record modified times. */
  accountChanges: Map<string, number[]>;
}

/** Reads both CRMs' companies and accounts (through the model's own adapters) and the store's company links. */
export async function readCompanyState(h: Harness, model: CompanyModel): Promise<CompanyState> {
  const writes = h.writes.filter(isCompanyWrite);
  const companyIds = new Set<string>(model.seen.companies);
  const accountIds = new Set<string>(model.seen.accounts);
  for (const w of writes) (w.side === 'hubspot' ? companyIds : accountIds).add(w.id);
  // Every account any author changed (CDC), lead conversions' new accounts included.
  for (const id of h.salesforceChanges.keys()) if (id.startsWith(ACCOUNT_PREFIX)) accountIds.add(id);
  const byAccount = await h.deps.store.getCompanyPairsByAccountIds([...accountIds]);
  for (const p of byAccount.values()) companyIds.add(p.companyId);
  const pairsByCompany = await h.deps.store.getCompanyPairsByCompanyIds([...companyIds]);
  for (const p of pairsByCompany.values()) accountIds.add(p.accountId);
  const pairsByAccount = await h.deps.store.getCompanyPairsByAccountIds([...accountIds]);
  const mappings = h.stack.config.mappings.Account;
  const companies = new Map(
    (
      await h.user.hubspot.readCompanies(
        [...companyIds],
        [...mappings.map((m) => m.hubspot), OWNER, ACCOUNT_ID_PROPERTY],
      )
    ).map((c): [string, HubSpotCompany] => [c.id, c]),
  );
  const accounts = new Map(
    (
      await h.user.salesforce.readAccounts(
        [...accountIds],
        mappings.map((m) => m.salesforce),
      )
    ).map((a): [string, SalesforceAccount] => [a.id, a]),
  );
  const created = {
    companies: new Set(writes.filter((w) => w.what === 'company.creation').map((w) => w.id)),
    accounts: new Set(
      writes.filter((w) => w.side === 'salesforce' && w.what.startsWith('CREATE')).map((w) => w.id),
    ),
  };
  const errors: string[] = [];
  const keys = [
    ...[...accountIds].map((id) => `salesforce:${id}`),
    ...[...companyIds].map((id) => `hubspot-company:${id}`),
  ];
  for (const key of keys)
    for (const d of await h.deps.store.listDecisions(key, 1000))
      if (d.outcome === 'error') errors.push(`${key}: ${d.reason ?? ''}`);
  const accountChanges = new Map([...accountIds].map((id) => [id, h.salesforceChanges.get(id) ?? []]));
  return {
    companies,
    accounts,
    pairsByCompany,
    pairsByAccount,
    created,
    writes,
    errors,
    userWrites: model.fieldWrites,
    merged: model.merged,
    accountChanges,
  };
}

const liveAccount = (a: SalesforceAccount | undefined): a is SalesforceAccount =>
  a !== undefined && !a.isDeleted;

/**
 * Convergence: every linked pair joins a live company and a live account (a link to a merged-away
 * record is stale: C9 re-points it), and their two-way fields hold equal normalized values (C7).
 */
export function checkCompanyConvergence(config: CrmSyncConfig, s: CompanyState): string[] {
  const out: string[] = [];
  for (const pair of s.pairsByCompany.values()) {
    const company = s.companies.get(pair.companyId);
    const account = s.accounts.get(pair.accountId);
    if (!company || !liveAccount(account)) {
      const why = [
        company ? '' : 'company gone',
        account === undefined
          ? 'account gone'
          : account.isDeleted
            ? `account merged into ${account.masterRecordId ?? 'nothing'}`
            : '',
      ].filter((x) => x.length > 0);
      out.push(
        `stale company link company:${pair.companyId} → Account:${pair.accountId} (${why.join(', ')})`,
      );
      continue;
    }
    for (const m of config.mappings.Account) {
      if (m.rule !== 'two-way') continue;
      const norm = (side: 'hubspot' | 'salesforce', v: unknown) => {
        try {
          return normalizeValue(v as string | null, m, side, config.picklists);
        } catch (error) {
          return `<invalid: ${(error as Error).message}>`;
        }
      };
      const hs = norm('hubspot', company.properties[m.hubspot]);
      const sf = norm('salesforce', account.fields[m.salesforce]);
      if (hs !== sf)
        out.push(
          `company not converged: company:${company.id}.${m.hubspot}=${JSON.stringify(hs)} but Account:${account.id}.${m.salesforce}=${JSON.stringify(sf)}`,
        );
    }
  }
  return out;
}

/**
 * No lost update (C7, two-way): in every live pair that crmsync created (C2, C4) and no merge touched,
 * each field users wrote holds the value of the write that wins by the two-way rule — the same
 * `acceptableValues` as for contacts: the later write wins, overlapping writes are a tie, and an
 * earlier Salesforce write may win when its account was modified after the HubSpot write (Salesforce
 * tells no field time on a read, docs/design.md#two-way). Pairs linked by C3 (a first link) and merged
 * records are left out: the first link and the CRMs' merge rules decide those values.
 */
export function checkCompanyNoLostUpdate(config: CrmSyncConfig, s: CompanyState): string[] {
  const out: string[] = [];
  for (const pair of s.pairsByCompany.values()) {
    const company = s.companies.get(pair.companyId);
    const account = s.accounts.get(pair.accountId);
    if (!company || !liveAccount(account) || pair.origin === 'matched-by-contacts') continue;
    if (s.merged.has(`hubspot:${company.id}`) || s.merged.has(`salesforce:${account.id}`)) continue;
    for (const field of COMPANY_FIELDS) {
      const mapping = config.mappings.Account.find((m) => m.hubspot === field);
      if (mapping?.rule !== 'two-way') continue;
      const writes = [
        ...(s.userWrites.get(`hubspot:${company.id}.${field}`) ?? []),
        ...(s.userWrites.get(`salesforce:${account.id}.${field}`) ?? []),
      ];
      const allowed = acceptableValues(writes, s.accountChanges.get(account.id) ?? []);
      if (allowed.size === 0) continue;
      const norm = (v: unknown) => {
        try {
          return normalizeValue(v as string | null, mapping, 'hubspot', config.picklists);
        } catch (error) {
          return `<invalid: ${(error as Error).message}>`;
        }
      };
      const expected = new Set([...allowed].map(norm));
      const actual = norm(company.properties[field]);
      if (!expected.has(actual))
        out.push(
          `company lost update: company:${company.id}.${field} is ${JSON.stringify(actual)}, expected one of ${JSON.stringify([...expected])}; writes ${writes.map((w) => `${w.side}=${JSON.stringify(w.value)}@[${w.t0},${w.t1}]`).join(' ')}`,
        );
    }
  }
  return out;
}

/**
 * One-to-one: both link indexes agree, no company and no account in two pairs; every live account is
 * linked (C2: with company sync on an account creates or links a company); every company or account
 * crmsync created is live and linked, or gone (else it is a duplicate) — except a company whose account
 * (`salesforceaccountid`) was merged away: C9 removed its link when the master was linked already.
 */
export function checkCompanyLinks(s: CompanyState): string[] {
  const out: string[] = [];
  const companiesOfAccount = new Map<string, string[]>();
  for (const pair of s.pairsByCompany.values()) {
    const back = s.pairsByAccount.get(pair.accountId);
    if (back?.companyId !== pair.companyId)
      out.push(
        `company link index disagrees: company:${pair.companyId} → ${pair.accountId}, but ${pair.accountId} → ${back ? `company:${back.companyId}` : 'nothing'}`,
      );
    companiesOfAccount.set(pair.accountId, [
      ...(companiesOfAccount.get(pair.accountId) ?? []),
      pair.companyId,
    ]);
  }
  for (const pair of s.pairsByAccount.values()) {
    const forward = s.pairsByCompany.get(pair.companyId);
    if (forward?.accountId !== pair.accountId)
      out.push(
        `company link index disagrees: ${pair.accountId} → company:${pair.companyId}, but company:${pair.companyId} → ${forward?.accountId ?? 'nothing'}`,
      );
  }
  for (const [account, companies] of companiesOfAccount)
    if (companies.length > 1)
      out.push(`Account:${account} linked to ${companies.length} companies: ${companies.join(', ')}`);
  for (const account of s.accounts.values())
    if (liveAccount(account) && !s.pairsByAccount.has(account.id))
      out.push(`C2: live Account:${account.id} is linked to no company`);
  for (const id of s.created.companies) {
    const company = s.companies.get(id);
    if (!company || s.pairsByCompany.has(id)) continue;
    // The company of an account merged into a linked one lost its link by C9: not a duplicate.
    if (s.accounts.get(company.properties[ACCOUNT_ID_PROPERTY] ?? '')?.isDeleted) continue;
    out.push(`crmsync created company:${id}, which is linked to nothing (a duplicate)`);
  }
  for (const id of s.created.accounts)
    if (liveAccount(s.accounts.get(id)) && !s.pairsByAccount.has(id))
      out.push(`crmsync created Account:${id}, which is linked to nothing (a duplicate)`);
  return out;
}

/**
 * Owners (O1–O5). A mapped owner converges: in every live pair whose account owner has a HubSpot owner
 * with the same email, the company has that owner. A refused owner is never written: every OwnerId
 * crmsync wrote is an active user with a HubSpot owner's email (O2, O4 — tom has no user, ines's is
 * inactive, sam has no HubSpot owner), every company owner it wrote is a HubSpot owner with a Salesforce
 * user's email (O3), and it never cleared one. And no company-lane sync error (an owner Salesforce
 * refuses would be one: INACTIVE_OWNER_OR_USER).
 */
export function checkCompanyOwners(s: CompanyState, owners: OwnerFixture): string[] {
  const out: string[] = [];
  const nameOf = (ids: Partial<Record<OwnerName, string>>, id: unknown): OwnerName | undefined =>
    OWNER_NAMES.find((n) => ids[n] !== undefined && ids[n] === id);
  const mapped = OWNER_NAMES.filter((n) => owners.hubspot[n] && owners.salesforce[n] && n !== 'ines');
  for (const pair of s.pairsByCompany.values()) {
    const company = s.companies.get(pair.companyId);
    const account = s.accounts.get(pair.accountId);
    if (!company || !liveAccount(account)) continue;
    const name = nameOf(owners.salesforce, account.fields['OwnerId']);
    const expected = name && owners.hubspot[name];
    if (expected && company.properties[OWNER] !== expected)
      out.push(
        `owner not converged: Account:${account.id} is owned by ${name}, company:${company.id} by ${nameOf(owners.hubspot, company.properties[OWNER]) ?? JSON.stringify(company.properties[OWNER] ?? null)}`,
      );
  }
  for (const w of s.writes) {
    const values = w.values ?? {};
    if (w.side === 'salesforce' && 'OwnerId' in values) {
      const owner = values['OwnerId'];
      // A create with no OwnerId sent is owned by the integration user (O4: assignment rules apply).
      if (w.what.startsWith('CREATE') && owner === values['CreatedById']) continue;
      const name = nameOf(owners.salesforce, owner);
      if (!name || !mapped.includes(name))
        out.push(
          `refused owner written: crmsync set Account:${w.id}.OwnerId = ${name ?? String(owner)} (${w.what})`,
        );
    }
    if (w.side === 'hubspot' && OWNER in values) {
      const owner = values[OWNER];
      const name = nameOf(owners.hubspot, owner);
      if (!name || !mapped.includes(name))
        out.push(
          `refused owner written: crmsync set company:${w.id}.${OWNER} = ${name ?? JSON.stringify(owner)}`,
        );
    }
  }
  out.push(...s.errors.map((e) => `company sync error: ${e}`));
  return out;
}

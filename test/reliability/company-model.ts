import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import {
  ACCOUNT_FIELD,
  COMPANY_FIELDS,
  type CompanyField,
  type CompanyStep,
  type CompanyValues,
  OWNER_NAMES,
  type OwnerName,
} from './company-steps.ts';
import type { Harness } from './harness.ts';
import { type C6Step, applyC6Step } from './c6-steps.ts';
import { type History, sameValue, type UserWrite } from './history.ts';

/** The owners of a history, as each CRM knows them (company-steps.ts OWNER_NAMES). */
export interface OwnerFixture {
  /** HubSpot owner id per name (`sam` has none). */
  hubspot: Partial<Record<OwnerName, string>>;
  /** Salesforce User id per name (`tom` has none; `ines`'s is inactive). */
  salesforce: Partial<Record<OwnerName, string>>;
  /** Each name's email (the key owners are matched by, O2/O3). */
  email: Record<OwnerName, string>;
}

/**
 * Company sync on (C1, the run-time setting) and the owners: ann and bo on both sides, tom a HubSpot
 * owner only, sam a Salesforce user only, ines a HubSpot owner whose Salesforce user is inactive.
 */
export async function startCompanies(h: Harness): Promise<OwnerFixture> {
  await setCompanySync(h.deps, true);
  const email = Object.fromEntries(
    OWNER_NAMES.map((n) => [n, `${n}@owners.reliability.example.com`]),
  ) as Record<OwnerName, string>;
  const fixture: OwnerFixture = { hubspot: {}, salesforce: {}, email };
  for (const name of ['ann', 'bo', 'tom', 'ines'] as const)
    fixture.hubspot[name] = h.stack.hubspotSandbox.addOwner({ email: email[name], firstName: name }).id;
  for (const name of ['ann', 'bo', 'sam', 'ines'] as const)
    fixture.salesforce[name] = h.stack.salesforceSandbox.addUser({
      Email: email[name],
      LastName: name,
      IsActive: name !== 'ines',
    });
  return fixture;
}

/** What the model knows about one organisation: its company and account, as users made them. */
export interface Org {
  index: number;
  companyId?: string;
  accountId?: string;
  /** Merged away on that side: the organisation has no record of its own there any more. */
  companyGone: boolean;
  accountGone: boolean;
}

/**
 * The company half of a history: applies company steps through the sandboxes as a UI user would,
 * keeping what the invariants need (company-invariants.ts).
 */
export class CompanyModel {
  readonly orgs: Org[];
  /** Every company and account id the model has seen (merged-away ones too), for the final read. */
  readonly seen = { companies: new Set<string>(), accounts: new Set<string>() };
  /**
   * Users' writes of the mapped fields per record and field (`hubspot:<companyId>.<field>`,
   * `salesforce:<accountId>.<field>`), creation values included: what company no-lost-update checks.
   */
  readonly fieldWrites = new Map<string, UserWrite[]>();
  /** Records (`hubspot:<id>`, `salesforce:<id>`) that took part in a merge: the CRM's merge rules decide their values. */
  readonly merged = new Set<string>();

  constructor(
    readonly h: Harness,
    readonly owners: OwnerFixture,
    count: number,
  ) {
    this.orgs = Array.from({ length: count }, (_, index) => ({
      index,
      companyGone: false,
      accountGone: false,
    }));
  }

  /**
   * The organisation's company: the one a HubSpot user created, else the one crmsync linked to its
   * account (what a user sees on the account's page).
   */
  async companyOf(org: Org): Promise<string | undefined> {
    if (org.companyGone) return undefined;
    if (org.companyId) return org.companyId;
    const account = await this.accountOf(org);
    if (!account) return undefined;
    const pair = (await this.h.deps.store.getCompanyPairsByAccountIds([account])).get(account);
    if (pair) org.companyId = pair.companyId;
    this.#note(org);
    return org.companyId;
  }

  /** The organisation's account: the one a Salesforce user created, else the one crmsync linked to its company. */
  async accountOf(org: Org): Promise<string | undefined> {
    if (org.accountGone) return undefined;
    if (org.accountId) return org.accountId;
    if (!org.companyId || org.companyGone) return undefined;
    const pair = (await this.h.deps.store.getCompanyPairsByCompanyIds([org.companyId])).get(org.companyId);
    if (pair && this.h.stack.salesforceSandbox.getRecord(pair.accountId)?.['IsDeleted'] !== true)
      org.accountId = pair.accountId;
    this.#note(org);
    return org.accountId;
  }

  #write(key: string, field: CompanyField, value: string | null, side: 'hubspot' | 'salesforce', t0: number) {
    const list = this.fieldWrites.get(`${key}.${field}`) ?? [];
    list.push({ side, value, t0, t1: Date.now() });
    this.fieldWrites.set(`${key}.${field}`, list);
  }

  #note(org: Org): void {
    if (org.companyId) this.seen.companies.add(org.companyId);
    if (org.accountId) this.seen.accounts.add(org.accountId);
  }

  /** Applies one company step; a step whose preconditions do not hold (no such record yet) does nothing. */
  async apply(step: CompanyStep | C6Step, history: History): Promise<void> {
    const { h } = this;
    const people = history.people;
    if (step.kind === 'contact-account' || step.kind === 'primary-company')
      return applyC6Step(h, this, step, history);
    const org = this.orgs[step.o]!;
    switch (step.kind) {
      case 'company-create': {
        if (await this.companyOf(org)) return;
        const properties: Record<string, string> = { ...step.values };
        const owner = step.owner && this.owners.hubspot[step.owner];
        if (owner) properties['hubspot_owner_id'] = owner;
        const t0 = Date.now();
        org.companyId = await h.stack.hubspotSandbox.userCreateCompany(properties);
        for (const f of COMPANY_FIELDS)
          if (step.values[f] !== undefined)
            this.#write(`hubspot:${org.companyId}`, f, step.values[f], 'hubspot', t0);
        const person = step.contactOf === undefined ? undefined : people[step.contactOf];
        this.#note(org);
        if (person?.hubspotId && !person.hubspotGone)
          await h.stack.hubspotSandbox.userAssociate(person.hubspotId, org.companyId, true);
        break;
      }
      case 'account-create': {
        if (await this.accountOf(org)) return;
        const fields: Record<string, unknown> = accountFields(step.values);
        const owner = step.owner && this.owners.salesforce[step.owner];
        if (owner) fields['OwnerId'] = owner;
        const t0 = Date.now();
        org.accountId = await h.stack.salesforceSandbox.userCreate('Account', fields);
        for (const f of COMPANY_FIELDS)
          if (fields[ACCOUNT_FIELD[f]] !== undefined)
            this.#write(
              `salesforce:${org.accountId}`,
              f,
              fields[ACCOUNT_FIELD[f]] as string,
              'salesforce',
              t0,
            );
        this.#note(org);
        break;
      }
      case 'company-edit': {
        const id = await this.companyOf(org);
        if (!id) return;
        const [current] = await h.user.hubspot.readCompanies([id], [step.field]);
        const t0 = Date.now();
        await h.stack.hubspotSandbox.userUpdateCompany(id, { [step.field]: step.value });
        // Setting the value a property already has is no change in HubSpot (no history entry, no event).
        if (!sameValue(current?.properties[step.field], step.value))
          this.#write(`hubspot:${id}`, step.field, step.value, 'hubspot', t0);
        break;
      }
      case 'account-edit': {
        const id = await this.accountOf(org);
        if (!id) return;
        const current = h.stack.salesforceSandbox.getRecord(id)?.[ACCOUNT_FIELD[step.field]];
        const t0 = Date.now();
        await h.stack.salesforceSandbox.userUpdate('Account', id, {
          [ACCOUNT_FIELD[step.field]]: step.value,
        });
        if (!sameValue(current, step.value))
          this.#write(`salesforce:${id}`, step.field, step.value, 'salesforce', t0);
        break;
      }
      case 'company-owner': {
        const id = await this.companyOf(org);
        const owner = this.owners.hubspot[step.owner];
        if (id && owner) await h.stack.hubspotSandbox.userUpdateCompany(id, { hubspot_owner_id: owner });
        break;
      }
      case 'account-owner': {
        const id = await this.accountOf(org);
        const owner = this.owners.salesforce[step.owner];
        if (id && owner) await h.stack.salesforceSandbox.userUpdate('Account', id, { OwnerId: owner });
        break;
      }
      case 'company-merge': {
        const other = this.orgs[step.q]!;
        if (other === org) return;
        const a = await this.companyOf(org);
        const b = await this.companyOf(other);
        if (!a || !b || a === b) return;
        await h.stack.hubspotSandbox.userMergeCompanies(a, b);
        this.merged.add(`hubspot:${a}`).add(`hubspot:${b}`);
        other.companyGone = true;
        other.companyId = undefined;
        break;
      }
      case 'account-merge': {
        const other = this.orgs[step.q]!;
        if (other === org) return;
        const a = await this.accountOf(org);
        const b = await this.accountOf(other);
        if (!a || !b || a === b) return;
        await h.stack.salesforceSandbox.merge('Account', a, [b]);
        this.merged.add(`salesforce:${a}`).add(`salesforce:${b}`);
        other.accountGone = true;
        other.accountId = undefined;
        break;
      }
    }
  }
}

/** Salesforce Account fields of a company's values. */
function accountFields(values: CompanyValues): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const f of COMPANY_FIELDS) if (values[f] !== undefined) fields[ACCOUNT_FIELD[f]] = values[f];
  // Name is required on an Account: a company created without one still gets an account named for it.
  if (fields['Name'] === undefined) fields['Name'] = 'Unnamed';
  return fields;
}

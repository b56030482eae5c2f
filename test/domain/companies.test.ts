import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccountMatchInput, matchCompanyForAccount } from '../../lib/domain/company-match.ts';
import {
  type AssociatedContact,
  COMPANIES_OFF,
  decideAccountAction,
  decideAccountCreation,
  repointCompanyPair,
} from '../../lib/domain/company-create.ts';
import type { CompanyPair, SalesforceAccount } from '../../lib/domain/company-entities.ts';
import { valuesForNewHubSpotRecord, valuesForNewSalesforceRecord } from '../../lib/domain/creation.ts';
import { merge } from '../../lib/domain/three-way-merge.ts';
import { exampleConfigInput } from '../support/test-config.ts';
import { parseConfig } from '../../lib/config.ts';
import { T0 } from './fixtures.ts';

const config = parseConfig(exampleConfigInput());
const accountMappings = config.mappings.Account;

const account = (
  id: string,
  fields: SalesforceAccount['fields'] = {},
  extra: Partial<SalesforceAccount> = {},
) => ({
  id,
  fields,
  modifiedAt: T0,
  createdAt: T0,
  ...extra,
});
const companyPair = (
  companyId: string,
  accountId: string,
  snapshot: CompanyPair['snapshot'] = {},
): CompanyPair => ({
  companyId,
  accountId,
  snapshot,
  version: 3,
  lastSyncedAt: T0,
  origin: 'matched-by-contacts',
});

describe('C1/C2: what an account notice leads to', () => {
  it('C1: with company sync off, an account is neither linked, created nor written', () => {
    const d = decideAccountAction({ companiesEnabled: false, account: account('001A'), pair: undefined });
    expect(d).toEqual({ action: 'skip', reason: COMPANIES_OFF });
  });

  it('C2: an account that is not linked is matched or creates a company, no contact needed', () => {
    expect(
      decideAccountAction({ companiesEnabled: true, account: account('001A'), pair: undefined }),
    ).toMatchObject({
      action: 'match',
    });
  });

  it('C2/C7: a linked account merges with its company; a deleted one is skipped', () => {
    const pair = companyPair('901', '001A');
    expect(decideAccountAction({ companiesEnabled: true, account: account('001A'), pair })).toMatchObject({
      action: 'merge',
      pair,
    });
    const gone = decideAccountAction({
      companiesEnabled: true,
      account: account('001A', {}, { isDeleted: true }),
      pair,
    });
    expect(gone.action).toBe('skip');
  });
});

describe('C3: matching an account to a company', () => {
  const base: AccountMatchInput = {
    accountId: '001A',
    linkedCompanyId: undefined,
    sharedContacts: [],
    companyModifiedAt: (id) => ({ '901': T0, '902': T0 + 5, '903': T0 + 1 })[id],
    linkedElsewhere: new Set(),
  };

  it('C3(a): the company already linked to the Account Id wins', () => {
    const m = matchCompanyForAccount({
      ...base,
      linkedCompanyId: '903',
      sharedContacts: [{ hubspotContactId: '1', companyIds: ['901'] }],
    });
    expect(m).toMatchObject({ kind: 'linked', companyId: '903' });
  });

  it('C3(b): the company associated with the most of the account’s synced contacts wins, and says so', () => {
    const m = matchCompanyForAccount({
      ...base,
      sharedContacts: [
        { hubspotContactId: '1', companyIds: ['901', '902'] },
        { hubspotContactId: '2', companyIds: ['901'] },
        { hubspotContactId: '3', companyIds: ['902', '902'] },
        { hubspotContactId: '4', companyIds: ['901'] },
      ],
    });
    expect(m).toMatchObject({ kind: 'matched', companyId: '901' });
    expect(m.reason).toContain('associated with 3 of the account');
  });

  it('C3(b): a tie on contacts goes to the most recently modified company', () => {
    const m = matchCompanyForAccount({
      ...base,
      sharedContacts: [
        { hubspotContactId: '1', companyIds: ['901'] },
        { hubspotContactId: '2', companyIds: ['902'] },
      ],
    });
    expect(m).toMatchObject({ kind: 'matched', companyId: '902' });
    expect(m.reason).toContain('the most recently modified company wins');
  });

  it('C3(b): a company linked to another account is not a candidate (links are one-to-one)', () => {
    const m = matchCompanyForAccount({
      ...base,
      sharedContacts: [{ hubspotContactId: '1', companyIds: ['901'] }],
      linkedElsewhere: new Set(['901']),
    });
    expect(m).toMatchObject({ kind: 'create' });
    expect(m.reason).toContain('linked to other accounts');
  });

  it('C3(c): no shared contact: create a company — never matched by domain or name', () => {
    const m = matchCompanyForAccount(base);
    expect(m).toMatchObject({ kind: 'create' });
    expect(m.reason).toMatch(/^C3\(c\): .*none of its Contacts syncs/);
  });

  it('C3 property: the choice is one of the contacts’ companies, never one linked elsewhere, whatever the order', () => {
    const ids = fc.constantFrom<string>('901', '902', '903', '904');
    const contacts = fc.array(
      fc.record({
        hubspotContactId: fc.constantFrom('1', '2', '3', '4', '5'),
        companyIds: fc.array(ids, { maxLength: 3 }),
      }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(contacts, fc.subarray<string>(['901', '902', '903', '904']), (shared, elsewhere) => {
        const input = { ...base, sharedContacts: shared, linkedElsewhere: new Set(elsewhere) };
        const m = matchCompanyForAccount(input);
        const reversed = matchCompanyForAccount({ ...input, sharedContacts: [...shared].reverse() });
        expect(reversed).toEqual(m);
        if (m.kind === 'matched') {
          expect(elsewhere).not.toContain(m.companyId);
          expect(shared.some((c) => c.companyIds.includes(m.companyId))).toBe(true);
        } else {
          expect(shared.flatMap((c) => c.companyIds).every((id) => elsewhere.includes(id))).toBe(true);
        }
      }),
    );
  });
});

describe('C4/C5: when a HubSpot company creates an Account', () => {
  const decide = (contacts: AssociatedContact[], contactsCreatedAs: 'Lead' | 'Contact' = 'Lead') =>
    decideAccountCreation({ companyId: '901', companiesEnabled: true, contacts, contactsCreatedAs });

  it('C4: a contact that syncs with a Salesforce Contact with no account creates one', () => {
    const d = decide([
      { hubspotContactId: '1', eligible: true, linked: { salesforceType: 'Contact', accountId: null } },
    ]);
    expect(d).toMatchObject({ create: true });
    expect(d.reason).toContain('contact 1 syncs with a Salesforce Contact that has no account');
  });

  it('C4: an eligible contact, when contacts are created as Contacts, creates one', () => {
    expect(decide([{ hubspotContactId: '1', eligible: true }], 'Contact')).toMatchObject({ create: true });
  });

  it('C4: never without an associated contact, nor when none is in the segment', () => {
    expect(decide([]).reason).toContain('no associated contact');
    const outside = decide(
      [{ hubspotContactId: '1', eligible: false, linked: { salesforceType: 'Contact', accountId: null } }],
      'Contact',
    );
    expect(outside).toMatchObject({ create: false });
    expect(outside.reason).toContain('none of its contacts is in the inclusion segment');
  });

  it('C5: never when all its contacts sync with Leads, or new contacts become Leads', () => {
    const leads = decide(
      [
        { hubspotContactId: '1', eligible: true, linked: { salesforceType: 'Lead', accountId: null } },
        { hubspotContactId: '2', eligible: true, linked: { salesforceType: 'Lead', accountId: null } },
      ],
      'Contact',
    );
    expect(leads).toMatchObject({ create: false });
    expect(leads.reason).toContain('(C5)');
    expect(decide([{ hubspotContactId: '1', eligible: true }], 'Lead').reason).toContain('as Leads');
  });

  it('C1: with company sync off, no account is created', () => {
    const d = decideAccountCreation({
      companyId: '901',
      companiesEnabled: false,
      contacts: [{ hubspotContactId: '1', eligible: true }],
      contactsCreatedAs: 'Contact',
    });
    expect(d).toEqual({ create: false, reason: COMPANIES_OFF });
  });

  it('C4: a new Account takes every mapped company value and needs a Name', () => {
    const created = valuesForNewSalesforceRecord(
      { name: 'Acme', city: 'Lyon', industry: 'BANKING', numberofemployees: '120' },
      accountMappings,
      config.picklists,
      { objectType: 'Account', defaultCompany: 'Unknown' },
    );
    expect(created).toMatchObject({
      ok: true,
      value: { Name: 'Acme', BillingCity: 'Lyon', Industry: 'Banking', NumberOfEmployees: 120 },
    });
    const nameless = valuesForNewSalesforceRecord({ city: 'Lyon' }, accountMappings, config.picklists, {
      objectType: 'Account',
      defaultCompany: 'Unknown',
    });
    expect(nameless).toMatchObject({
      ok: false,
      errors: [{ category: 'missing-required-field', field: 'name' }],
    });
  });

  it('C2: a new company takes every mapped account value, picklists translated', () => {
    const created = valuesForNewHubSpotRecord(
      { Name: 'Acme', Industry: 'Finance' },
      accountMappings,
      config.picklists,
    );
    expect(created).toMatchObject({ ok: true, value: { name: 'Acme', industry: 'FINANCIAL_SERVICES' } });
  });
});

describe('C7: company fields use the contact field rules, three-way merge and picklist tables', () => {
  const at = (t: number) => () => t;

  it('C7: a renamed account updates the company; prefer-salesforce-unless-blank and picklists apply', () => {
    const r = merge({
      mappings: accountMappings,
      picklists: config.picklists,
      hubspot: { values: { name: 'Acme', industry: 'BANKING', city: 'Lyon' }, changedAt: at(T0) },
      salesforce: {
        values: { Name: 'Acme Corp', Industry: 'Retail', BillingCity: 'Lyon' },
        changedAt: at(T0 + 1),
      },
      snapshot: { name: 'Acme', industry: 'BANKING', city: 'Lyon', phone: null, numberofemployees: null },
    });
    expect(r.toHubSpot).toEqual({ name: 'Acme Corp', industry: 'RETAIL' });
    expect(r.toSalesforce).toEqual({});
  });

  it('C7: an account picklist value with no mapping is a sync error, not a silent drop', () => {
    const r = merge({
      mappings: accountMappings,
      picklists: config.picklists,
      hubspot: { values: { name: 'Acme' }, changedAt: at(T0) },
      salesforce: { values: { Name: 'Acme', Industry: 'Shipping' }, changedAt: at(T0) },
      snapshot: { name: 'Acme' },
    });
    expect(r.errors).toMatchObject([{ field: 'industry', category: 'picklist-value-unmapped' }]);
  });
});

describe('C9: merges re-point the company/account link', () => {
  const loser = companyPair('901', '001A', { name: 'Acme' });

  it('C9: an Account merge moves the link to the master account, same company, same snapshot', () => {
    const r = repointCompanyPair(loser, { side: 'salesforce', id: '001M' }, undefined, T0 + 1);
    expect(r.write).toEqual({
      pair: { ...loser, accountId: '001M', lastSyncedAt: T0 + 1 },
      expectedVersion: 3,
    });
    expect(r.remove).toBeUndefined();
    expect(r.reason).toMatch(/^C9: account 001A merged into 001M/);
  });

  it('C9: a HubSpot company merge moves the link to the surviving company (ours: the native refuses)', () => {
    const r = repointCompanyPair(loser, { side: 'hubspot', id: '905' }, undefined, T0 + 1);
    expect(r.write?.pair).toMatchObject({ companyId: '905', accountId: '001A', version: 0 });
    expect(r.remove).toBe(loser);
  });

  it('C9: when the survivor is linked already, only the merged link goes (one-to-one)', () => {
    const r = repointCompanyPair(loser, { side: 'hubspot', id: '905' }, companyPair('905', '001B'), T0 + 1);
    expect(r.write).toBeUndefined();
    expect(r.remove).toBe(loser);
  });
});

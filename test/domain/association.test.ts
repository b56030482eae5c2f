import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AssociationState, type CompanyLinks, decideAssociation } from '../../lib/domain/association.ts';
import { T0 } from './fixtures.ts';

/** Company 901 ⇄ account 001A, 902 ⇄ 001B; company 909 and account 001Z are not linked. */
const links: CompanyLinks = {
  accountOf: (companyId) => ({ '901': '001A', '902': '001B' })[companyId],
  companyOf: (accountId) => ({ '001A': '901', '001B': '902' })[accountId],
};

function state(overrides: Partial<AssociationState>): AssociationState {
  return {
    salesforceType: 'Contact',
    accountId: '001A',
    primaryCompanyId: '901',
    snapshot: '001A',
    hubspotChangedAt: T0,
    salesforceChangedAt: T0,
    ...overrides,
  };
}

describe('C6: the primary company follows AccountId', () => {
  it('C6: primary company and AccountId that agree need nothing', () => {
    expect(decideAssociation(state({}), links)).toMatchObject({ kind: 'none', snapshot: '001A' });
  });

  it('C6: a Contact moved to another account moves the primary company; the old one is demoted, not deleted', () => {
    const d = decideAssociation(state({ accountId: '001B', salesforceChangedAt: T0 + 1 }), links);
    expect(d).toEqual({
      kind: 'set-primary',
      companyId: '902',
      demote: '901',
      snapshot: '001B',
      reason:
        'C6: primary company set to 902, linked to AccountId 001B; company 901 demoted, still associated',
    });
  });

  it('C6: a primary company changed in HubSpot sets AccountId to its account', () => {
    const d = decideAssociation(state({ primaryCompanyId: '902', hubspotChangedAt: T0 + 1 }), links);
    expect(d).toMatchObject({ kind: 'set-account', accountId: '001B', snapshot: '001B' });
  });

  it('C6: a Contact with a blank AccountId gets its primary company’s account on first sync', () => {
    const d = decideAssociation(state({ accountId: null, snapshot: undefined }), links);
    expect(d).toMatchObject({ kind: 'set-account', accountId: '001A' });
  });

  it('C6: AccountId cleared in Salesforce demotes the primary company', () => {
    const d = decideAssociation(state({ accountId: null, salesforceChangedAt: T0 + 1 }), links);
    expect(d).toMatchObject({ kind: 'demote-primary', companyId: '901', snapshot: null });
  });

  it('C6: changed on both sides, the later change wins (tie: Salesforce), like a field', () => {
    const both = { accountId: '001B', primaryCompanyId: null };
    expect(
      decideAssociation(state({ ...both, hubspotChangedAt: T0 + 2, salesforceChangedAt: T0 + 1 }), links),
    ).toMatchObject({
      kind: 'set-account',
      accountId: null,
    });
    const tie = decideAssociation(
      state({ ...both, hubspotChangedAt: T0 + 1, salesforceChangedAt: T0 + 1 }),
      links,
    );
    expect(tie).toMatchObject({ kind: 'set-primary', companyId: '902' });
    expect(tie.reason).toContain('Salesforce wins ties');
  });

  it('C6: the other side not linked yet waits for the company (C2) or the account (C4)', () => {
    expect(decideAssociation(state({ accountId: '001Z', salesforceChangedAt: T0 + 1 }), links)).toMatchObject(
      {
        kind: 'pending',
        needs: 'company',
        id: '001Z',
      },
    );
    expect(
      decideAssociation(state({ primaryCompanyId: '909', hubspotChangedAt: T0 + 1 }), links),
    ).toMatchObject({
      kind: 'pending',
      needs: 'account',
      id: '909',
    });
  });

  it('C5: a Lead never associates a company', () => {
    const d = decideAssociation(
      state({ salesforceType: 'Lead', accountId: null, primaryCompanyId: '902' }),
      links,
    );
    expect(d).toMatchObject({ kind: 'none' });
    expect(d.reason).toMatch(/^C5:/);
  });

  it('C6 property: applying a decision makes both sides agree, and deciding again does nothing', () => {
    const accounts = fc.constantFrom(null, '001A', '001B');
    const companies = fc.constantFrom(null, '901', '902');
    fc.assert(
      fc.property(
        accounts,
        companies,
        fc.constantFrom(undefined, null, '001A', '001B'),
        fc.nat(2),
        fc.nat(2),
        (a, c, snap, h, s) => {
          const before = state({
            accountId: a,
            primaryCompanyId: c,
            snapshot: snap,
            hubspotChangedAt: T0 + h,
            salesforceChangedAt: T0 + s,
          });
          const d = decideAssociation(before, links);
          const after = { ...before };
          if (d.kind === 'set-primary')
            Object.assign(after, { primaryCompanyId: d.companyId, snapshot: d.snapshot });
          if (d.kind === 'demote-primary') Object.assign(after, { primaryCompanyId: null, snapshot: null });
          if (d.kind === 'set-account')
            Object.assign(after, { accountId: d.accountId, snapshot: d.snapshot });
          expect(d.kind).not.toBe('pending');
          const hubspotAccount =
            after.primaryCompanyId === null ? null : links.accountOf(after.primaryCompanyId);
          expect(hubspotAccount).toBe(after.accountId);
          expect(decideAssociation(after, links).kind).toBe('none');
        },
      ),
    );
  });
});

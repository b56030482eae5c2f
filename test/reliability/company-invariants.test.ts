import { afterEach, describe, expect, it } from 'vitest';
import type { CompanyPair, HubSpotCompany, SalesforceAccount } from '../../lib/ports.ts';
import { testConfig } from '../support/test-config.ts';
import {
  type CompanyState,
  checkCompanyConvergence,
  checkCompanyLinks,
  checkCompanyNoLostUpdate,
  checkCompanyOwners,
  readCompanyState,
} from './company-invariants.ts';
import { linkedContactTwins } from '../support/company-fixtures.ts';
import { checkPrimaryCompanies } from './c6-steps.ts';
import { CompanyModel, type OwnerFixture, startCompanies } from './company-model.ts';
import { ORGS } from './company-steps.ts';
import type { CrmsyncWrite } from './crm-feeds.ts';
import { Harness } from './harness.ts';
import { History } from './history.ts';

/**
 * The company invariants must be able to fail: each check is shown a state that breaks it (a test that
 * cannot fail is a defect). States are built by hand where the CRMs would refuse to hold them.
 */
const config = testConfig({ hubspot: 'http://127.0.0.1:1', salesforce: 'http://127.0.0.1:2' });

const owners: OwnerFixture = {
  hubspot: { ann: 'h-ann', bo: 'h-bo', tom: 'h-tom', ines: 'h-ines' },
  salesforce: { ann: '005ANN', bo: '005BO', sam: '005SAM', ines: '005INES' },
  email: { ann: 'ann@x', bo: 'bo@x', tom: 'tom@x', sam: 'sam@x', ines: 'ines@x' },
};

const company = (id: string, properties: Record<string, string | null>): HubSpotCompany => ({
  id,
  properties,
  updatedAt: 0,
  createdAt: 0,
  archived: false,
});
const account = (
  id: string,
  fields: Record<string, string | number | null>,
  isDeleted = false,
): SalesforceAccount => ({
  id,
  fields,
  modifiedAt: 0,
  createdAt: 0,
  isDeleted,
});
const pair = (companyId: string, accountId: string): CompanyPair => ({
  companyId,
  accountId,
  snapshot: {},
  version: 1,
  lastSyncedAt: 0,
  origin: 'created-in-salesforce',
});

/** One linked, converged pair (company 1 ⇄ 001A, both owned by ann); `edit` breaks it. */
function state(edit: (s: CompanyState) => void = () => {}): CompanyState {
  const s: CompanyState = {
    companies: new Map([
      ['1', company('1', { name: 'Acme', phone: null, city: 'Lyon', hubspot_owner_id: 'h-ann' })],
    ]),
    accounts: new Map([
      ['001A', account('001A', { Name: 'Acme', Phone: null, BillingCity: 'Lyon', OwnerId: '005ANN' })],
    ]),
    pairsByCompany: new Map([['1', pair('1', '001A')]]),
    pairsByAccount: new Map([['001A', pair('1', '001A')]]),
    created: { companies: new Set(['1']), accounts: new Set() },
    writes: [],
    errors: [],
    userWrites: new Map(),
    merged: new Set(),
    accountChanges: new Map(),
  };
  edit(s);
  return s;
}

const write = (w: Partial<CrmsyncWrite> & Pick<CrmsyncWrite, 'side' | 'id'>): CrmsyncWrite => ({
  at: 0,
  what: 'x',
  ...w,
});

describe('company invariants catch what they claim to', () => {
  it('a converged, one-to-one pair with a mapped owner passes every check', () => {
    const s = state();
    expect(checkCompanyConvergence(config, s)).toEqual([]);
    expect(checkCompanyLinks(s)).toEqual([]);
    expect(checkCompanyOwners(s, owners)).toEqual([]);
    expect(checkCompanyNoLostUpdate(config, s)).toEqual([]);
  });

  it('company no lost update: the later write must win (C7 two-way); merged records and first links are left out', () => {
    const lost = (edit: (s: CompanyState) => void = () => {}) =>
      state((s) => {
        // The account was created as Lyon (t10); a HubSpot user set Oslo later (t20): Oslo must win.
        s.userWrites.set('salesforce:001A.city', [{ side: 'salesforce', value: 'Lyon', t0: 10, t1: 11 }]);
        s.userWrites.set('hubspot:1.city', [{ side: 'hubspot', value: 'Oslo', t0: 20, t1: 21 }]);
        edit(s);
      });
    expect(checkCompanyNoLostUpdate(config, lost())).toEqual([
      'company lost update: company:1.city is "Lyon", expected one of ["Oslo"]; writes hubspot="Oslo"@[20,21] salesforce="Lyon"@[10,11]',
    ]);
    // The account modified after the HubSpot write: its older value may win (record time, docs/design.md#two-way).
    expect(
      checkCompanyNoLostUpdate(
        config,
        lost((s) => s.accountChanges.set('001A', [30])),
      ),
    ).toEqual([]);
    expect(
      checkCompanyNoLostUpdate(
        config,
        lost((s) => s.merged.add('hubspot:1')),
      ),
    ).toEqual([]);
    const firstLink = lost((s) => {
      s.pairsByCompany.set('1', { ...pair('1', '001A'), origin: 'matched-by-contacts' });
    });
    expect(checkCompanyNoLostUpdate(config, firstLink)).toEqual([]);
  });

  it('company convergence: a two-way field that differs, and a link to a merged-away account', () => {
    const differs = state((s) => {
      s.accounts.get('001A')!.fields['BillingCity'] = 'Oslo';
    });
    expect(checkCompanyConvergence(config, differs)).toEqual([
      'company not converged: company:1.city="Lyon" but Account:001A.BillingCity="Oslo"',
    ]);
    const stale = state((s) => {
      s.accounts.set('001A', { ...account('001A', { Name: 'Acme' }, true), masterRecordId: '001B' });
    });
    expect(checkCompanyConvergence(config, stale).join('\n')).toMatch(
      /stale company link company:1 → Account:001A \(account merged into 001B\)/,
    );
  });

  it('company one-to-one: an account in two pairs, an index that disagrees, an unlinked account, a duplicate', () => {
    const twoPairs = state((s) => {
      s.companies.set('2', company('2', { name: 'Acme' }));
      s.pairsByCompany.set('2', pair('2', '001A'));
    });
    const found = checkCompanyLinks(twoPairs).join('\n');
    expect(found).toMatch(/Account:001A linked to 2 companies: 1, 2/);
    expect(found).toMatch(/company link index disagrees: company:2 → 001A, but 001A → company:1/);
    const unlinked = state((s) => {
      s.accounts.set('001C', account('001C', { Name: 'Globex' }));
    });
    expect(checkCompanyLinks(unlinked)).toEqual(['C2: live Account:001C is linked to no company']);
    const duplicate = state((s) => {
      s.companies.set('3', company('3', { name: 'Acme' }));
      s.created.companies.add('3');
    });
    expect(checkCompanyLinks(duplicate)).toEqual([
      'crmsync created company:3, which is linked to nothing (a duplicate)',
    ]);
    // Its account merged into the linked 001A (C9 removed its link): an orphan by design, not a duplicate.
    const orphan = state((s) => {
      s.companies.set('3', company('3', { name: 'Acme', salesforceaccountid: '001B' }));
      s.created.companies.add('3');
      s.accounts.set('001B', { ...account('001B', { Name: 'Acme' }, true), masterRecordId: '001A' });
    });
    expect(checkCompanyLinks(orphan)).toEqual([]);
  });

  it('O1–O3: a mapped owner that did not converge, refused owners written, a company sync error', () => {
    const notConverged = state((s) => {
      s.companies.get('1')!.properties['hubspot_owner_id'] = 'h-tom';
    });
    expect(checkCompanyOwners(notConverged, owners)).toEqual([
      'owner not converged: Account:001A is owned by ann, company:1 by tom',
    ]);
    // sam has no HubSpot owner: a company owned by tom while the account is sam's is not a violation (O3).
    const unmapped = state((s) => {
      s.accounts.get('001A')!.fields['OwnerId'] = '005SAM';
      s.companies.get('1')!.properties['hubspot_owner_id'] = 'h-tom';
    });
    expect(checkCompanyOwners(unmapped, owners)).toEqual([]);
    const refused = state((s) => {
      s.writes.push(
        write({
          side: 'salesforce',
          id: '001A',
          what: 'UPDATE OwnerId',
          object: 'Account',
          values: { OwnerId: '005INES' },
        }),
        write({
          side: 'salesforce',
          id: '001A',
          what: 'UPDATE OwnerId',
          object: 'Account',
          values: { OwnerId: '005SAM' },
        }),
        write({ side: 'hubspot', id: '1', object: 'company', values: { hubspot_owner_id: 'h-tom' } }),
        write({ side: 'hubspot', id: '1', object: 'company', values: { hubspot_owner_id: '' } }),
        // O4: a create with no OwnerId sent is owned by the user that made it: not a refused owner.
        write({
          side: 'salesforce',
          id: '001B',
          what: 'CREATE',
          object: 'Account',
          values: { OwnerId: '005INT', CreatedById: '005INT' },
        }),
      );
      s.errors.push('salesforce:001A: INACTIVE_OWNER_OR_USER');
    });
    expect(checkCompanyOwners(refused, owners)).toEqual([
      'refused owner written: crmsync set Account:001A.OwnerId = ines (UPDATE OwnerId)',
      'refused owner written: crmsync set Account:001A.OwnerId = sam (UPDATE OwnerId)',
      'refused owner written: crmsync set company:1.hubspot_owner_id = tom',
      'refused owner written: crmsync set company:1.hubspot_owner_id = ""',
      'company sync error: salesforce:001A: INACTIVE_OWNER_OR_USER',
    ]);
  });

  describe('through the sandboxes', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('C7 convergence and no lost update fail when an account edit never reached HubSpot; C2 fails for an account never synced', async () => {
      h = await Harness.start();
      const history = new History(h, 1, `cinv${process.pid}a`);
      const model = new CompanyModel(h, await startCompanies(h), ORGS);
      history.companies = model;
      await history.apply({
        kind: 'account-create',
        o: 0,
        values: { name: 'Acme', city: 'Lyon' },
        owner: 'ann',
      });
      await history.quiesce();
      let s = await readCompanyState(h, model);
      expect(checkCompanyConvergence(h.stack.config, s)).toEqual([]);
      expect(checkCompanyLinks(s)).toEqual([]);
      expect(checkCompanyOwners(s, model.owners)).toEqual([]);

      // An account edit and a new account whose every delivery is lost (no company resync to recover).
      await history.apply({ kind: 'account-edit', o: 0, field: 'city', value: 'Oslo' });
      await history.apply({ kind: 'account-create', o: 1, values: { name: 'Globex' } });
      await h.collect();
      h.takeHeld();
      await h.drain();
      s = await readCompanyState(h, model);
      expect(checkCompanyConvergence(h.stack.config, s).join('\n')).toMatch(
        /company not converged: company:\d+\.city="Lyon" but Account:\w+\.BillingCity="Oslo"/,
      );
      expect(checkCompanyLinks(s).join('\n')).toMatch(/C2: live Account:\w+ is linked to no company/);
      expect(checkCompanyNoLostUpdate(h.stack.config, s).join('\n')).toMatch(
        /company lost update: company:\d+\.city is "Lyon", expected one of \["Oslo"\]/,
      );
    });

    it('C6: a linked contact whose primary company is not the company of its Contact account is reported', async () => {
      h = await Harness.start();
      const s2 = h.stack;
      await startCompanies(h);
      const [one, two] = [
        await s2.salesforceSandbox.userCreate('Account', { Name: 'One' }),
        await s2.salesforceSandbox.userCreate('Account', { Name: 'Two' }),
      ];
      const [c1, c2] = [
        await s2.hubspotSandbox.userCreateCompany({ name: 'One' }),
        await s2.hubspotSandbox.userCreateCompany({ name: 'Two' }),
      ];
      for (const [company, account] of [
        [c1, one],
        [c2, two],
      ] as const)
        await s2.store.putCompanyPair(
          {
            companyId: company,
            accountId: account,
            snapshot: {},
            version: 0,
            lastSyncedAt: 0,
            origin: 'import',
          },
          0,
        );
      const twins = await linkedContactTwins(s2, {
        email: 'c6@inv.example',
        lastname: 'Six',
        accountId: one,
      });
      await s2.hubspotSandbox.userAssociate(twins.hubspotId, c1, true);
      const contactPairs = [...(await s2.store.getPairsByHubSpotIds([twins.hubspotId])).values()];
      const companyPairs = {
        byAccount: await s2.store.getCompanyPairsByAccountIds([one, two]),
        byCompany: await s2.store.getCompanyPairsByCompanyIds([c1, c2]),
      };
      const members = new Set([twins.hubspotId]);
      expect(await checkPrimaryCompanies(h, contactPairs, members, companyPairs)).toEqual([]);
      // The Contact moves to account Two; nothing syncs the primary company.
      await s2.salesforceSandbox.userUpdate('Contact', twins.salesforceId, { AccountId: two });
      expect(await checkPrimaryCompanies(h, contactPairs, members, companyPairs)).toEqual([
        `C6: hubspot:${twins.hubspotId}'s primary company is company:${c1} (Account:${one}), but Contact:${twins.salesforceId}.AccountId is ${two} (company:${c2})`,
      ]);
      // Not a member: not judged (the segment gates contacts).
      expect(await checkPrimaryCompanies(h, contactPairs, new Set(), companyPairs)).toEqual([]);
    });
  });
});

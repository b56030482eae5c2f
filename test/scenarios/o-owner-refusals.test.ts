import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforcePort } from '../../lib/ports.ts';
import { type AccountSyncDeps, syncAccounts } from '../../lib/sync/account-sync.ts';
import { refreshOwnerDirectory } from '../../lib/sync/owner-directory.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * An owner deactivated since the last owner-directory refresh (docs/design.md#owner-refusals): the
 * cached directory still calls it active, so the account lane writes it and the CRM refuses —
 * Salesforce with INACTIVE_OWNER_OR_USER, HubSpot with INVALID_OWNER_ID. The refusal refreshes the
 * directory once for the batch, the refused records' owners are decided again (O2/O3 then skip the
 * inactive owner, and the decision says so), and the rest of the batch syncs. Real adapters against
 * the sandboxes, which refuse as the CRMs do.
 */
describe('O2/O3: an owner refused as inactive refreshes the owner directory and is decided again', () => {
  let s: TestStack;
  let deps: AccountSyncDeps;
  let userLists = 0;
  beforeAll(async () => {
    s = await startTestStack();
    // The real adapter, with its user listings (the directory refreshes) counted.
    const salesforce = new Proxy(s.salesforce, {
      get: (target, key) => {
        const value = Reflect.get(target, key, target);
        if (key === 'listUsers') userLists++;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as SalesforcePort;
    deps = { store: s.store, hubspot: s.hubspot, salesforce, config: s.config, now: () => Date.now() };
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await setCompanySync(deps, true);
  });

  const companyOf = async (account: string) =>
    (await s.store.getCompanyPairsByAccountIds([account])).get(account)!.companyId;
  const hubspotOwnerOf = async (companyId: string) =>
    (await s.hubspot.readCompanies([companyId], ['hubspot_owner_id']))[0]?.properties['hubspot_owner_id'];
  const salesforceOwnerOf = async (account: string) =>
    (await s.salesforce.readAccounts([account], []))[0]?.fields['OwnerId'];

  it('O2: a user deactivated in Salesforce since the last refresh is refused (INACTIVE_OWNER_OR_USER): one refresh for the batch, the owner set back as O2 says, the rest of the batch synced', async () => {
    const ann = s.hubspotSandbox.addOwner({ email: 'refused.ann@example.com' });
    const bob = s.hubspotSandbox.addOwner({ email: 'refused.bob@example.com' });
    const annUser = s.salesforceSandbox.addUser({ Email: 'refused.ann@example.com', LastName: 'Ann' });
    const bobUser = s.salesforceSandbox.addUser({ Email: 'refused.bob@example.com', LastName: 'Bob' });
    await refreshOwnerDirectory(deps); // the scheduled refresh
    const [first, second, other] = await Promise.all(
      ['Refused One', 'Refused Two', 'Bystander'].map((Name) =>
        s.salesforceSandbox.userCreate('Account', { Name, OwnerId: annUser }),
      ),
    );
    await syncAccounts(deps, [first!, second!, other!]);

    // Bob leaves: deactivated in Salesforce after the last refresh; HubSpot still lists him.
    s.salesforceSandbox.setUserActive(bobUser, false);
    await s.hubspotSandbox.userUpdateCompany(await companyOf(first!), { hubspot_owner_id: bob.id });
    await s.hubspotSandbox.userUpdateCompany(await companyOf(second!), { hubspot_owner_id: bob.id });
    await s.hubspotSandbox.userUpdateCompany(await companyOf(other!), { name: 'Bystander Renamed' });
    userLists = 0;
    const decisions = await syncAccounts(deps, [first!, second!, other!]);

    expect(userLists).toBe(1);
    for (const account of [first!, second!]) {
      const decision = decisions.find((d) => d.recordKey === `salesforce:${account}`);
      expect(decision?.outcome).toBe('synced');
      expect(decision?.reason).toContain('O2: OwnerId not written');
      expect(decision?.reason).toContain('owner directory refreshed');
      expect(await salesforceOwnerOf(account)).toBe(annUser);
      expect(await hubspotOwnerOf(await companyOf(account))).toBe(ann.id);
    }
    expect(decisions.find((d) => d.recordKey === `salesforce:${other}`)?.outcome).toBe('synced');
    expect((await s.salesforce.readAccounts([other!], ['Name']))[0]?.fields['Name']).toBe(
      'Bystander Renamed',
    );
    const directory = await s.store.getOwnerDirectory();
    expect(directory?.salesforceUsers.find((u) => u.id === bobUser)?.isActive).toBe(false);
  });

  it('O3: an owner archived in HubSpot since the last refresh is refused (INVALID_OWNER_ID): the directory refreshed, HubSpot left as O3 says, the rest of the batch synced', async () => {
    const cat = s.hubspotSandbox.addOwner({ email: 'archived.cat@example.com' });
    const dan = s.hubspotSandbox.addOwner({ email: 'archived.dan@example.com' });
    const catUser = s.salesforceSandbox.addUser({ Email: 'archived.cat@example.com', LastName: 'Cat' });
    const danUser = s.salesforceSandbox.addUser({ Email: 'archived.dan@example.com', LastName: 'Dan' });
    await refreshOwnerDirectory(deps);
    const [owned, other] = await Promise.all(
      ['Archived Owner', 'Other Account'].map((Name) =>
        s.salesforceSandbox.userCreate('Account', { Name, OwnerId: catUser }),
      ),
    );
    await syncAccounts(deps, [owned!, other!]);

    // Dan's HubSpot seat is removed (archived) after the last refresh; Salesforce gives him the account.
    s.hubspotSandbox.archiveOwner(dan.id);
    await s.salesforceSandbox.userUpdate('Account', owned!, { OwnerId: danUser });
    await s.salesforceSandbox.userUpdate('Account', other!, { Name: 'Other Account Renamed' });
    userLists = 0;
    const decisions = await syncAccounts(deps, [owned!, other!]);

    expect(userLists).toBe(1);
    const decision = decisions.find((d) => d.recordKey === `salesforce:${owned}`);
    expect(decision?.outcome).not.toBe('error');
    expect(decision?.reason).toContain('O3: HubSpot owner left unchanged');
    expect(await hubspotOwnerOf(await companyOf(owned!))).toBe(cat.id);
    expect(decisions.find((d) => d.recordKey === `salesforce:${other}`)?.outcome).toBe('synced');
    const [company] = await s.hubspot.readCompanies([await companyOf(other!)], ['name']);
    expect(company?.properties['name']).toBe('Other Account Renamed');
  });
});

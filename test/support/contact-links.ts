import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { syncAccounts } from '../../lib/sync/account-sync.ts';
import { refreshOwnerDirectory } from '../../lib/sync/owner-directory.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { type LinkedPairs, seedLinkedPairs } from './linked-pairs.ts';
import { hubspotNotice, salesforceNotice } from './notices.ts';
import type { TestStack } from './test-stack.ts';

/**
 * A test stack set up for C6 and O1–O5 on contacts: `count` linked Contact pairs, company sync on
 * (C1), two accounts linked to companies (C2), and two owners on both sides (Ann and Bob, same
 * emails), with the owner directory refreshed as the schedule would. Used by the batch-floor test
 * and `bench/api-calls.ts`.
 */
export interface ContactLinksSetup {
  pairs: LinkedPairs;
  accounts: { one: string; two: string };
  companies: { one: string; two: string };
  owners: { hubspot: { ann: string; bob: string }; salesforce: { ann: string; bob: string } };
}

export async function setUpContactLinks(stack: TestStack, count: number): Promise<ContactLinksSetup> {
  const pairs = await seedLinkedPairs(stack, count, { objectType: 'Contact', seed: 11 });
  const deps = {
    store: stack.store,
    hubspot: stack.hubspot,
    salesforce: stack.salesforce,
    config: stack.config,
    now: () => Date.now(),
  };
  await setCompanySync(deps, true);
  const one = await stack.salesforceSandbox.userCreate('Account', { Name: 'Links One' });
  const two = await stack.salesforceSandbox.userCreate('Account', { Name: 'Links Two' });
  await syncAccounts(deps, [one, two]);
  const links = await stack.store.getCompanyPairsByAccountIds([one, two]);
  const company = (id: string) => {
    const companyId = links.get(id)?.companyId;
    if (!companyId) throw new Error(`account ${id} has no company after the account sync`);
    return companyId;
  };
  const owner = (name: string) => stack.hubspotSandbox.addOwner({ email: `${name}@links.example.com` }).id;
  const user = (name: string) =>
    stack.salesforceSandbox.addUser({ Email: `${name}@links.example.com`, LastName: name });
  const owners = {
    hubspot: { ann: owner('ann'), bob: owner('bob') },
    salesforce: { ann: user('ann'), bob: user('bob') },
  };
  await refreshOwnerDirectory(deps);
  return { pairs, accounts: { one, two }, companies: { one: company(one), two: company(two) }, owners };
}

/** Every Contact given account One and owner Ann in Salesforce; one notice each (as CDC sends). */
export async function moveInSalesforce(stack: TestStack, setup: ContactLinksSetup): Promise<ChangeNotice[]> {
  for (const id of setup.pairs.salesforceIds)
    await stack.salesforceSandbox.userUpdate('Contact', id, {
      AccountId: setup.accounts.one,
      OwnerId: setup.owners.salesforce.ann,
    });
  return setup.pairs.salesforceIds.map((id) =>
    salesforceNotice('Contact', id, { changedFields: ['AccountId', 'OwnerId'] }),
  );
}

/** Every HubSpot contact given company Two as primary and owner Bob; one notice each (as webhooks coalesce). */
export async function moveInHubSpot(stack: TestStack, setup: ContactLinksSetup): Promise<ChangeNotice[]> {
  for (const id of setup.pairs.hubspotIds) {
    await stack.hubspotSandbox.userAssociate(id, setup.companies.two, true);
    await stack.hubspotSandbox.userUpdateContact(id, { hubspot_owner_id: setup.owners.hubspot.bob });
  }
  return setup.pairs.hubspotIds.map((id) =>
    hubspotNotice(id, { changedFields: ['associatedcompanyid', 'hubspot_owner_id'] }),
  );
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContactLinksSetup,
  moveInHubSpot,
  moveInSalesforce,
  setUpContactLinks,
} from '../support/contact-links.ts';
import { salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * C6 and O1–O3 on a batch of 200 linked Contacts stay at the batch floor: the owner and AccountId
 * ride in the contacts' own batch updates, the primary companies are read in one associations v4
 * batch and written in one (2,000 per call), whatever the batch size up to that.
 */
describe('C6/O1: contact batches with association and owner changes cost the batch floor', () => {
  let stack: TestStack;
  let setup: ContactLinksSetup;
  beforeAll(async () => {
    stack = await startTestStack();
    setup = await setUpContactLinks(stack, 200);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('C6/O3: 200 Contacts moved to an account and an owner in Salesforce: 1 SOQL read; HubSpot 2 contact reads + 1 association read, 2 contact updates + 1 association write', async () => {
    const notices = await moveInSalesforce(stack, setup);
    const { result, calls } = await stack.measure(() => stack.process(notices));
    expect(result.summary).toMatchObject({ synced: 200, errors: 0, retried: 0 });
    expect(calls.salesforce).toMatchObject({ reads: 1, writes: 0 });
    expect(calls.hubspot).toMatchObject({ reads: 3, writes: 3 });
    const [first] = setup.pairs.hubspotIds;
    const companies = await stack.hubspot.readContactCompanies([first ?? '']);
    expect(companies.get(first ?? '')).toEqual([{ companyId: setup.companies.one, primary: true }]);
    const [contact] = await stack.hubspot.readContacts([first ?? ''], ['hubspot_owner_id']);
    expect(contact?.properties['hubspot_owner_id']).toBe(setup.owners.hubspot.ann);
  });

  it('C6/O2: 200 primary companies and owners changed in HubSpot: one Contact collection update carries AccountId and OwnerId', async () => {
    const notices = await moveInHubSpot(stack, setup);
    const { result, calls } = await stack.measure(() => stack.process(notices));
    expect(result.summary).toMatchObject({ synced: 200, errors: 0, retried: 0 });
    expect(calls.salesforce).toMatchObject({ reads: 1, writes: 1 });
    expect(calls.hubspot).toMatchObject({ reads: 3, writes: 0 });
    const records = await stack.salesforce.readRecords('Contact', setup.pairs.salesforceIds, [
      'AccountId',
      'OwnerId',
    ]);
    expect(new Set(records.map((r) => `${r.fields['AccountId']}/${r.fields['OwnerId']}`))).toEqual(
      new Set([`${setup.accounts.two}/${setup.owners.salesforce.bob}`]),
    );
  });

  it('C6: a failed association write retries its records and commits no snapshot; the retry sets the primary company', async () => {
    const ids = setup.pairs.salesforceIds.slice(0, 3);
    for (const id of ids)
      await stack.salesforceSandbox.userUpdate('Contact', id, { AccountId: setup.accounts.one });
    const notices = ids.map((id) => salesforceNotice('Contact', id, { changedFields: ['AccountId'] }));
    stack.hubspotSandbox.injectFault({
      kind: 'error-rate',
      rate: 1,
      status: 503,
      pathPrefix: '/crm/v4/associations',
    });
    const failed = await stack.process(notices);
    stack.hubspotSandbox.clearFaults();
    expect(failed.summary).toMatchObject({ retried: 3, synced: 0 });
    expect(failed.batchItemFailures).toHaveLength(3);
    const before = await stack.store.getPairsBySalesforceIds(ids);
    expect([...before.values()].map((p) => p.snapshot['@account'])).toEqual(
      ids.map(() => setup.accounts.two),
    );

    const retried = await stack.process(notices.map((n) => ({ ...n, eventId: `${n.eventId}-again` })));
    expect(retried.summary).toMatchObject({ synced: 3, retried: 0 });
    const hubspotIds = [...(await stack.store.getPairsBySalesforceIds(ids)).values()].map((p) => p.hubspotId);
    const companies = await stack.hubspot.readContactCompanies(hubspotIds);
    for (const id of hubspotIds)
      expect(companies.get(id)?.find((a) => a.primary)?.companyId).toBe(setup.companies.one);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotNotice, salesforceNotice } from '../support/notices.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

describe('processor: a change on either side syncs', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 5);
  });
  afterAll(() => stack?.close());

  it('a HubSpot change is written to the linked Salesforce Lead', async () => {
    const hubspotId = pairs.hubspotIds[0]!;
    const leadId = pairs.salesforceIds[0]!;
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Head of Plumbing' });

    const result = await stack.process([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ records: 1, synced: 1, writes: { hubspot: 0, salesforce: 1 } });
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Head of Plumbing');
    const pair = (await stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
    expect(pair?.snapshot['jobtitle']).toBe('Head of Plumbing');
  });

  it('a Salesforce change is written to the linked HubSpot contact', async () => {
    const hubspotId = pairs.hubspotIds[1]!;
    const leadId = pairs.salesforceIds[1]!;
    await stack.salesforceSandbox.userUpdate('Lead', leadId, { FirstName: 'Zebedee' });

    const result = await stack.process([salesforceNotice('Lead', leadId, { changedFields: ['FirstName'] })]);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ synced: 1, writes: { hubspot: 1, salesforce: 0 } });
    const [contact] = await stack.hubspot.readContacts([hubspotId], ['firstname']);
    expect(contact?.properties['firstname']).toBe('Zebedee');
  });

  it('every notice and the merge result are in the record trace', async () => {
    const hubspotId = pairs.hubspotIds[2]!;
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { phone: '+1 555 0100' });
    const notice = hubspotNotice(hubspotId, { changedFields: ['phone'] });

    await stack.process([notice]);

    const trace = await stack.store.listDecisions(`hubspot:${hubspotId}`, 10);
    const outcomes = trace.filter((d) => d.eventId === notice.eventId).map((d) => d.outcome);
    expect(outcomes).toContain('received');
    expect(outcomes).toContain('synced');
    const synced = trace.find((d) => d.outcome === 'synced' && d.eventId === notice.eventId);
    expect(synced?.detail?.['toSalesforce']).toEqual(['Phone']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { hubspotNotice, salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * docs/design.md#batching: a batch of 200 notices is one Salesforce collection and two HubSpot batch
 * calls. Counted by the sandboxes, so every HTTP request the real clients made is in the figure.
 */
describe('processor: batched reads and writes', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 200);
  });
  afterAll(() => stack?.close());

  it('200 HubSpot changes to linked contacts: at most 2 HubSpot reads, 1 Salesforce read, 1 Salesforce write', async () => {
    for (const [i, id] of pairs.hubspotIds.entries()) {
      await stack.hubspotSandbox.userUpdateContact(id, { jobtitle: `Batch title ${i}` });
    }
    const notices = pairs.hubspotIds.map((id) => hubspotNotice(id, { changedFields: ['jobtitle'] }));

    const { result, calls } = await stack.measure(() => stack.process(notices));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({
      records: 200,
      synced: 200,
      writes: { hubspot: 0, salesforce: 200 },
    });
    expect(calls.hubspot.reads).toBeLessThanOrEqual(2);
    expect(calls.hubspot.writes).toBe(0);
    expect(calls.salesforce).toEqual({ reads: 1, writes: 1, other: 0 });
    pairs.salesforceIds.forEach((id, i) => {
      expect(stack.salesforceSandbox.getRecord(id)?.['Title']).toBe(`Batch title ${i}`);
    });
  });

  it('200 Salesforce changes to linked leads: 1 Salesforce read, 2 HubSpot reads, 2 HubSpot writes', async () => {
    for (const [i, id] of pairs.salesforceIds.entries()) {
      await stack.salesforceSandbox.userUpdate('Lead', id, { FirstName: `Batchfirst${i}` });
    }
    const notices = pairs.salesforceIds.map((id) =>
      salesforceNotice('Lead', id, { changedFields: ['FirstName'] }),
    );

    const { result, calls } = await stack.measure(() => stack.process(notices));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({
      records: 200,
      synced: 200,
      writes: { hubspot: 200, salesforce: 0 },
    });
    expect(calls.salesforce).toEqual({ reads: 1, writes: 0, other: 0 });
    expect(calls.hubspot).toMatchObject({ reads: 2, writes: 2, other: 0 });
    const contacts = await stack.hubspot.readContacts(pairs.hubspotIds, ['firstname']);
    const byId = new Map(contacts.map((c) => [c.id, c.properties['firstname']]));
    pairs.hubspotIds.forEach((id, i) => {
      expect(byId.get(id)).toBe(`Batchfirst${i}`);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { hubspotNotice, salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * docs/design.md#two-way: a field changed on both sides goes to the later change, by the field's own
 * change time where the source tells it. Both sandboxes run on one hand-driven clock.
 */
describe('processor: two-way conflicts', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;
  let clock = Date.UTC(2026, 10, 29, 9, 0, 0);
  const tick = (ms = 1000) => {
    clock += ms;
  };

  beforeAll(async () => {
    stack = await startTestStack({ hubspot: { now: () => clock }, salesforce: { now: () => clock } });
    pairs = await seedLinkedPairs(stack, 2);
  });
  afterAll(() => stack?.close());

  it('the later change of the field wins, not the later-modified record (property history read only then)', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[0]!, pairs.salesforceIds[0]!];
    tick();
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Older HubSpot title' });
    tick();
    await stack.salesforceSandbox.userUpdate('Lead', leadId, { Title: 'Newer Salesforce title' });
    const salesforceChangedAt = clock;
    tick();
    // A later edit of another HubSpot property makes the contact the later-modified record.
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { phone: '+1 555 0199' });

    const { result, calls } = await stack.measure(() =>
      stack.process([
        hubspotNotice(hubspotId, { changedFields: ['phone'], occurredAt: clock }),
        salesforceNotice('Lead', leadId, { changedFields: ['Title'], occurredAt: salesforceChangedAt }),
      ]),
    );

    expect(result.batchItemFailures).toEqual([]);
    const [contact] = await stack.hubspot.readContacts([hubspotId], ['jobtitle', 'phone']);
    expect(contact?.properties['jobtitle']).toBe('Newer Salesforce title');
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Newer Salesforce title');
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Phone']).toBe('+1 555 0199');
    // One batch read, plus one history read for the conflicted contact.
    expect(calls.hubspot.reads).toBe(2);
    const trace = await stack.store.listDecisions(`hubspot:${hubspotId}`, 5);
    const synced = trace.find((d) => d.outcome === 'synced');
    expect(synced?.detail?.['conflicts']).toEqual([
      expect.objectContaining({ field: 'jobtitle', winner: 'salesforce' }),
    ]);
  });

  it('no conflict, no history read', async () => {
    const hubspotId = pairs.hubspotIds[1]!;
    tick();
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Only HubSpot changed' });

    const { calls } = await stack.measure(() =>
      stack.process([hubspotNotice(hubspotId, { changedFields: ['jobtitle'], occurredAt: clock })]),
    );

    expect(calls.hubspot.reads).toBe(1);
  });
});

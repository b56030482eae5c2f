import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../lib/errors.ts';
import type { PairState, SyncStore } from '../../lib/ports.ts';
import { processBatch } from '../../lib/sync/processor.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { asMessages, hubspotNotice, salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/** docs/design.md#notices-not-values and #echo-suppression: notices are re-read, so echoes, duplicates and reordering are harmless. */
describe('processor: echoes, duplicates and reordering', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 8);
  });
  afterAll(() => stack?.close());

  it('an echo of our own Salesforce write produces no further write', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[0]!, pairs.salesforceIds[0]!];
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Echo check' });
    await stack.process([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Echo check');

    // The CDC event of our own write, had intake not dropped it by its changeOrigin.
    const echo = salesforceNotice('Lead', leadId, { changedFields: ['Title'] });
    const { result, calls } = await stack.measure(() => stack.process([echo]));

    expect(result.summary).toMatchObject({ noop: 1, synced: 0, writes: { hubspot: 0, salesforce: 0 } });
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
  });

  it('an echo of our own HubSpot write produces no further write', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[1]!, pairs.salesforceIds[1]!];
    await stack.salesforceSandbox.userUpdate('Lead', leadId, { LastName: 'Echoson' });
    await stack.process([salesforceNotice('Lead', leadId, { changedFields: ['LastName'] })]);

    const echo = hubspotNotice(hubspotId, { changedFields: ['lastname'] });
    const { result, calls } = await stack.measure(() => stack.process([echo]));

    expect(result.summary).toMatchObject({ noop: 1, writes: { hubspot: 0, salesforce: 0 } });
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
  });

  it('a duplicate notice in one batch is dropped by event id and the record is written once', async () => {
    const hubspotId = pairs.hubspotIds[2]!;
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Twice delivered' });
    const notice = hubspotNotice(hubspotId, { changedFields: ['jobtitle'] });

    const { result, calls } = await stack.measure(() => stack.process([notice, { ...notice }]));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ messages: 2, duplicates: 1, records: 1, synced: 1 });
    expect(calls.salesforce.writes).toBe(1);
  });

  it('a notice redelivered after its batch was acknowledged writes nothing', async () => {
    const hubspotId = pairs.hubspotIds[3]!;
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Delivered again' });
    const notice = hubspotNotice(hubspotId, { changedFields: ['jobtitle'] });
    await stack.process([notice]);

    const { result, calls } = await stack.measure(() => stack.process([notice]));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary.synced).toBe(0);
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
    // The store knows the event was processed: the redelivery costs no CRM call at all.
    expect(result.summary).toMatchObject({ duplicates: 1, records: 0 });
    expect(calls.hubspot.reads + calls.salesforce.reads).toBe(0);
  });

  it('reordered notices end with the latest value, and the late older notice writes nothing', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[4]!, pairs.salesforceIds[4]!];
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'First' });
    const older = hubspotNotice(hubspotId, { changedFields: ['jobtitle'], occurredAt: Date.now() - 1000 });
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Second' });
    const newer = hubspotNotice(hubspotId, { changedFields: ['jobtitle'] });

    await stack.process([newer]);
    const late = await stack.measure(() => stack.process([older]));

    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Second');
    expect(late.result.summary).toMatchObject({ noop: 1, writes: { hubspot: 0, salesforce: 0 } });
    expect(late.calls.salesforce.writes).toBe(0);
  });

  it('several notices of one pair in one batch (both sides, repeated) are coalesced: one write per side at most', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[6]!, pairs.salesforceIds[6]!];
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Coalesced title' });
    await stack.salesforceSandbox.userUpdate('Lead', leadId, { Phone: '+1 555 0177' });
    const notices = [
      hubspotNotice(hubspotId, { changedFields: ['jobtitle'] }),
      hubspotNotice(hubspotId, { changedFields: ['jobtitle'] }),
      salesforceNotice('Lead', leadId, { changedFields: ['Phone'] }),
      salesforceNotice('Lead', leadId, { changedFields: ['Phone'] }),
    ];

    const { result, calls } = await stack.measure(() => stack.process(notices));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ messages: 4, records: 2, synced: 1, noop: 1 });
    expect(calls.hubspot).toMatchObject({ reads: 1, writes: 1 });
    expect(calls.salesforce).toMatchObject({ reads: 1, writes: 1 });
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Coalesced title');
    const [contact] = await stack.hubspot.readContacts([hubspotId], ['phone']);
    expect(contact?.properties['phone']).toBe('+1 555 0177');
  });

  it('a crash between the CRM write and the pair commit: the redelivery writes nothing more', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[5]!, pairs.salesforceIds[5]!];
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Crash window' });
    const notice = hubspotNotice(hubspotId, { changedFields: ['jobtitle'] });
    const messages = asMessages([notice]);
    // The commit is the pair write whose snapshot carries the new value: fail it as a lost process would.
    const crashingStore = failingCommits(stack.store, (pair) => pair.snapshot['jobtitle'] === 'Crash window');

    const first = await processBatch(messages, stack.processorDeps({ store: crashingStore }));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: messages[0]!.messageId }]);
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Crash window');

    const again = await stack.measure(() => processBatch(messages, stack.processorDeps()));
    expect(again.result.batchItemFailures).toEqual([]);
    expect(again.calls.salesforce.writes + again.calls.hubspot.writes).toBe(0);
    const pair = (await stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
    expect(pair?.snapshot['jobtitle']).toBe('Crash window');
  });
});

/** The real store, except that pair writes matching `when` fail as if the process died before them. */
function failingCommits(store: SyncStore, when: (pair: PairState) => boolean): SyncStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'putPair') {
        return (pair: PairState, expectedVersion: number) =>
          when(pair)
            ? Promise.reject(new RetryableError('simulated crash before commit', 'server'))
            : target.putPair(pair, expectedVersion);
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

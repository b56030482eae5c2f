import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectSegment } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { seedLinkedPairs } from '../support/linked-pairs.ts';
import { hubspotNotice } from '../support/notices.ts';
import type { TestStack } from '../support/test-stack.ts';
import { startSyncStack } from '../sync/sync-stack.ts';

const MQL = 'marketingqualifiedlead';
const BATCH_READ = 'POST /crm/v3/lists/records/memberships/batch/read';

/**
 * Membership at the moment of the change (lib/sync/membership-check.ts): for HubSpot edits that touch
 * a property the segment filters on, the processor confirms membership with one batch read, so a join
 * syncs with the edit that caused it and a leave is never written — without waiting for a refresh.
 */
describe('processor: membership confirmed at the moment of the change', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  let listId: string;
  let ids: string[];
  let salesforceIds: string[];
  const batchReads = () => stack.counters.hubspot()[BATCH_READ] ?? 0;

  beforeAll(async () => {
    ({ stack, deps } = await startSyncStack());
    ({ hubspotIds: ids, salesforceIds } = await seedLinkedPairs(stack, 6, { seed: 31 }));
    for (const id of ids.slice(0, 3))
      await stack.hubspotSandbox.userUpdateContact(id, { lifecyclestage: MQL });
    for (const id of ids.slice(3))
      await stack.hubspotSandbox.userUpdateContact(id, { lifecyclestage: 'lead' });
    listId = (
      await stack.hubspot.createDynamicList('Confirmed', {
        property: 'lifecyclestage',
        operator: 'IS_ANY_OF',
        values: [MQL],
      })
    ).listId;
    stack.hubspotSandbox.processLists();
    await selectSegment(deps, listId);
    expect((await stack.store.listMembers(listId)).sort()).toEqual(ids.slice(0, 3).sort());
  });
  afterAll(() => stack?.close());

  it('R8: a member edited out of the segment is not written, and its leave is recorded at once (one batch read)', async () => {
    const leaver = ids[0]!;
    await stack.hubspotSandbox.userUpdateContact(leaver, {
      lifecyclestage: 'customer',
      jobtitle: 'Left title',
    });
    stack.hubspotSandbox.processLists();
    const reads = batchReads();

    const result = await stack.process([
      hubspotNotice(leaver, { changedFields: ['jobtitle', 'lifecyclestage'] }),
    ]);

    expect(batchReads() - reads).toBe(1);
    expect(result.summary).toMatchObject({ skipped: 1, synced: 0, writes: { hubspot: 0, salesforce: 0 } });
    expect(stack.salesforceSandbox.getRecord(salesforceIds[0]!)?.['Title']).not.toBe('Left title');
    expect(await stack.store.getMembers(listId, [leaver])).toEqual(new Set());
    expect(await stack.store.countMembers(listId)).toBe(2);
    expect(await stack.store.listMembershipChanges!(listId, 1)).toEqual([
      expect.objectContaining({ hubspotId: leaver, change: 'left' }),
    ]);
  });

  it('R4: the edit that makes a contact join syncs it by itself, before any refresh', async () => {
    const joiner = ids[4]!;
    await stack.hubspotSandbox.userUpdateContact(joiner, { lifecyclestage: MQL, jobtitle: 'Joined title' });
    stack.hubspotSandbox.processLists();

    const result = await stack.process([
      hubspotNotice(joiner, { changedFields: ['jobtitle', 'lifecyclestage'] }),
    ]);

    expect(result.summary).toMatchObject({ synced: 1, writes: { salesforce: 1 } });
    expect(stack.salesforceSandbox.getRecord(salesforceIds[4]!)?.['Title']).toBe('Joined title');
    expect(await stack.store.getMembers(listId, [joiner])).toEqual(new Set([joiner]));
  });

  it('R4/R8: an edit of a property the segment does not filter on costs no membership call; the stored membership decides', async () => {
    const reads = batchReads();
    const result = await stack.process([
      hubspotNotice(ids[1]!, { changedFields: ['jobtitle'] }),
      hubspotNotice(ids[5]!, { changedFields: ['jobtitle'] }),
    ]);
    expect(batchReads() - reads).toBe(0);
    expect(result.summary).toMatchObject({ records: 2, skipped: 1 });
  });

  it('R4: resync and segment-joined notices never pay the membership call', async () => {
    const reads = batchReads();
    await stack.process([
      hubspotNotice(ids[1]!, { kind: 'resync' }),
      hubspotNotice(ids[2]!, { kind: 'segment-joined' }),
    ]);
    expect(batchReads() - reads).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResync } from '../../lib/sync/resync.ts';
import { clearSegment, selectSegment } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import type { TestStack } from '../support/test-stack.ts';
import { takeQueued } from './queued.ts';
import { startSyncStack } from './sync-stack.ts';

describe('runResync queues one resync notice per current member (or per contact, with no segment)', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  let seeded: string[];
  const take = () => takeQueued(stack.sqs!.client, stack.queueUrl!);

  beforeAll(async () => {
    ({ stack, deps } = await startSyncStack());
    seeded = stack.hubspotSandbox.seed({ contacts: 230, seed: 11, segmentRate: 0.4 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('R2/R5: with no segment, every contact, paging the contacts API (100 per page)', async () => {
    await clearSegment(deps);
    const progress: number[] = [];
    const result = await runResync(deps, (p) => progress.push(p.done));
    expect(result).toEqual({ segmentId: null, queued: seeded.length });
    const notices = await take();
    expect(new Set(notices.map((n) => n.recordId))).toEqual(new Set(seeded));
    expect(
      notices.every((n) => n.kind === 'resync' && n.source === 'hubspot' && n.objectType === 'contact'),
    ).toBe(true);
    expect(new Set(notices.map((n) => n.eventId)).size).toBe(seeded.length);
    expect(progress.at(-1)).toBe(seeded.length);
  });

  it('R5: with a segment, the membership is refreshed first, so a contact that joined since the last refresh is included', async () => {
    const listId = (
      await stack.hubspot.createDynamicList('MQL or SQL', {
        property: 'lifecyclestage',
        operator: 'IS_ANY_OF',
        values: ['marketingqualifiedlead', 'salesqualifiedlead'],
      })
    ).listId;
    await selectSegment(deps, listId);
    const members = new Set(await stack.store.listMembers(listId));
    const joiner = seeded.find((id) => !members.has(id))!;
    await stack.hubspotSandbox.userUpdateContact(joiner, { lifecyclestage: 'salesqualifiedlead' });

    const result = await runResync(deps);
    expect(result).toEqual({ segmentId: listId, queued: members.size + 1 });
    const notices = await take();
    const resync = notices.filter((n) => n.kind === 'resync').map((n) => n.recordId);
    expect(new Set(resync)).toEqual(new Set([...members, joiner]));
    // The refresh also recorded the join, with its own notice (R4): a duplicate the processor coalesces.
    expect(notices.filter((n) => n.kind === 'segment-joined').map((n) => n.recordId)).toEqual([joiner]);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runJob } from '../../lib/admin/jobs.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { RESYNC_CHECKPOINT, runResync, runScheduledRefresh } from '../../lib/sync/resync.ts';
import { clearSegment, selectSegment } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { memoryJobProgress } from '../support/job-progress.ts';
import type { TestStack } from '../support/test-stack.ts';
import { takeQueued } from './queued.ts';
import { startSyncStack, startSyncStackWithSegment } from './sync-stack.ts';

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
    expect(result).toEqual({ segmentId: null, queued: seeded.length, done: true });
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
    expect(result).toEqual({ segmentId: listId, queued: members.size + 1, done: true });
    const notices = await take();
    const resync = notices.filter((n) => n.kind === 'resync').map((n) => n.recordId);
    expect(resync).toHaveLength(members.size + 1);
    expect(new Set(resync)).toEqual(new Set([...members, joiner]));
    // The resync reconciled the membership on the way: the join is recorded, and its resync notice
    // is the only one (no separate segment-joined notice for the same contact).
    expect(notices.filter((n) => n.kind === 'segment-joined')).toEqual([]);
    expect(await stack.store.listMembershipChanges!(listId, 5)).toContainEqual(
      expect.objectContaining({ hubspotId: joiner, change: 'joined' }),
    );
    expect(await stack.store.getCheckpoint(RESYNC_CHECKPOINT)).toBeUndefined();
  });
});

describe('R5: a resync streams, checkpoints and resumes', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  let listId: string;
  let members: string[];
  const take = () => takeQueued(stack.sqs!.client, stack.queueUrl!);

  beforeAll(async () => {
    ({ stack, deps, listId, members } = await startSyncStackWithSegment('Resumable', {
      contacts: 900,
      seed: 12,
      segmentRate: 0.8,
    }));
    expect(members.length).toBeGreaterThan(500);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('R5: reads a page, queues it, then reads the next; never the stored membership as a whole', async () => {
    const events: string[] = [];
    const joinOrderPage: typeof stack.hubspot.joinOrderPage = async (id, after) => {
      events.push('read');
      return stack.hubspot.joinOrderPage(id, after);
    };
    const hubspot = new Proxy(stack.hubspot, {
      get: (target, property) => {
        if (property === 'joinOrderPage') return joinOrderPage;
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const queue = {
      send: async (n: Parameters<typeof deps.queue.send>[0]) => {
        events.push('send');
        await deps.queue.send(n);
      },
    };
    const listMembers = vi.spyOn(stack.store, 'listMembers');
    const result = await runResync({ ...deps, hubspot, queue });
    expect(listMembers).not.toHaveBeenCalled();
    listMembers.mockRestore();
    expect(result).toMatchObject({ queued: members.length, done: true });
    expect(events.join(',')).toMatch(/^read,send,read,send,read,send/);
    await take();
  });

  it('R5: a paused run stores its checkpoint and the next call resumes it; every member queued once', async () => {
    let pages = 0;
    const first = await runResync(deps, undefined, { shouldPause: () => ++pages >= 1 });
    expect(first).toMatchObject({ done: false, queued: 250 });
    expect(await stack.store.getCheckpoint(RESYNC_CHECKPOINT)).toMatchObject({ queued: 250 });
    const second = await runResync(deps);
    expect(second).toMatchObject({ done: true, queued: members.length });
    const ids = (await take()).filter((n) => n.kind === 'resync').map((n) => n.recordId);
    expect(ids).toHaveLength(members.length);
    expect(new Set(ids)).toEqual(new Set(members));
  });

  it('R5: in AWS the scheduled refresh continues a paused resync until it is done, then refreshes as usual', async () => {
    const first = await runResync(deps, undefined, { shouldPause: () => true });
    expect(first).toMatchObject({ done: false, queued: 250 });
    const continued = await runScheduledRefresh(deps, 60_000);
    expect(continued).toEqual({ resync: { segmentId: listId, queued: members.length, done: true } });
    expect(await runScheduledRefresh(deps, 60_000)).toMatchObject({
      refresh: { mode: 'incremental', joined: 0 },
    });
    const ids = (await take()).filter((n) => n.kind === 'resync').map((n) => n.recordId);
    expect(ids).toHaveLength(members.length);
  });

  it('R5: an admin-started resync job pauses before the 15-minute Lambda limit with its checkpoint; the scheduled refresh finishes it', async () => {
    const { store: progressStore, saved } = memoryJobProgress();
    let t = Date.now();
    const slowClock = { ...deps, now: () => (t += 7 * 60_000) }; // every page takes minutes
    const paused = await runJob({ kind: 'resync' }, slowClock, progressStore, silentLog);
    expect(paused).toMatchObject({ running: false, finishedAt: null, enqueued: 250 });
    expect(saved.at(-1)?.progress).toMatchObject({ running: false, finishedAt: null });
    expect(await stack.store.getCheckpoint(RESYNC_CHECKPOINT)).toMatchObject({ queued: 250 });
    const continued = await runScheduledRefresh(deps, 60_000);
    expect(continued).toEqual({ resync: { segmentId: listId, queued: members.length, done: true } });
    const ids = (await take()).filter((n) => n.kind === 'resync').map((n) => n.recordId);
    expect(new Set(ids)).toEqual(new Set(members));
    expect(ids).toHaveLength(members.length);
  });

  it('R5: a crash (the queue fails) resumes from the checkpoint, never restarts, never queues a member twice', async () => {
    let sends = 0;
    const failing = {
      send: async (n: Parameters<typeof deps.queue.send>[0]) => {
        if (++sends === 3) throw new Error('crash while queueing (test)');
        await deps.queue.send(n);
      },
    };
    await expect(runResync({ ...deps, queue: failing })).rejects.toThrow('crash while queueing');
    const cp = await stack.store.getCheckpoint(RESYNC_CHECKPOINT);
    expect(cp).toMatchObject({ queued: 500 });
    const resumed = await runResync(deps);
    expect(resumed).toMatchObject({ done: true, queued: members.length });
    const notices = (await take()).filter((n) => n.kind === 'resync');
    expect(notices).toHaveLength(members.length);
    expect(new Set(notices.map((n) => n.recordId))).toEqual(new Set(members));
    expect(new Set(notices.map((n) => n.eventId.split(':').slice(0, 2).join(':'))).size).toBe(1);
  });
});

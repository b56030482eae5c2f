import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointLeaseError } from '../../lib/errors.ts';
import { RESYNC_CHECKPOINT, RESYNC_LEASE_MS, runResync, runScheduledRefresh } from '../../lib/sync/resync.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import type { TestStack } from '../support/test-stack.ts';
import { takeQueued } from './queued.ts';
import { startSyncStackWithSegment } from './sync-stack.ts';

/**
 * docs/design.md#resync-lease: a running resync holds a lease on its checkpoint, so the scheduled
 * refresh (or a second job) never continues a run another invocation is still running — before the
 * lease, both read and queued the same pages (duplicate notices, dropped later by event id).
 */
describe('R5: a resync holds a lease on its checkpoint', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  let listId: string;
  let members: string[];
  const take = () => takeQueued(stack.sqs!.client, stack.queueUrl!);

  beforeAll(async () => {
    ({ stack, deps, listId, members } = await startSyncStackWithSegment('Leased', {
      contacts: 900,
      seed: 13,
      segmentRate: 0.8,
    }));
    expect(members.length).toBeGreaterThan(500); // three pages of 250
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('R5: while a job runs the resync, the scheduled refresh leaves its checkpoint alone; every member is queued once', async () => {
    // The job's second page waits on a gate: it has stored its first checkpoint and is running.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let reachedGate!: () => void;
    const atGate = new Promise<void>((resolve) => {
      reachedGate = resolve;
    });
    let sends = 0;
    const slowQueue = {
      send: async (n: Parameters<typeof deps.queue.send>[0]) => {
        if (++sends === 2) {
          reachedGate();
          await gate;
        }
        await deps.queue.send(n);
      },
    };
    const job = runResync({ ...deps, queue: slowQueue });
    await atGate;
    expect(await stack.store.getCheckpoint(RESYNC_CHECKPOINT)).toMatchObject({ queued: 250 });

    const scheduled = await runScheduledRefresh(deps, 60_000);
    expect(scheduled).toEqual({
      resync: { segmentId: listId, queued: 250, done: false, heldElsewhere: true },
    });
    open();
    expect(await job).toEqual({ segmentId: listId, queued: members.length, done: true });

    const ids = (await take()).filter((n) => n.kind === 'resync').map((n) => n.recordId);
    expect(ids).toHaveLength(members.length);
    expect(new Set(ids)).toEqual(new Set(members));
    expect(await stack.store.getCheckpoint(RESYNC_CHECKPOINT)).toBeUndefined();
  });

  it('R5: a run whose holder crashed is taken over once its lease lapsed, not before', async () => {
    const t = Date.now();
    // A holder that crashed right after its first checkpoint (no page queued yet).
    await stack.store.putCheckpoint(
      RESYNC_CHECKPOINT,
      { run: `resync:${t}`, at: t, segmentId: listId, queued: 0 },
      { holder: 'crashed-invocation', until: t + RESYNC_LEASE_MS, now: t },
    );
    const early = await runResync({ ...deps, now: () => t + RESYNC_LEASE_MS - 1 });
    expect(early).toEqual({ segmentId: listId, queued: 0, done: false, heldElsewhere: true });
    expect(await take()).toEqual([]);

    const late = await runResync({ ...deps, now: () => t + RESYNC_LEASE_MS });
    expect(late).toEqual({ segmentId: listId, queued: members.length, done: true });
    const notices = (await take()).filter((n) => n.kind === 'resync');
    expect(notices).toHaveLength(members.length);
    // The crashed run's id is kept: a copy it had queued would be dropped as the same event.
    expect(new Set(notices.map((n) => n.eventId.split(':').slice(0, 2).join(':')))).toEqual(
      new Set([`resync:${t}`]),
    );
  });

  it('R5: of two invocations, only the lease holder writes the checkpoint; a lapsed lease goes to one taker', async () => {
    const t = 1_000_000;
    const value = { run: 'resync:x', at: t, segmentId: listId, queued: 0 };
    await stack.store.putCheckpoint(RESYNC_CHECKPOINT, value, { holder: 'a', until: t + 100, now: t });
    await expect(
      stack.store.putCheckpoint(RESYNC_CHECKPOINT, value, { holder: 'b', until: t + 150, now: t + 50 }),
    ).rejects.toBeInstanceOf(CheckpointLeaseError);
    // The holder renews; after the lease lapsed, b takes over and a's next write fails.
    await stack.store.putCheckpoint(RESYNC_CHECKPOINT, value, { holder: 'a', until: t + 200, now: t + 60 });
    await stack.store.putCheckpoint(RESYNC_CHECKPOINT, value, { holder: 'b', until: t + 400, now: t + 200 });
    await expect(
      stack.store.putCheckpoint(RESYNC_CHECKPOINT, value, { holder: 'a', until: t + 500, now: t + 210 }),
    ).rejects.toBeInstanceOf(CheckpointLeaseError);
    await expect(
      stack.store.putCheckpoint(RESYNC_CHECKPOINT, null, { holder: 'a', until: t + 210, now: t + 210 }),
    ).rejects.toBeInstanceOf(CheckpointLeaseError);
    // A release (until <= now) leaves no lease: anyone may write next, whatever its clock.
    await stack.store.putCheckpoint(RESYNC_CHECKPOINT, value, { holder: 'b', until: t + 220, now: t + 220 });
    await stack.store.putCheckpoint(RESYNC_CHECKPOINT, null, { holder: 'c', until: 0, now: 0 });
    expect(await stack.store.getCheckpoint(RESYNC_CHECKPOINT)).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollChanges } from '../../lib/sync/poll.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import type { TestStack } from '../support/test-stack.ts';
import { manualClock, takeQueued } from './queued.ts';
import { startSyncStack } from './sync-stack.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

describe('pollChanges: modifications become notices, cursors only move forward', () => {
  const clock = manualClock(T0);
  let stack: TestStack;
  let deps: SyncDeps;
  const take = () => takeQueued(stack.sqs!.client, stack.queueUrl!);

  beforeAll(async () => {
    ({ stack, deps } = await startSyncStack(
      { hubspot: { now: clock.now }, salesforce: { now: clock.now } },
      clock.now,
    ));
  });
  afterAll(async () => {
    await stack?.close();
  });

  let a: string;
  let b: string;
  let lead: string;

  it('the first poll finds records changed in the last 15 minutes on both sides, as `created` notices, and sets the cursors', async () => {
    a = await stack.hubspotSandbox.userCreateContact({ email: 'poll-a@example.com', lastname: 'A' });
    b = await stack.hubspotSandbox.userCreateContact({ email: 'poll-b@example.com', lastname: 'B' });
    lead = await stack.salesforceSandbox.userCreate('Lead', {
      Email: 'poll-l@example.com',
      LastName: 'L',
      Company: 'Poll Co',
    });
    clock.advance(2 * MIN);

    expect(await pollChanges(deps)).toEqual({ hubspot: 2, salesforce: { Lead: 1, Contact: 0 } });
    const notices = await take();
    expect(notices.map((n) => `${n.source}:${n.recordId}:${n.kind}`).sort()).toEqual(
      [`hubspot:${a}:created`, `hubspot:${b}:created`, `salesforce:${lead}:created`].sort(),
    );
    expect(notices.find((n) => n.recordId === a)).toMatchObject({
      objectType: 'contact',
      occurredAt: T0,
      eventId: `poll:hubspot:${a}:${T0}`,
    });
    expect(notices.find((n) => n.recordId === lead)).toMatchObject({ objectType: 'Lead', occurredAt: T0 });
    expect(await stack.store.getCursor('poll:hubspot')).toBe(T0);
    expect(await stack.store.getCursor('poll:salesforce:Lead')).toBe(T0);
    expect(await stack.store.getCursor('poll:salesforce:Contact')).toBeUndefined();
  });

  it('a later poll reports modifications as `updated`, and moves each cursor to the newest change seen', async () => {
    clock.advance(3 * MIN);
    await stack.hubspotSandbox.userUpdateContact(a, { jobtitle: 'Polled' });
    await stack.salesforceSandbox.userUpdate('Lead', lead, { Title: 'Polled' });
    const changedAt = clock.now();
    clock.advance(5 * MIN);

    await pollChanges(deps);
    const notices = await take();
    expect(notices).toContainEqual(
      expect.objectContaining({ source: 'hubspot', recordId: a, kind: 'updated', occurredAt: changedAt }),
    );
    expect(notices).toContainEqual(
      expect.objectContaining({
        source: 'salesforce',
        recordId: lead,
        kind: 'updated',
        occurredAt: changedAt,
      }),
    );
    // b is inside the overlap of the previous cursor: reported again with the same event id, which the
    // processor drops as a duplicate.
    expect(notices.filter((n) => n.recordId === b).map((n) => n.eventId)).toEqual([
      `poll:hubspot:${b}:${T0}`,
    ]);
    expect(await stack.store.getCursor('poll:hubspot')).toBe(changedAt);
    expect(await stack.store.getCursor('poll:salesforce:Lead')).toBe(changedAt);
  });

  it('a poll that finds nothing newer keeps the cursors; only the overlap is re-read, with the same event ids', async () => {
    const hubspotCursor = await stack.store.getCursor('poll:hubspot');
    const leadCursor = await stack.store.getCursor('poll:salesforce:Lead');
    clock.advance(30 * MIN);
    expect(await pollChanges(deps)).toEqual({ hubspot: 1, salesforce: { Lead: 1, Contact: 0 } });
    const again = await take();
    expect(again.map((n) => n.eventId).sort()).toEqual(
      [`poll:hubspot:${a}:${hubspotCursor}`, `poll:salesforce:${lead}:${leadCursor}`].sort(),
    );
    expect(await stack.store.getCursor('poll:hubspot')).toBe(hubspotCursor);
    expect(await stack.store.getCursor('poll:salesforce:Lead')).toBe(leadCursor);
  });

  it('a change committed late (its modification time is older than the cursor) is still found within the overlap', async () => {
    const cursor = (await stack.store.getCursor('poll:hubspot'))!;
    // A write whose hs_lastmodifieddate is 30 s older than the newest change the last poll saw.
    const now = clock.now();
    clock.advance(cursor - now + 1 + 30_000 - 60_000);
    await stack.hubspotSandbox.userUpdateContact(b, { jobtitle: 'Late' });
    const lateAt = clock.now();
    expect(lateAt).toBeLessThan(cursor);
    clock.advance(now - lateAt + MIN);
    await pollChanges(deps);
    expect(await take()).toContainEqual(
      expect.objectContaining({ recordId: b, kind: 'updated', occurredAt: lateAt }),
    );
    // Forward only: the late change does not pull the cursor back.
    expect(await stack.store.getCursor('poll:hubspot')).toBe(cursor);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { RetryableError } from '../../lib/errors.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import type { ChangeQueue } from '../../lib/ports.ts';
import { clearSegment, selectSegment } from '../../lib/sync/segment-choice.ts';
import { readAllMembers, refreshSegment, SegmentNotFoundError } from '../../lib/sync/segment-refresh.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import type { TestStack } from '../support/test-stack.ts';
import { takeQueued } from './queued.ts';
import { startSyncStack } from './sync-stack.ts';

const MQL = 'marketingqualifiedlead';
const MEMBERSHIPS = 'GET /crm/v3/lists/{listId}/memberships';
const JOIN_ORDER = 'GET /crm/v3/lists/{listId}/memberships/join-order';

describe('segment refresh against the HubSpot sandbox, dynalite and the local SQS', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  let listId: string;
  let seeded: string[];
  const take = () => takeQueued(stack.sqs!.client, stack.queueUrl!);

  beforeAll(async () => {
    ({ stack, deps } = await startSyncStack());
    // Enough members for more than one Lists API page (250 per page).
    seeded = stack.hubspotSandbox.seed({ contacts: 700, seed: 7, segmentRate: 0.6 });
    listId = (
      await stack.hubspot.createDynamicList('MQL or SQL', {
        property: 'lifecyclestage',
        operator: 'IS_ANY_OF',
        values: [MQL, 'salesqualifiedlead'],
      })
    ).listId;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('pages through the memberships, 250 at a time', async () => {
    const before = stack.counters.hubspot()[MEMBERSHIPS] ?? 0;
    const members = await readAllMembers(stack.hubspot, listId);
    const calls = (stack.counters.hubspot()[MEMBERSHIPS] ?? 0) - before;
    expect(members.length).toBeGreaterThan(250);
    expect(new Set(members).size).toBe(members.length);
    expect(calls).toBe(Math.ceil(members.length / 250));
    expect((await stack.hubspot.getList(listId))?.size).toBe(members.length);
  });

  it('R4: the first load after selecting the segment stores every member, records no join and queues nothing', async () => {
    const result = await selectSegment(deps, listId);
    expect(result).toMatchObject({ firstLoad: true, joined: 0, left: 0, notices: 0 });
    expect((await stack.store.listMembers(listId)).length).toBe(result.members);
    expect(await take()).toEqual([]);
    expect(await stack.store.listMembershipChanges!(listId, 10)).toEqual([]);
    const settings = await stack.store.getSettings();
    expect(settings).toMatchObject({ inclusionSegmentId: listId, segmentLoaded: true });
  });

  it('R4: a later refresh finds joins incrementally: one join-order page, one segment-joined notice per join', async () => {
    const members = new Set(await stack.store.listMembers(listId));
    const joiner = seeded.find((id) => !members.has(id))!;
    await stack.hubspotSandbox.userUpdateContact(joiner, { lifecyclestage: MQL });

    const before = stack.counters.hubspot()[JOIN_ORDER] ?? 0;
    const result = await refreshSegment(deps);
    expect((stack.counters.hubspot()[JOIN_ORDER] ?? 0) - before).toBe(1);
    expect(result).toMatchObject({ mode: 'incremental', firstLoad: false, joined: 1, left: 0, notices: 1 });
    expect(result.members).toBe(members.size + 1);
    const queued = await take();
    expect(queued).toEqual([
      expect.objectContaining({
        source: 'hubspot',
        objectType: 'contact',
        recordId: joiner,
        kind: 'segment-joined',
      }),
    ]);
    expect(await stack.store.listMembershipChanges!(listId, 10)).toContainEqual(
      expect.objectContaining({ hubspotId: joiner, change: 'joined' }),
    );

    // Nothing changed since: two calls (the list for R1, one join-order page), nothing queued.
    const calls = stack.calls();
    expect(await refreshSegment(deps)).toMatchObject({ joined: 0, left: 0, notices: 0 });
    const after = stack.calls();
    expect(after.hubspot.other - calls.hubspot.other).toBe(2);
    expect(await take()).toEqual([]);
  });

  it('R8: a full reconciliation records leaves (and joins); a leave queues nothing and keeps the member count exact', async () => {
    const members = new Set(await stack.store.listMembers(listId));
    const joiner = seeded.find((id) => !members.has(id))!;
    const leaver = seeded.find((id) => members.has(id))!;
    await stack.hubspotSandbox.userUpdateContact(joiner, { lifecyclestage: MQL });
    await stack.hubspotSandbox.userUpdateContact(leaver, { lifecyclestage: 'customer' });

    const result = await refreshSegment(deps, undefined, { full: true });
    expect(result).toMatchObject({ mode: 'full', joined: 1, left: 1, notices: 1, members: members.size });
    expect((await take()).map((n) => `${n.kind}:${n.recordId}`)).toEqual([`segment-joined:${joiner}`]);
    const stored = new Set(await stack.store.listMembers(listId));
    expect(stored.has(joiner)).toBe(true);
    expect(stored.has(leaver)).toBe(false);
    expect(await stack.store.countMembers(listId)).toBe(stored.size);
    expect(await stack.store.listMembershipChanges!(listId, 10)).toContainEqual(
      expect.objectContaining({ hubspotId: leaver, change: 'left' }),
    );
  });

  it('R4: a join is never lost: when queueing its notice fails, the membership is left as it was and the next refresh reports it again', async () => {
    const members = new Set(await stack.store.listMembers(listId));
    const joiner = seeded.find((id) => !members.has(id))!;
    await stack.hubspotSandbox.userUpdateContact(joiner, { lifecyclestage: MQL });
    const failing: ChangeQueue = {
      send: async (_: ChangeNotice[]) => {
        throw new RetryableError('SQS unavailable (test)', 'server');
      },
    };
    await expect(refreshSegment({ ...deps, queue: failing })).rejects.toThrow(RetryableError);
    expect((await stack.store.listMembers(listId)).includes(joiner)).toBe(false);

    expect(await refreshSegment(deps)).toMatchObject({ joined: 1, notices: 1 });
    expect((await take()).map((n) => n.recordId)).toEqual([joiner]);
  });

  it('a segment deleted in HubSpot is reported with what to do', async () => {
    const gone = (
      await stack.hubspot.createDynamicList('Soon deleted', {
        property: 'lifecyclestage',
        operator: 'IS_ANY_OF',
        values: ['evangelist'],
      })
    ).listId;
    await selectSegment(deps, gone);
    const res = await fetch(`${stack.hubspotSandbox.url}/crm/v3/lists/${gone}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${SANDBOX_APP_TOKEN}` },
    });
    expect(res.status).toBe(204);
    await expect(refreshSegment(deps)).rejects.toThrow(SegmentNotFoundError);
  });

  it('R2: with no segment, a refresh has nothing to load and queues nothing', async () => {
    await clearSegment(deps);
    expect(await refreshSegment(deps)).toEqual({
      segment: null,
      members: 0,
      joined: 0,
      left: 0,
      firstLoad: false,
      notices: 0,
      mode: 'incremental',
    });
    expect(await take()).toEqual([]);
  });
});

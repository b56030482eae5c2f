import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { lifecycleListRequest } from './lifecycle-list.ts';

/**
 * Lists v3 membership reads crmsync's refresh and processor rely on, as HubSpot's reference
 * describes them: `GET /crm/v3/lists/{listId}/memberships/join-order` (ascending with `after` or no
 * offset, descending when only `before` is given) and `POST /crm/v3/lists/records/memberships/batch/read`.
 */
const TOKEN = 'pat-na1-memberships-test';
let sandbox: HubSpotSandbox;
let client: Client;
let clock = Date.parse('2026-12-01T10:00:00Z');

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, limits: { burstPer10s: 100_000 }, now: () => clock });
  client = new Client({ accessToken: TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

/** A MANUAL list whose members joined one per minute, in the order given. */
async function listJoinedInOrder(ids: string[]): Promise<string> {
  const list = (
    await client.crm.lists.listsApi.create({
      name: `Ordered ${clock}`,
      objectTypeId: '0-1',
      processingType: 'MANUAL',
    })
  ).list;
  for (const id of ids) {
    clock += 60_000;
    await client.crm.lists.membershipsApi.add(list.listId, [id]);
  }
  return list.listId;
}

describe('HubSpot sandbox: membership reads for the incremental refresh', () => {
  it('join-order pages oldest first with an after cursor, newest first with only a before cursor', async () => {
    const ids = sandbox.seed({ contacts: 5, seed: 3 });
    const order = [ids[3]!, ids[0]!, ids[4]!, ids[1]!, ids[2]!];
    const listId = await listJoinedInOrder(order);
    const api = client.crm.lists.membershipsApi;

    const first = await api.getPageOrderedByAddedToListDate(listId, undefined, undefined, 2);
    expect(first.results.map((r) => r.recordId)).toEqual(order.slice(0, 2));
    expect(first.total).toBe(5);
    const rest = await api.getPageOrderedByAddedToListDate(listId, first.paging?.next?.after, undefined, 10);
    expect(rest.results.map((r) => r.recordId)).toEqual(order.slice(2));
    expect(rest.paging).toBeUndefined();

    // Only `before`: descending from before that position (the third member), newest first.
    const third = await api.getPageOrderedByAddedToListDate(listId, first.paging?.next?.after, undefined, 1);
    const down = await api.getPageOrderedByAddedToListDate(listId, undefined, third.paging?.next?.after, 10);
    expect(down.results.map((r) => r.recordId)).toEqual([order[1], order[0]]);
    // `after` wins when both are given.
    const both = await api.getPageOrderedByAddedToListDate(
      listId,
      first.paging?.next?.after,
      first.paging?.next?.after,
      10,
    );
    expect(both.results.map((r) => r.recordId)).toEqual(order.slice(2));
  });

  it('a join-order cursor stays valid when the member it points at leaves; a re-join moves to the end', async () => {
    const ids = sandbox.seed({ contacts: 4, seed: 5 });
    const listId = await listJoinedInOrder(ids);
    const api = client.crm.lists.membershipsApi;
    const page = await api.getPageOrderedByAddedToListDate(listId, undefined, undefined, 2);
    await api.remove(listId, [ids[1]!, ids[0]!]);
    clock += 60_000;
    await api.add(listId, [ids[0]!]);
    const next = await api.getPageOrderedByAddedToListDate(listId, page.paging?.next?.after, undefined, 10);
    expect(next.results.map((r) => r.recordId)).toEqual([ids[2], ids[3], ids[0]]);
  });

  it('memberships/batch/read returns the lists of up to 100 records in one call', async () => {
    const ids = sandbox.seed({ contacts: 3, seed: 6 });
    const listId = await listJoinedInOrder([ids[0]!, ids[2]!]);
    const res = await client.apiRequest({
      method: 'POST',
      path: '/crm/v3/lists/records/memberships/batch/read',
      body: { inputs: ids.map((recordId) => ({ objectTypeId: '0-1', recordId })) },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      results: {
        recordId: string;
        recordListMemberships: { listId: string; lastAddedTimestamp: string }[];
      }[];
    };
    expect(body.status).toBe('COMPLETE');
    const byId = new Map(body.results.map((r) => [r.recordId, r.recordListMemberships.map((m) => m.listId)]));
    expect(byId).toEqual(
      new Map([
        [ids[0], [listId]],
        [ids[1], []],
        [ids[2], [listId]],
      ]),
    );
    expect(Date.parse(body.results[0]!.recordListMemberships[0]!.lastAddedTimestamp)).toBeGreaterThan(0);

    const tooMany = await client.apiRequest({
      method: 'POST',
      path: '/crm/v3/lists/records/memberships/batch/read',
      body: {
        inputs: Array.from({ length: 101 }, (_, i) => ({ objectTypeId: '0-1', recordId: String(i + 1) })),
      },
    });
    expect(tooMany.status).toBe(400);
  });

  it('a DYNAMIC list: the batch read sees a join as soon as the list has processed the edit', async () => {
    const list = (await client.crm.lists.listsApi.create(lifecycleListRequest('Dyn'))).list;
    const [id] = sandbox.seed({ contacts: 1, seed: 8, segmentRate: 0 });
    await sandbox.userUpdateContact(id!, { lifecyclestage: 'salesqualifiedlead' });
    sandbox.processLists();
    const res = await client.apiRequest({
      method: 'POST',
      path: '/crm/v3/lists/records/memberships/batch/read',
      body: { inputs: [{ objectTypeId: '0-1', recordId: id }] },
    });
    const body = (await res.json()) as { results: { recordListMemberships: { listId: string }[] }[] };
    expect(body.results[0]?.recordListMemberships.map((m) => m.listId)).toEqual([list.listId]);
  });
});

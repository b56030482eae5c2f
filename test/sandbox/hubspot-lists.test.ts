import { Client } from '@hubspot/api-client';
import type { ListCreateRequest } from '@hubspot/api-client/lib/codegen/crm/lists/models/ListCreateRequest.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { lifecycleListRequest } from './lifecycle-list.ts';

const TOKEN = 'pat-na1-lists-test';
let sandbox: HubSpotSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, limits: { burstPer10s: 100_000 } });
  client = new Client({ accessToken: TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

async function members(listId: string): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  do {
    const page = await client.crm.lists.membershipsApi.getPage(listId, after, undefined, 250);
    out.push(...page.results.map((r) => r.recordId));
    after = page.paging?.next?.after;
  } while (after);
  return out;
}

describe('HubSpot sandbox: lists v3 through @hubspot/api-client', () => {
  it('creates a DYNAMIC list, returns it by id with its filters, and finds it by search', async () => {
    const created = await client.crm.lists.listsApi.create(lifecycleListRequest('Demo segment'));
    expect(created.list.processingType).toBe('DYNAMIC');
    expect(created.list.objectTypeId).toBe('0-1');
    const byId = await client.crm.lists.listsApi.getById(created.list.listId, true);
    expect(byId.list.name).toBe('Demo segment');
    expect(byId.list.filterBranch).toBeDefined();
    const noFilters = await client.crm.lists.listsApi.getById(created.list.listId);
    expect(noFilters.list.filterBranch).toBeUndefined();
    await client.crm.lists.listsApi.create({
      name: 'Hand picked',
      objectTypeId: '0-1',
      processingType: 'MANUAL',
    });
    const found = await client.crm.lists.listsApi.doSearch({
      query: 'demo',
      processingTypes: ['DYNAMIC'],
      offset: 0,
      count: 20,
    });
    expect(found.total).toBe(1);
    expect(found.lists[0]?.listId).toBe(created.list.listId);
    expect(found.lists[0]?.additionalProperties['hs_list_size']).toBe('0');
    const missing = await client.crm.lists.listsApi.getById('999').catch((e: { code: number }) => e.code);
    expect(missing).toBe(404);
  });

  it('refuses a DYNAMIC list whose root branch is not OR', async () => {
    const bad = lifecycleListRequest('Bad root');
    (bad.filterBranch as { filterBranchType: string }).filterBranchType = 'AND';
    const code = await client.crm.lists.listsApi.create(bad).catch((e: { code: number }) => e.code);
    expect(code).toBe(400);
  });

  it('DYNAMIC lists re-evaluate on every contact change: join on create and update, leave on update and archive', async () => {
    const list = (await client.crm.lists.listsApi.create(lifecycleListRequest('Seg'))).list;
    const a = await client.crm.contacts.basicApi.create({
      properties: { email: 'a@seg.example.com', lifecyclestage: 'marketingqualifiedlead' },
      associations: [],
    });
    const b = await client.crm.contacts.basicApi.create({
      properties: { email: 'b@seg.example.com', lifecyclestage: 'lead' },
      associations: [],
    });
    expect(await members(list.listId)).toEqual([a.id]);
    await client.crm.contacts.basicApi.update(b.id, { properties: { lifecyclestage: 'salesqualifiedlead' } });
    expect(await members(list.listId)).toEqual([a.id, b.id]);
    await sandbox.userUpdateContact(a.id, { lifecyclestage: 'customer' });
    expect(await members(list.listId)).toEqual([b.id]);
    const mine = await client.crm.lists.membershipsApi.getLists('0-1', b.id);
    expect(mine.results.map((r) => r.listId)).toEqual([list.listId]);
    expect(mine.results[0]?.firstAddedTimestamp).toBeInstanceOf(Date);
    await client.crm.contacts.basicApi.archive(b.id);
    expect(await members(list.listId)).toEqual([]);
    expect((await client.crm.lists.listsApi.getById(list.listId)).list.size).toBe(0);
  });

  it('a DYNAMIC list created after the contacts evaluates the existing ones', async () => {
    const ids = sandbox.seed({ contacts: 300, seed: 9, segmentRate: 0.5 });
    const list = (await client.crm.lists.listsApi.create(lifecycleListRequest('Late'))).list;
    const expected = [];
    for (const id of ids) {
      const c = await client.crm.contacts.basicApi.getById(id, ['lifecyclestage']);
      if (['marketingqualifiedlead', 'salesqualifiedlead'].includes(c.properties['lifecyclestage'] ?? ''))
        expected.push(id);
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(await members(list.listId)).toEqual(expected);
  });

  it('memberships page 250 at a time with an opaque after cursor; limit above 250 is a 400', async () => {
    const ids = sandbox.seed({ contacts: 600, seed: 4 });
    const list = (
      await client.crm.lists.listsApi.create({
        name: 'Manual',
        objectTypeId: '0-1',
        processingType: 'MANUAL',
      })
    ).list;
    for (let i = 0; i < ids.length; i += 100) {
      const r = await client.crm.lists.membershipsApi.add(list.listId, ids.slice(i, i + 100));
      expect(r.recordsIdsAdded).toHaveLength(100);
    }
    const first = await client.crm.lists.membershipsApi.getPage(list.listId, undefined, undefined, 250);
    expect(first.results).toHaveLength(250);
    expect(first.total).toBe(600);
    expect(first.paging?.next?.after).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(await members(list.listId)).toEqual(ids);
    const code = await client.crm.lists.membershipsApi
      .getPage(list.listId, undefined, undefined, 251)
      .catch((e: { code: number }) => e.code);
    expect(code).toBe(400);
  });

  it('MANUAL lists take add/remove with missing ids reported; DYNAMIC lists refuse manual edits', async () => {
    const [a, b] = sandbox.seed({ contacts: 2, seed: 1 });
    const manual = (
      await client.crm.lists.listsApi.create({ name: 'M', objectTypeId: '0-1', processingType: 'MANUAL' })
    ).list;
    const added = await client.crm.lists.membershipsApi.add(manual.listId, [a!, b!, '424242']);
    expect(added.recordsIdsAdded).toEqual([a, b]);
    expect(added.recordIdsMissing).toEqual(['424242']);
    const removed = await client.crm.lists.membershipsApi.remove(manual.listId, [a!]);
    expect(removed.recordIdsRemoved).toEqual([a]);
    const both = await client.crm.lists.membershipsApi.addAndRemove(manual.listId, {
      recordIdsToAdd: [a!],
      recordIdsToRemove: [b!],
    });
    expect(both.recordsIdsAdded).toEqual([a]);
    expect(both.recordIdsRemoved).toEqual([b]);
    expect(await members(manual.listId)).toEqual([a]);
    const dynamic = (await client.crm.lists.listsApi.create(lifecycleListRequest('D'))).list;
    const code = await client.crm.lists.membershipsApi
      .add(dynamic.listId, [a!])
      .catch((e: { code: number }) => e.code);
    expect(code).toBe(400);
  });

  it('SNAPSHOT lists evaluate filters once; filters can be replaced; lists are found by ids and name, deleted and restored', async () => {
    const a = await sandbox.userCreateContact({
      email: 'a@snap.example.com',
      lifecyclestage: 'salesqualifiedlead',
    });
    const snap = (
      await client.crm.lists.listsApi.create({ ...lifecycleListRequest('Snap'), processingType: 'SNAPSHOT' })
    ).list;
    expect(await members(snap.listId)).toEqual([a]);
    const b = await sandbox.userCreateContact({
      email: 'b@snap.example.com',
      lifecyclestage: 'salesqualifiedlead',
    });
    await sandbox.userUpdateContact(a, { lifecyclestage: 'customer' });
    expect(await members(snap.listId)).toEqual([a]);

    const dyn = (await client.crm.lists.listsApi.create(lifecycleListRequest('Dyn'))).list;
    expect(await members(dyn.listId)).toEqual([b]);
    const customers = lifecycleListRequest('x', ['customer']).filterBranch;
    const updated = await client.crm.lists.listsApi.updateListFilters(dyn.listId, {
      filterBranch: customers as ListCreateRequest['filterBranch'] & object,
    });
    expect(updated.updatedList?.listVersion).toBe(2);
    expect(await members(dyn.listId)).toEqual([a]);

    const both = await client.crm.lists.listsApi.getAll([snap.listId, dyn.listId, '999']);
    expect(both.lists.map((l) => l.name)).toEqual(['Snap', 'Dyn']);
    expect((await client.crm.lists.listsApi.getByName('dyn', '0-1')).list.listId).toBe(dyn.listId);
    const page = await client.crm.lists.listsApi.doSearch({ offset: 0, count: 1 });
    expect(page).toMatchObject({ total: 2, hasMore: true, offset: 1 });

    await client.crm.lists.listsApi.remove(dyn.listId);
    expect(await client.crm.lists.listsApi.getById(dyn.listId).catch((e: { code: number }) => e.code)).toBe(
      404,
    );
    await client.crm.lists.listsApi.restore(dyn.listId);
    expect((await client.crm.lists.listsApi.getById(dyn.listId)).list.size).toBe(1);
  });
});

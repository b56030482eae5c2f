import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../support/hubspot-failure.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';

const APP_TOKEN = 'pat-na1-crmsync-app';
let sandbox: HubSpotSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({
    port: 0,
    appTokens: [APP_TOKEN],
    limits: { burstPer10s: 100_000, searchPerSecond: 100_000 },
  });
  // No client-side retries: every status the sandbox answers must surface here.
  client = new Client({ accessToken: APP_TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

const emails = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `person${i + from}@upsert.example.com`);

describe('HubSpot sandbox: contacts through @hubspot/api-client', () => {
  it('batch upsert of 100 by email creates them and flags them new; a second upsert updates them', async () => {
    const inputs = emails(100).map((id, i) => ({
      id,
      idProperty: 'email',
      properties: { firstname: `P${i}` },
    }));
    const first = await client.crm.contacts.batchApi.upsert({ inputs });
    expect(first.status).toBe('COMPLETE');
    expect(first.results).toHaveLength(100);
    expect(first.results.every((r) => r._new === true)).toBe(true);
    const second = await client.crm.contacts.batchApi.upsert({
      inputs: inputs.map((i) => ({ ...i, properties: { jobtitle: 'CTO' } })),
    });
    expect(second.results.every((r) => r._new === false)).toBe(true);
    expect(new Set(second.results.map((r) => r.id))).toEqual(new Set(first.results.map((r) => r.id)));
    expect(second.results[0]?.properties['jobtitle']).toBe('CTO');
  });

  it('batch upsert of 101 inputs is rejected with 400 VALIDATION_ERROR and writes nothing', async () => {
    const inputs = emails(101).map((id) => ({ id, idProperty: 'email', properties: { firstname: 'X' } }));
    const err = await failure(client.crm.contacts.batchApi.upsert({ inputs }));
    expect(err.code).toBe(400);
    expect(err.body.status).toBe('error');
    expect(err.body.category).toBe('VALIDATION_ERROR');
    expect(err.body.message).toMatch(/100/);
    const page = await client.crm.contacts.basicApi.getPage(10);
    expect(page.results).toHaveLength(0);
  });

  it('a batch update or upsert naming one id twice is rejected with 400 VALIDATION_ERROR', async () => {
    for (const [path, input] of [
      ['update', { id: '1', properties: { jobtitle: 'x' } }],
      ['upsert', { id: 'twice@example.com', idProperty: 'email', properties: { jobtitle: 'x' } }],
    ] as const) {
      const res = await fetch(`${sandbox.url}/crm/v3/objects/contacts/batch/${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer any-user-token', 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [input, input] }),
      });
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({
        category: 'VALIDATION_ERROR',
        message: expect.stringMatching(/Duplicate IDs/),
      });
    }
  });

  it('batch create, read and update answer 207 multi-status for partial failures', async () => {
    const created = await client.crm.contacts.batchApi.create({
      inputs: [
        { properties: { email: 'ok@multi.example.com' }, associations: [], objectWriteTraceId: 't1' },
        {
          properties: { email: 'bad@multi.example.com', missing: '1' },
          associations: [],
          objectWriteTraceId: 't2',
        },
      ],
    });
    expect(created.results).toHaveLength(1);
    expect('errors' in created && created.errors?.[0]?.category).toBe('VALIDATION_ERROR');
    expect('errors' in created && created.errors?.[0]?.message).toContain('PROPERTY_DOESNT_EXIST');
    expect('errors' in created && created.errors?.[0]?.context?.['objectWriteTraceId']).toEqual(['t2']);

    const id = created.results[0]!.id;
    const read = await client.crm.contacts.batchApi.read({
      inputs: [{ id }, { id: '999999' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(read.results.map((r) => r.id)).toEqual([id]);
    expect('numErrors' in read && read.numErrors).toBe(1);
    expect('errors' in read && read.errors?.[0]?.category).toBe('OBJECT_NOT_FOUND');
    expect('errors' in read && read.errors?.[0]?.context?.['ids']).toEqual(['999999']);

    const updated = await client.crm.contacts.batchApi.update({
      inputs: [
        { id, properties: { lifecyclestage: 'lead' } },
        { id: '888888', properties: { lifecyclestage: 'lead' } },
      ],
    });
    expect(updated.results).toHaveLength(1);
    expect('errors' in updated && updated.errors?.[0]?.context?.['ids']).toEqual(['888888']);
  });

  it('batch read by email returns properties and timestamped history with the source', async () => {
    const id = await client.crm.contacts.basicApi
      .create({
        properties: { email: 'Lorelai@DragonFly.example.com', firstname: 'Lorelai' },
        associations: [],
      })
      .then((c) => c.id);
    await sandbox.userUpdateContact(id, { firstname: 'Lore' });
    const read = await client.crm.contacts.batchApi.read({
      idProperty: 'email',
      inputs: [{ id: 'lorelai@dragonfly.example.com' }],
      properties: ['email', 'firstname', 'hs_lastmodifieddate'],
      propertiesWithHistory: ['firstname'],
    });
    const c = read.results[0]!;
    expect(c.id).toBe(id);
    expect(c.properties['email']).toBe('lorelai@dragonfly.example.com');
    expect(c.properties['hs_object_id']).toBe(id);
    expect(c.properties['createdate']).toBeTruthy();
    expect(c.properties['hs_lastmodifieddate']).toBeTruthy();
    const history = c.propertiesWithHistory?.['firstname'] ?? [];
    expect(history.map((h) => h.value)).toEqual(['Lore', 'Lorelai']);
    expect(history.map((h) => h.sourceType)).toEqual(['CRM_UI', 'INTEGRATION']);
    expect(history[0]!.timestamp).toBeInstanceOf(Date);
    expect(history[0]!.timestamp.getTime()).toBeGreaterThanOrEqual(history[1]!.timestamp.getTime());
  });

  it('a second contact with the same email is a 409 CONFLICT naming the existing id', async () => {
    const first = await client.crm.contacts.basicApi.create({
      properties: { email: 'dup@x.example.com' },
      associations: [],
    });
    const err = await failure(
      client.crm.contacts.basicApi.create({ properties: { email: 'DUP@x.example.com' }, associations: [] }),
    );
    expect(err.code).toBe(409);
    expect(err.body.category).toBe('CONFLICT');
    expect(err.body.message).toBe(`Contact already exists. Existing ID: ${first.id}`);
    const batch = await failure(
      client.crm.contacts.batchApi.create({
        inputs: [{ properties: { email: 'dup@x.example.com' }, associations: [] }],
      }),
    );
    expect(batch.code).toBe(409);
  });

  it('enumeration values are validated on write: 400 naming the property and the bad option', async () => {
    const c = await client.crm.contacts.basicApi.create({
      properties: { email: 'enum@x.example.com' },
      associations: [],
    });
    const err = await failure(
      client.crm.contacts.basicApi.update(c.id, { properties: { hs_lead_status: 'WARM' } }),
    );
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
    expect(err.body.message).toContain('WARM');
    expect(err.body.message).toContain('"name":"hs_lead_status"');
    expect(err.body.message).toContain('INVALID_OPTION');
    for (const ok of [
      'NEW',
      'OPEN',
      'IN_PROGRESS',
      'OPEN_DEAL',
      'UNQUALIFIED',
      'ATTEMPTED_TO_CONTACT',
      'CONNECTED',
      'BAD_TIMING',
    ]) {
      const r = await client.crm.contacts.basicApi.update(c.id, { properties: { hs_lead_status: ok } });
      expect(r.properties['hs_lead_status']).toBe(ok);
    }
    const bad = await failure(
      client.crm.contacts.basicApi.update(c.id, { properties: { lifecyclestage: 'MQL' } }),
    );
    expect(bad.body.message).toContain('MQL was not one of the allowed options');
  });

  it('the properties API lists contact properties with enumeration options', async () => {
    const all = await client.crm.properties.coreApi.getAll('contacts');
    expect(all.results.map((p) => p.name)).toEqual(
      expect.arrayContaining(['email', 'lifecyclestage', 'hs_lead_status']),
    );
    const status = await client.crm.properties.coreApi.getByName('contacts', 'hs_lead_status');
    expect(status.type).toBe('enumeration');
    expect(status.options.map((o) => o.value)).toEqual([
      'NEW',
      'OPEN',
      'IN_PROGRESS',
      'OPEN_DEAL',
      'UNQUALIFIED',
      'ATTEMPTED_TO_CONTACT',
      'CONNECTED',
      'BAD_TIMING',
    ]);
    const stage = await client.crm.properties.coreApi.getByName('contacts', 'lifecyclestage');
    expect(stage.options.map((o) => o.value)).toContain('marketingqualifiedlead');
    const missing = await failure(client.crm.properties.coreApi.getByName('contacts', 'nope'));
    expect(missing.code).toBe(404);
  });

  it('archive hides the contact (404), frees its email, and getPage with archived=true shows it', async () => {
    const c = await client.crm.contacts.basicApi.create({
      properties: { email: 'gone@x.example.com' },
      associations: [],
    });
    await client.crm.contacts.basicApi.archive(c.id);
    const err = await failure(client.crm.contacts.basicApi.getById(c.id));
    expect(err.code).toBe(404);
    expect(err.body.category).toBe('OBJECT_NOT_FOUND');
    const archived = await client.crm.contacts.basicApi.getPage(
      10,
      undefined,
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(archived.results.map((r) => [r.id, r.archived])).toEqual([[c.id, true]]);
    const again = await client.crm.contacts.basicApi.create({
      properties: { email: 'gone@x.example.com' },
      associations: [],
    });
    expect(again.id).not.toBe(c.id);
    await client.crm.contacts.batchApi.archive({ inputs: [{ id: again.id }] });
    expect((await failure(client.crm.contacts.basicApi.getById(again.id))).code).toBe(404);
  });

  it('merge keeps the primary id, fills its blanks from the merged record, and resolves the merged id', async () => {
    const a = await client.crm.contacts.basicApi.create({
      properties: { email: 'a@merge.example.com', firstname: 'Ann' },
      associations: [],
    });
    const b = await client.crm.contacts.basicApi.create({
      properties: { email: 'b@merge.example.com', firstname: 'Bea', jobtitle: 'CFO' },
      associations: [],
    });
    const merged = await client.crm.contacts.basicApi.merge({ primaryObjectId: a.id, objectIdToMerge: b.id });
    expect(merged.id).toBe(a.id);
    const read = await client.crm.contacts.basicApi.getById(b.id, [
      'firstname',
      'jobtitle',
      'hs_merged_object_ids',
    ]);
    expect(read.id).toBe(a.id);
    expect(read.properties).toMatchObject({ firstname: 'Ann', jobtitle: 'CFO', hs_merged_object_ids: b.id });
    const err = await failure(
      client.crm.contacts.basicApi.merge({ primaryObjectId: a.id, objectIdToMerge: '424242' }),
    );
    expect(err.code).toBe(400);
  });

  it('getPage pages with after through every contact in id order', async () => {
    sandbox.seed({ contacts: 25, seed: 3 });
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.contacts.basicApi.getPage(10, after);
      seen.push(...page.results.map((r) => r.id));
      after = page.paging?.next?.after;
    } while (after);
    expect(seen).toHaveLength(25);
    expect([...seen].sort((x, y) => Number(x) - Number(y))).toEqual(seen);
  });
});

describe('HubSpot sandbox: search through @hubspot/api-client', () => {
  it('pages 200 at a time with after until the total is reached', async () => {
    const ids = sandbox.seed({ contacts: 450, seed: 11 });
    const seen = new Set<string>();
    let after: string | undefined = '0';
    let pages = 0;
    while (after !== undefined) {
      const r = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.HasProperty }] }],
        sorts: ['hs_object_id'],
        properties: ['email'],
        limit: 200,
        after,
      });
      expect(r.total).toBe(450);
      expect(r.results.length).toBeLessThanOrEqual(200);
      for (const c of r.results) seen.add(c.id);
      after = r.paging?.next?.after;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(new Set(ids));
    const tooBig = await failure(
      client.crm.contacts.searchApi.doSearch({
        filterGroups: [],
        sorts: [],
        properties: [],
        limit: 201,
        after: '0',
      }),
    );
    expect(tooBig.code).toBe(400);
  });

  it('supports EQ, NEQ, IN, range, HAS/NOT_HAS_PROPERTY, CONTAINS_TOKEN, OR groups and sorts', async () => {
    const mk = (email: string, props: Record<string, string>) =>
      client.crm.contacts.basicApi
        .create({ properties: { email, ...props }, associations: [] })
        .then((c) => c.id);
    const a = await mk('ann@acme.example.com', { firstname: 'Ann', lifecyclestage: 'lead', phone: '1' });
    const b = await mk('bob@globex.example.com', { firstname: 'Bob', lifecyclestage: 'customer' });
    const c = await mk('cy@acme.example.com', { firstname: 'Cy', lifecyclestage: 'marketingqualifiedlead' });
    const search = async (
      filterGroups: {
        filters: { propertyName: string; operator: FilterOperatorEnum; value?: string; values?: string[] }[];
      }[],
      sorts: string[] = [],
    ) =>
      (
        await client.crm.contacts.searchApi.doSearch({
          filterGroups,
          sorts,
          properties: ['firstname'],
          limit: 100,
          after: '0',
        })
      ).results.map((r) => r.id);
    const F = FilterOperatorEnum;
    expect(
      await search([{ filters: [{ propertyName: 'firstname', operator: F.Eq, value: 'ann' }] }]),
    ).toEqual([a]);
    expect(
      await search([{ filters: [{ propertyName: 'lifecyclestage', operator: F.Neq, value: 'lead' }] }]),
    ).toEqual([b, c]);
    expect(
      await search([
        { filters: [{ propertyName: 'lifecyclestage', operator: F.In, values: ['lead', 'customer'] }] },
      ]),
    ).toEqual([a, b]);
    expect(await search([{ filters: [{ propertyName: 'hs_object_id', operator: F.Gt, value: a }] }])).toEqual(
      [b, c],
    );
    expect(
      await search([{ filters: [{ propertyName: 'hs_object_id', operator: F.Gte, value: b }] }]),
    ).toEqual([b, c]);
    expect(await search([{ filters: [{ propertyName: 'hs_object_id', operator: F.Lt, value: b }] }])).toEqual(
      [a],
    );
    expect(
      await search([{ filters: [{ propertyName: 'hs_object_id', operator: F.Lte, value: b }] }]),
    ).toEqual([a, b]);
    expect(await search([{ filters: [{ propertyName: 'phone', operator: F.HasProperty }] }])).toEqual([a]);
    expect(await search([{ filters: [{ propertyName: 'phone', operator: F.NotHasProperty }] }])).toEqual([
      b,
      c,
    ]);
    expect(
      await search([
        { filters: [{ propertyName: 'email', operator: F.ContainsToken, value: '*@acme.example.com' }] },
      ]),
    ).toEqual([a, c]);
    expect(
      await search([
        { filters: [{ propertyName: 'firstname', operator: F.Eq, value: 'Bob' }] },
        { filters: [{ propertyName: 'firstname', operator: F.Eq, value: 'Cy' }] },
      ]),
    ).toEqual([b, c]);
    expect(await search([], ['-firstname'])).toEqual([c, b, a]);
    const since = new Date(Date.now() - 60_000).toISOString();
    expect(
      await search([{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: F.Gte, value: since }] }]),
    ).toHaveLength(3);
  });
});

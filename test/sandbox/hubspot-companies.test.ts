import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/companies/models/Filter.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { failure } from '../support/hubspot-failure.ts';

const APP_TOKEN = 'pat-na1-crmsync-app';
let sandbox: HubSpotSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({
    port: 0,
    appTokens: [APP_TOKEN],
    limits: { burstPer10s: 100_000, searchPerSecond: 100_000 },
  });
  client = new Client({ accessToken: APP_TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

const company = (name: string, more: Record<string, string> = {}) => ({
  properties: { name, domain: `${name.toLowerCase().replace(/\W+/g, '')}.example.com`, ...more },
  associations: [],
});

describe('HubSpot sandbox: companies v3', () => {
  it('creates, reads, updates and archives a company; reads default to name and domain', async () => {
    const created = await client.crm.companies.basicApi.create(company('Acme', { city: 'Lyon' }));
    expect(created.id).toMatch(/^\d+$/);
    expect(created.properties['name']).toBe('Acme');
    expect(created.properties['hs_lastmodifieddate']).toBeTruthy();

    const read = await client.crm.companies.basicApi.getById(created.id);
    expect(Object.keys(read.properties).sort()).toEqual([
      'createdate',
      'domain',
      'hs_lastmodifieddate',
      'hs_object_id',
      'name',
    ]);

    await client.crm.companies.basicApi.update(created.id, { properties: { name: 'Acme SA' } });
    const after = await client.crm.companies.basicApi.getById(created.id, ['name', 'city'], ['name']);
    expect(after.properties).toMatchObject({ name: 'Acme SA', city: 'Lyon' });
    expect(after.propertiesWithHistory?.['name']?.map((h) => h.value)).toEqual(['Acme SA', 'Acme']);

    await client.crm.companies.basicApi.archive(created.id);
    const gone = await failure(client.crm.companies.basicApi.getById(created.id));
    expect(gone.code).toBe(404);
  });

  it('refuses unknown properties and contact-only ones with HubSpot’s property error', async () => {
    const err = await failure(
      client.crm.companies.basicApi.create({ properties: { name: 'X', email: 'a@b.c' }, associations: [] }),
    );
    expect(err.code).toBe(400);
    expect(err.body.message).toContain('PROPERTY_DOESNT_EXIST');
  });

  it('batch read/create/update take at most 100 inputs; missing ids answer 207 naming COMPANY objects', async () => {
    const inputs = Array.from({ length: 100 }, (_, i) => company(`Co ${i}`));
    const created = await client.crm.companies.batchApi.create({ inputs });
    expect(created.results).toHaveLength(100);

    const tooMany = await failure(
      client.crm.companies.batchApi.create({ inputs: [...inputs, company('One more')] }),
    );
    expect(tooMany.code).toBe(400);
    expect(tooMany.body.message).toContain('The maximum batch size is 100');

    const ids = created.results.map((r) => r.id);
    const updated = await client.crm.companies.batchApi.update({
      inputs: ids.map((id) => ({ id, properties: { industry: 'Software' } })),
    });
    expect(updated.results).toHaveLength(100);

    const read = await client.crm.companies.batchApi.read({
      inputs: [{ id: ids[0]! }, { id: '999999' }],
      properties: ['name', 'industry'],
      propertiesWithHistory: [],
    });
    expect(read.results[0]?.properties['industry']).toBe('Software');
    expect((read as { errors?: { message: string }[] }).errors?.[0]?.message).toContain('COMPANY objects');
  });

  it('search has the contacts limits: 200 per page, 5 groups, 18 filters, 10,000 results', async () => {
    await client.crm.companies.batchApi.create({
      inputs: [company('Alpha', { city: 'Paris' }), company('Beta', { city: 'Paris' }), company('Gamma')],
    });
    const found = await client.crm.companies.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'city', operator: FilterOperatorEnum.Eq, value: 'Paris' }] },
      ],
      properties: ['name'],
      limit: 1,
    });
    expect(found.total).toBe(2);
    expect(found.paging?.next?.after).toBe('1');
    const byQuery = await client.crm.companies.searchApi.doSearch({ query: 'gamma', limit: 10 });
    expect(byQuery.results.map((r) => r.properties['name'])).toEqual(['Gamma']);

    const tooBig = await failure(client.crm.companies.searchApi.doSearch({ limit: 201 }));
    expect(tooBig.code).toBe(400);
    const group = { filters: [{ propertyName: 'city', operator: FilterOperatorEnum.HasProperty }] };
    const tooManyGroups = await failure(
      client.crm.companies.searchApi.doSearch({ filterGroups: Array(6).fill(group), limit: 10 }),
    );
    expect(tooManyGroups.body.message).toContain('Too many filter groups');
    const past = await failure(client.crm.companies.searchApi.doSearch({ limit: 10, after: '10000' }));
    expect(past.code).toBe(400);
  });

  it('merge keeps the primary id, fills its blanks, and a read of the merged id answers the survivor', async () => {
    const a = await client.crm.companies.basicApi.create(company('Keep'));
    const b = await client.crm.companies.basicApi.create(company('Gone', { phone: '+33 1 23' }));
    const merged = await client.crm.companies.basicApi.merge({
      primaryObjectId: a.id,
      objectIdToMerge: b.id,
    });
    expect(merged.id).toBe(a.id);
    const viaOld = await client.crm.companies.basicApi.getById(b.id, [
      'name',
      'phone',
      'hs_merged_object_ids',
    ]);
    expect(viaOld.id).toBe(a.id);
    expect(viaOld.properties).toMatchObject({ name: 'Keep', phone: '+33 1 23', hs_merged_object_ids: b.id });
  });

  it('the properties API lists company properties (hubspot_owner_id, salesforceaccountid)', async () => {
    const all = await client.crm.properties.coreApi.getAll('companies');
    const names = all.results.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['name', 'domain', 'hubspot_owner_id', 'salesforceaccountid']),
    );
    expect(names).not.toContain('email');
  });
});

describe('HubSpot sandbox: owners v3 (read-only)', () => {
  it('lists active owners with numeric string ids, filters by email, shows archived owners only with archived=true', async () => {
    const ana = sandbox.addOwner({ email: 'Ana@Example.com', firstName: 'Ana', lastName: 'Lee' });
    sandbox.addOwner({ email: 'bo@example.com', firstName: 'Bo' });
    const gone = sandbox.addOwner({ email: 'left@example.com', archived: true });

    const page = await client.crm.owners.ownersApi.getPage();
    expect(page.results.map((o) => o.email)).toEqual(['ana@example.com', 'bo@example.com']);
    expect(page.results[0]?.id).toMatch(/^\d+$/);
    expect(page.results[0]).toMatchObject({
      firstName: 'Ana',
      lastName: 'Lee',
      archived: false,
      type: 'PERSON',
    });

    const byEmail = await client.crm.owners.ownersApi.getPage('ana@example.com');
    expect(byEmail.results.map((o) => o.id)).toEqual([ana.id]);

    const archived = await client.crm.owners.ownersApi.getPage(undefined, undefined, 100, true);
    expect(archived.results.map((o) => o.id)).toEqual([gone.id]);

    const one = await client.crm.owners.ownersApi.getById(Number(ana.id));
    expect(one.email).toBe('ana@example.com');
    const notActive = await failure(client.crm.owners.ownersApi.getById(Number(gone.id)));
    expect(notActive.code).toBe(404);
  });

  it('pages with after and limit', async () => {
    for (let i = 0; i < 5; i++) sandbox.addOwner({ email: `o${i}@example.com` });
    const first = await client.crm.owners.ownersApi.getPage(undefined, undefined, 2);
    expect(first.results).toHaveLength(2);
    const next = await client.crm.owners.ownersApi.getPage(undefined, first.paging?.next?.after, 10);
    expect(next.results.map((o) => o.email)).toEqual(['o2@example.com', 'o3@example.com', 'o4@example.com']);
    expect(next.paging).toBeUndefined();
  });

  it('hubspot_owner_id takes an active owner id; an unknown or archived owner fails with INVALID_OWNER_ID', async () => {
    const owner = sandbox.addOwner({ email: 'ok@example.com' });
    const archived = sandbox.addOwner({ email: 'old@example.com', archived: true });
    const c = await client.crm.companies.basicApi.create(company('Owned', { hubspot_owner_id: owner.id }));
    expect(c.properties['hubspot_owner_id']).toBe(owner.id);
    for (const bad of ['123', archived.id]) {
      const err = await failure(
        client.crm.contacts.basicApi.create({
          properties: { email: `x${bad}@example.com`, hubspot_owner_id: bad },
          associations: [],
        }),
      );
      expect(err.code).toBe(400);
      expect(err.body.message).toContain('INVALID_OWNER_ID');
    }
  });
});

describe('HubSpot sandbox: control API for companies, associations and owners', () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}/__sandbox${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: res.status,
      body: res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>),
    };
  };

  it('a UI user creates and renames a company and makes it a contact’s primary; an admin adds and deactivates an owner', async () => {
    const created = await control('POST', '/user/companies', { properties: { name: 'Via Control' } });
    expect(created.status).toBe(201);
    const companyId = String(created.body?.['id']);
    expect(
      (await control('PATCH', `/user/companies/${companyId}`, { properties: { name: 'Renamed' } })).status,
    ).toBe(204);
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'ctl@example.com' },
      associations: [],
    });
    await control('PUT', '/user/associations', { contactId: contact.id, companyId, primary: true });
    const read = await client.crm.contacts.basicApi.getById(contact.id, ['associatedcompanyid']);
    expect(read.properties['associatedcompanyid']).toBe(companyId);
    const company = await client.crm.companies.basicApi.getById(companyId, ['name'], ['name']);
    expect(company.propertiesWithHistory?.['name']?.[0]).toMatchObject({
      value: 'Renamed',
      sourceType: 'CRM_UI',
    });

    const owner = await control('POST', '/owners', { email: 'new.rep@example.com', firstName: 'New' });
    const ownerId = String(owner.body?.['id']);
    expect(
      (await client.crm.owners.ownersApi.getPage('new.rep@example.com')).results.map((o) => o.id),
    ).toEqual([ownerId]);
    await control('POST', `/owners/${ownerId}/archive`);
    expect((await client.crm.owners.ownersApi.getPage('new.rep@example.com')).results).toEqual([]);
    expect((await control('GET', '/state')).body).toMatchObject({ companies: 1, owners: 0 });
  });
});

import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Signature } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum as Category } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/AssociationSpec.js';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ASSOCIATION_TYPES,
  type HubSpotSandbox,
  type WebhookEvent,
  startHubSpotSandbox,
} from '../../sandbox/hubspot/index.ts';

const APP_TOKEN = 'pat-na1-crmsync-app';
const SECRET = 'assoc-secret-91';
let sandbox: HubSpotSandbox;
let client: Client;
let receiver: Server;
let hookUrl: string;
let received: { body: string; signature: string; timestamp: string; events: WebhookEvent[] }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        body,
        signature: String(req.headers['x-hubspot-signature-v3']),
        timestamp: String(req.headers['x-hubspot-request-timestamp']),
        events: JSON.parse(body) as WebhookEvent[],
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/hubspot`;
  sandbox = await startHubSpotSandbox({
    port: 0,
    appTokens: [APP_TOKEN],
    clientSecret: SECRET,
    webhookUrl: hookUrl,
    webhookBatchWindowMs: 3_600_000,
    limits: { burstPer10s: 100_000 },
  });
  client = new Client({ accessToken: APP_TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});
beforeEach(() => {
  sandbox.reset();
  received = [];
});

const primary = [
  {
    associationCategory: Category.HubspotDefined,
    associationTypeId: ASSOCIATION_TYPES.contactToCompanyPrimary,
  },
];
const unlabeled = [
  { associationCategory: Category.HubspotDefined, associationTypeId: ASSOCIATION_TYPES.contactToCompany },
];
const events = () => received.flatMap((r) => r.events);

async function setup(): Promise<{ contact: string; acme: string; globex: string }> {
  const contact = await sandbox.userCreateContact({ email: 'ann@example.com' });
  const acme = await sandbox.userCreateCompany({ name: 'Acme' });
  const globex = await sandbox.userCreateCompany({ name: 'Globex' });
  await sandbox.flushWebhooks();
  received = [];
  return { contact, acme, globex };
}

async function companiesOf(contactId: string) {
  const r = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
    inputs: [{ id: contactId }],
  });
  return (r.results[0]?.to ?? []).map((t) => ({
    id: String(t.toObjectId),
    types: t.associationTypes.map((a) => a.typeId).sort((x, y) => x - y),
  }));
}

describe('HubSpot sandbox: associations v4 (contact ⇄ company)', () => {
  it('the labels endpoint names primary 1 and unlabeled 279 (HUBSPOT_DEFINED); companies→contacts 2 and 280', async () => {
    const c2co = await client.crm.associations.v4.schema.definitionsApi.getAll('contacts', 'companies');
    expect(c2co.results).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
      { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
    ]);
    const co2c = await client.crm.associations.v4.schema.definitionsApi.getAll('0-2', '0-1');
    expect(co2c.results.map((r) => r.typeId)).toEqual([280, 2]);
  });

  it('batch create primary, then another primary demotes the first (kept unlabeled); associatedcompanyid follows', async () => {
    const { contact, acme, globex } = await setup();
    const made = await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [{ _from: { id: contact }, to: { id: acme }, types: primary }],
    });
    expect(made.results[0]).toMatchObject({
      fromObjectTypeId: '0-1',
      toObjectTypeId: '0-2',
      labels: ['Primary'],
    });
    expect(await companiesOf(contact)).toEqual([{ id: acme, types: [1, 279] }]);

    await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [{ _from: { id: contact }, to: { id: globex }, types: primary }],
    });
    expect(await companiesOf(contact)).toEqual([
      { id: globex, types: [1, 279] },
      { id: acme, types: [279] },
    ]);
    const read = await client.crm.contacts.basicApi.getById(contact, ['associatedcompanyid']);
    expect(read.properties['associatedcompanyid']).toBe(globex);

    const fromCompany = await client.crm.associations.v4.batchApi.getPage('companies', 'contacts', {
      inputs: [{ id: acme }],
    });
    expect(fromCompany.results[0]?.to.map((t) => t.associationTypes.map((a) => a.typeId))).toEqual([[280]]);
  });

  it('archiving the Primary label demotes; archiving the pair removes it; a company without contacts answers 207', async () => {
    const { contact, acme } = await setup();
    await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [{ _from: { id: contact }, to: { id: acme }, types: primary }],
    });
    await client.crm.associations.v4.batchApi.archiveLabels('contacts', 'companies', {
      inputs: [{ _from: { id: contact }, to: { id: acme }, types: primary }],
    });
    expect(await companiesOf(contact)).toEqual([{ id: acme, types: [279] }]);
    await client.crm.associations.v4.batchApi.archive('companies', 'contacts', {
      inputs: [{ _from: { id: acme }, to: [{ id: contact }] }],
    });
    const none = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: [{ id: contact }],
    });
    expect(none.results).toEqual([]);
    expect((none as { errors?: { category: string }[] }).errors?.[0]?.category).toBe('OBJECT_NOT_FOUND');
  });

  it('refuses unknown type ids, missing records (207 per input) and batches over the limits', async () => {
    const { contact, acme } = await setup();
    const wrongType = client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [
        {
          _from: { id: contact },
          to: { id: acme },
          types: [{ associationCategory: Category.HubspotDefined, associationTypeId: 280 }],
        },
      ],
    });
    await expect(wrongType).rejects.toMatchObject({ code: 400 });
    const missing = await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [
        { _from: { id: contact }, to: { id: acme }, types: unlabeled },
        { _from: { id: contact }, to: { id: '424242' }, types: unlabeled },
      ],
    });
    expect(missing.results).toHaveLength(1);
    expect((missing as { numErrors?: number }).numErrors).toBe(1);
    const tooMany = client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: Array.from({ length: 1001 }, (_, i) => ({ id: String(i) })),
    });
    await expect(tooMany).rejects.toMatchObject({ code: 400 });
  });

  it('associatedcompanyid changes like any property: searchable at once and sent as contact.propertyChange', async () => {
    const { contact, acme } = await setup();
    const byCompany = () =>
      client.crm.contacts.searchApi.doSearch({
        filterGroups: [
          {
            filters: [{ propertyName: 'associatedcompanyid', operator: FilterOperatorEnum.Eq, value: acme }],
          },
        ],
        limit: 10,
      });
    expect((await byCompany()).total).toBe(0);
    await sandbox.userAssociate(contact, acme, true);
    expect((await byCompany()).results.map((r) => r.id)).toEqual([contact]);
    await sandbox.flushWebhooks();
    const change = events().find(
      (e) => e.subscriptionType === 'contact.propertyChange' && e.propertyName === 'associatedcompanyid',
    );
    expect(change).toMatchObject({ objectId: Number(contact), propertyValue: acme, changeSource: 'CRM_UI' });
  });

  it('a company merge moves its contacts to the survivor, primary label included', async () => {
    const { contact, acme, globex } = await setup();
    await sandbox.userAssociate(contact, globex, true);
    await client.crm.companies.basicApi.merge({ primaryObjectId: acme, objectIdToMerge: globex });
    expect(await companiesOf(contact)).toEqual([{ id: acme, types: [1, 279] }]);
  });
});

describe('HubSpot sandbox: company and association webhooks', () => {
  it('company.creation, .propertyChange, .deletion and .merge are delivered signed v3 like contact events', async () => {
    const a = await client.crm.companies.basicApi.create({
      properties: { name: 'Hooked' },
      associations: [],
    });
    await sandbox.userUpdateCompany(a.id, { name: 'Hooked Ltd' });
    const b = await sandbox.userCreateCompany({ name: 'Other' });
    await sandbox.userMergeCompanies(a.id, b);
    const c = await sandbox.userCreateCompany({ name: 'Doomed' });
    await client.crm.companies.basicApi.archive(c);
    await sandbox.flushWebhooks();

    for (const r of received) {
      expect(
        Signature.isValid({
          signatureVersion: 'v3',
          signature: r.signature,
          clientSecret: SECRET,
          requestBody: r.body,
          url: hookUrl,
          method: 'POST',
          timestamp: Number(r.timestamp),
        }),
      ).toBe(true);
    }
    const types = new Set(events().map((e) => e.subscriptionType));
    expect([...types]).toEqual(
      expect.arrayContaining([
        'company.creation',
        'company.propertyChange',
        'company.merge',
        'company.deletion',
      ]),
    );
    const creation = events().find(
      (e) => e.subscriptionType === 'company.creation' && e.objectId === Number(a.id),
    );
    expect(creation).toMatchObject({ changeSource: 'INTEGRATION', changeFlag: 'NEW' });
    const rename = events().find(
      (e) => e.subscriptionType === 'company.propertyChange' && e.propertyValue === 'Hooked Ltd',
    );
    expect(rename).toMatchObject({ propertyName: 'name', changeSource: 'CRM_UI', objectId: Number(a.id) });
    const merge = events().find((e) => e.subscriptionType === 'company.merge');
    expect(merge).toMatchObject({ primaryObjectId: Number(a.id), mergedObjectIds: [Number(b)] });
    expect(events().find((e) => e.subscriptionType === 'company.deletion')?.objectId).toBe(Number(c));
    expect(events().some((e) => e.subscriptionType.startsWith('contact.'))).toBe(false);
  });

  it('contact.associationChange reports association, primary moves (old primary demoted) and removal', async () => {
    const { contact, acme, globex } = await setup();
    await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [{ _from: { id: contact }, to: { id: acme }, types: primary }],
    });
    await sandbox.userAssociate(contact, globex, true);
    await sandbox.userRemoveAssociation(contact, acme);
    await sandbox.flushWebhooks();
    const changes = events()
      .filter((e) => e.subscriptionType === 'contact.associationChange')
      .map((e) => [
        e.associationType,
        e.fromObjectId,
        e.toObjectId,
        e.associationRemoved,
        e.isPrimaryAssociation,
        e.changeSource,
      ]);
    expect(changes).toEqual([
      ['CONTACT_TO_COMPANY', Number(contact), Number(acme), false, true, 'INTEGRATION'],
      ['CONTACT_TO_COMPANY', Number(contact), Number(acme), false, false, 'CRM_UI'],
      ['CONTACT_TO_COMPANY', Number(contact), Number(globex), false, true, 'CRM_UI'],
      ['CONTACT_TO_COMPANY', Number(contact), Number(acme), true, false, 'CRM_UI'],
    ]);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum as Category } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/AssociationSpec.js';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';

/** Companies, associations, owners, accounts, users and queues persist as contacts do (write-through). */
let dir: string;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crmsync-sandbox-companies-'));
});
afterAll(async () => {
  for (const s of open) await s.close();
  await rm(dir, { recursive: true, force: true });
});

const hubspotOn = async (file: string): Promise<HubSpotSandbox> => {
  const s = await startHubSpotSandbox({ port: 0, dataFile: file });
  open.push(s);
  return s;
};
const salesforceOn = async (file: string): Promise<SalesforceSandbox> => {
  const s = await startSalesforceSandbox({ port: 0, dataFile: file, autoDeliver: false });
  open.push(s);
  return s;
};

describe('sandbox data files: companies, associations, owners, accounts, users', () => {
  it('HubSpot: a company, its primary contact and an owner are there after a restart; ids continue', async () => {
    const file = join(dir, 'hubspot.json');
    const first = await hubspotOn(file);
    const owner = first.addOwner({ email: 'rep@example.com' });
    const client = new Client({ accessToken: 't', basePath: first.url, numberOfApiCallRetries: 0 });
    const company = await client.crm.companies.basicApi.create({
      properties: { name: 'Kept', hubspot_owner_id: owner.id },
      associations: [],
    });
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'k@example.com' },
      associations: [],
    });
    await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [
        {
          _from: { id: contact.id },
          to: { id: company.id },
          types: [{ associationCategory: Category.HubspotDefined, associationTypeId: 1 }],
        },
      ],
    });

    const second = await hubspotOn(file);
    const again = new Client({ accessToken: 't', basePath: second.url, numberOfApiCallRetries: 0 });
    const read = await again.crm.companies.basicApi.getById(company.id, ['name', 'hubspot_owner_id']);
    expect(read.properties).toMatchObject({ name: 'Kept', hubspot_owner_id: owner.id });
    const assoc = await again.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: [{ id: contact.id }],
    });
    expect(
      assoc.results[0]?.to.map((t) => [String(t.toObjectId), t.associationTypes.map((a) => a.typeId).sort()]),
    ).toEqual([[company.id, [1, 279]]]);
    expect((await again.crm.owners.ownersApi.getPage('rep@example.com')).results.map((o) => o.id)).toEqual([
      owner.id,
    ]);
    const next = await again.crm.companies.basicApi.create({
      properties: { name: 'Next' },
      associations: [],
    });
    expect(Number(next.id)).toBeGreaterThan(Number(company.id));
    expect(Number(second.addOwner({ email: 'b@example.com' }).id)).toBeGreaterThan(Number(owner.id));
  });

  it('Salesforce: an account, its contact, a user (inactive) and a queue are there after a restart', async () => {
    const file = join(dir, 'salesforce.json');
    const first = await salesforceOn(file);
    const user = first.addUser({ Email: 'owner@example.com', LastName: 'Owner' });
    const queue = first.addQueue({ Name: 'Queue' });
    const conn = new jsforce.Connection({ instanceUrl: first.url, accessToken: 't', version: '64.0' });
    const account = await conn.sobject('Account').create({ Name: 'Kept', OwnerId: user });
    if (!account.success) throw new Error('create failed');
    await conn.sobject('Contact').create({ LastName: 'Kid', AccountId: account.id });
    first.setUserActive(user, false);

    const second = await salesforceOn(file);
    const again = new jsforce.Connection({ instanceUrl: second.url, accessToken: 't', version: '64.0' });
    const contacts = await again.query<{ AccountId: string }>(
      `SELECT AccountId FROM Contact WHERE AccountId = '${account.id}'`,
    );
    expect(contacts.totalSize).toBe(1);
    const users = await again.query<{ IsActive: boolean }>(
      "SELECT IsActive FROM User WHERE Email = 'owner@example.com'",
    );
    expect(users.records.map((u) => u.IsActive)).toEqual([false]);
    const lead = await again.sobject('Lead').create({ LastName: 'Q', Company: 'C', OwnerId: queue });
    expect(lead.success).toBe(true);
  });
});

import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import { type DemoCompanies, seedDemoCompanies } from '../../lib/local/demo-companies.ts';
import { type LocalSandboxes, startSandboxes } from '../../lib/local/sandboxes.ts';
import { exampleConfigInput } from '../support/test-config.ts';

let sandboxes: LocalSandboxes;
let hubspot: Client;
let salesforce: jsforce.Connection;
let demo: DemoCompanies;
let twins: { hubspotId: string; salesforceId: string }[];
let queuedLead: string;

beforeAll(async () => {
  sandboxes = await startSandboxes(parseConfig(exampleConfigInput(), 'example config'), {
    hubspot: 0,
    salesforce: 0,
  });
  const hubspotIds = sandboxes.hubspot.seed({ contacts: 8, seed: 3 });
  const { contactIds, leadIds } = sandboxes.salesforce.seed({ leads: 1, contacts: 7, seed: 3 });
  twins = contactIds.map((salesforceId, i) => ({ hubspotId: hubspotIds[i + 1] ?? '', salesforceId }));
  queuedLead = leadIds[0] ?? '';
  demo = await seedDemoCompanies({
    hubspot: sandboxes.hubspot,
    salesforce: sandboxes.salesforce,
    twinContacts: twins,
    queuedLeadId: queuedLead,
  });
  hubspot = new Client({
    accessToken: SANDBOX_APP_TOKEN,
    basePath: sandboxes.hubspot.url,
    numberOfApiCallRetries: 0,
  });
  salesforce = new jsforce.Connection({
    instanceUrl: sandboxes.salesforce.url,
    accessToken: 't',
    version: '64.0',
  });
});
afterAll(async () => {
  await sandboxes.close();
});

describe('demo data: companies, accounts, owners (seedDemoCompanies)', () => {
  it('owners match users by email except Tom (HubSpot only) and Sam (Salesforce only); Ines is an inactive user', async () => {
    const owners = await hubspot.crm.owners.ownersApi.getPage(undefined, undefined, 100);
    const ownerEmails = owners.results.map((o) => o.email);
    const users = await salesforce.query<{ Email: string; IsActive: boolean }>(
      "SELECT Email, IsActive FROM User WHERE Email LIKE '%@demo.crmsync.dev'",
    );
    const active = users.records.filter((u) => u.IsActive).map((u) => u.Email);
    const inactive = users.records.filter((u) => !u.IsActive).map((u) => u.Email);
    expect(ownerEmails.sort()).toEqual([
      'ines.garcia@demo.crmsync.dev',
      'leo.martin@demo.crmsync.dev',
      'maya.patel@demo.crmsync.dev',
      'tom.reed@demo.crmsync.dev',
    ]);
    expect(active.sort()).toEqual([
      'leo.martin@demo.crmsync.dev',
      'maya.patel@demo.crmsync.dev',
      'sam.okafor@demo.crmsync.dev',
    ]);
    expect(inactive).toEqual(['ines.garcia@demo.crmsync.dev']);
  });

  it('three accounts hold two Contacts each whose HubSpot twins have that company as primary (C3 through contacts)', async () => {
    for (const [i, name] of ['Northwind Traders', 'Globex Corporation', 'Initech'].entries()) {
      const accountId = demo.accounts[name] ?? '';
      const contacts = await salesforce.query<{ Id: string }>(
        `SELECT Id FROM Contact WHERE AccountId = '${accountId}' ORDER BY Id`,
      );
      const pair = twins.slice(2 * i, 2 * i + 2);
      expect(contacts.records.map((c) => c.Id)).toEqual(pair.map((t) => t.salesforceId));
      const assoc = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
        inputs: pair.map((t) => ({ id: t.hubspotId })),
      });
      for (const r of assoc.results) {
        expect(
          r.to.map((t) => [String(t.toObjectId), t.associationTypes.map((a) => a.typeId).sort()]),
        ).toEqual([[demo.companies[name], [1, 279]]]);
      }
    }
  });

  it('Initech keeps its inactive owner; Umbrella Health has no contacts; Hooli’s only contact syncs to a Contact with no account; a queue owns a lead', async () => {
    const initech = (await salesforce.sobject('Account').retrieve(demo.accounts['Initech'] ?? '')) as {
      OwnerId: string;
    };
    expect(initech.OwnerId).toBe(demo.users['ines.garcia@demo.crmsync.dev']);
    const umbrella = await salesforce.query(
      `SELECT Id FROM Contact WHERE AccountId = '${demo.accounts['Umbrella Health']}'`,
    );
    expect(umbrella.totalSize).toBe(0);
    const lone = twins[6];
    const hooli = await hubspot.crm.associations.v4.batchApi.getPage('companies', 'contacts', {
      inputs: [{ id: demo.companies['Hooli'] ?? '' }],
    });
    expect(hooli.results[0]?.to.map((t) => String(t.toObjectId))).toEqual([lone?.hubspotId]);
    const loneContact = (await salesforce.sobject('Contact').retrieve(lone?.salesforceId ?? '')) as {
      AccountId: string | null;
    };
    expect(loneContact.AccountId).toBeNull();
    const lead = (await salesforce.sobject('Lead').retrieve(queuedLead)) as { OwnerId: string };
    expect(lead.OwnerId).toBe(demo.queueId);
    expect(demo.queueId).toMatch(/^00G/);
  });
});

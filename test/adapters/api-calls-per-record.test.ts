import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotClient } from '../../lib/hubspot/hubspot-client.ts';
import { HubSpotCrm } from '../../lib/hubspot/hubspot-crm.ts';
import { RateLimiter } from '../../lib/rate-limit/index.ts';
import { createSalesforceConnection } from '../../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../../lib/salesforce/salesforce-crm.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { fakeTime } from './fake-time.ts';

const N = 1000;
let hs: HubSpotSandbox;
let sf: SalesforceSandbox;

beforeAll(async () => {
  hs = await startHubSpotSandbox({ port: 0, appTokens: ['t'] });
  sf = await startSalesforceSandbox({ port: 0, autoDeliver: false });
});
afterAll(async () => {
  await hs.close();
  await sf.close();
});

function limiter(crm: 'hubspot' | 'salesforce') {
  const time = fakeTime();
  return new RateLimiter({
    crm,
    maxRequestsPer10s: 10_000,
    dailyLimit: 1_000_000,
    dailyShare: 1,
    clock: time.clock,
    sleep: time.sleep,
  });
}

describe('API calls per record at the adapter level (1,000 records each way)', () => {
  it('HubSpot: 10 calls to read, create or update 1,000 contacts; Salesforce: 1 to read them by id (Leads and Contacts mixed), 3 per 500 writes', async () => {
    const hl = limiter('hubspot');
    const hubspot = new HubSpotCrm({
      client: createHubSpotClient({ accessToken: 't', baseUrl: hs.url }),
      limiter: hl,
    });
    const created = await hubspot.createContacts(
      Array.from({ length: N }, (_, i) => ({ ref: `${i}`, properties: { email: `p${i}@example.com` } })),
    );
    const ids = created.map((o) => (o.ok ? o.id : ''));
    await hubspot.readContacts(ids, ['email', 'firstname']);
    await hubspot.updateContacts(
      ids.map((id, i) => ({ ref: `${i}`, id, properties: { firstname: `F${i}` } })),
    );

    const sl = limiter('salesforce');
    const salesforce = new SalesforceCrm({
      connection: createSalesforceConnection({
        instanceUrl: sf.url,
        accessToken: 's',
        clientName: 'crmsync',
      }),
      limiter: sl,
      clientName: 'crmsync',
    });
    const leads = await salesforce.createRecords(
      'Lead',
      Array.from({ length: N / 2 }, (_, i) => ({
        ref: `${i}`,
        fields: { LastName: `L${i}`, Company: 'C', Email: `l${i}@example.com` },
      })),
    );
    const contacts = await salesforce.createRecords(
      'Contact',
      Array.from({ length: N / 2 }, (_, i) => ({
        ref: `${i}`,
        fields: { LastName: `C${i}`, Email: `c${i}@example.com` },
      })),
    );
    const leadIds = leads.map((o) => (o.ok ? o.id : ''));
    const contactIds = contacts.map((o) => (o.ok ? o.id : ''));
    const before = sl.counters().total;
    const read = await salesforce.readRecordsByObject({
      Lead: { ids: leadIds, fields: ['LastName'] },
      Contact: { ids: contactIds, fields: ['LastName'] },
    });
    const readCalls = sl.counters().total - before;
    await salesforce.updateRecords(
      'Lead',
      leadIds.map((id, i) => ({ ref: `${i}`, id, fields: { Title: `T${i}` } })),
    );
    await salesforce.updateRecords(
      'Contact',
      contactIds.map((id, i) => ({ ref: `${i}`, id, fields: { Title: `T${i}` } })),
    );

    const figures = {
      records: N,
      hubspot: hl.counters().calls,
      salesforce: { ...sl.counters().calls, readCallsFor1000Mixed: readCalls },
    };
    console.log(JSON.stringify(figures));
    expect(read).toHaveLength(N);
    expect(hl.counters().calls).toEqual({
      'contacts.batch.create': 10,
      'contacts.batch.read': 10,
      'contacts.batch.update': 10,
    });
    expect(readCalls).toBe(1);
    expect(sl.counters().calls['collections.create']).toBe(6); // 500 + 500, 200 per call
    expect(sl.counters().calls['collections.update']).toBe(6);
  });
});

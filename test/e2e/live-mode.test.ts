import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/config.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';

/**
 * `crmsync dev --live` detects changes by polling, because webhooks cannot reach a laptop. Here the
 * sandboxes stand in for the real CRMs, with no delivery URL configured: only polling can see a change.
 */
describe('live mode (polling) against CRMs that cannot call us', () => {
  let hubspot: HubSpotSandbox;
  let salesforce: SalesforceSandbox;
  let stack: LocalStack;
  let hubspotIds: string[];
  let leadIds: string[];

  beforeAll(async () => {
    const example = await loadConfigFile('crmsync.config.example.json');
    hubspot = await startHubSpotSandbox({
      port: 0,
      appTokens: [SANDBOX_APP_TOKEN],
      portalId: Number(example.hubspot.portalId),
      appId: Number(example.hubspot.appId),
    });
    salesforce = await startSalesforceSandbox({ port: 0, orgId: example.salesforce.orgId });
    // Same seed: HubSpot contact i and Salesforce lead i are the same person.
    hubspotIds = hubspot.seed({ contacts: 6, seed: 7 });
    leadIds = salesforce.seed({ leads: 6, contacts: 0, seed: 7 }).leadIds;
    stack = await startLocalStack({
      port: 0,
      dataDir: null,
      config: { ...example, hubspot: { ...example.hubspot, inclusionSegmentId: null, baseUrl: hubspot.url } },
      live: {
        hubspotAccessToken: SANDBOX_APP_TOKEN,
        salesforceInstanceUrl: salesforce.url,
        salesforceAccessToken: 'live-test',
      },
      schedules: false,
      backgroundPolling: false,
      log: silentLog,
    });
  });
  afterAll(async () => {
    await stack?.close();
    await Promise.all([hubspot?.close(), salesforce?.close()]);
  });

  it('starts without sandboxes of its own and reports live mode', async () => {
    expect(stack.mode).toBe('live');
    expect(stack.hubspotSandbox).toBeUndefined();
    const status = await stack.status();
    expect(status.mode).toBe('live');
    expect(status.urls.salesforce).toBe(salesforce.url);
  });

  it('a HubSpot edit is found by the poll and reaches Salesforce (no segment: everything syncs, R2)', async () => {
    await hubspot.userUpdateContact(hubspotIds[0]!, { jobtitle: 'Polled Title' });
    await stack.poll();
    await stack.flush();
    const status = await stack.status();
    expect(status.schedules.find((j) => j.name === 'poll')?.lastError).toBeNull();
    expect(salesforce.getRecord(leadIds[0]!)?.Title).toBe('Polled Title');
  });
});

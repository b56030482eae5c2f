import { type CrmSyncConfig, mappingsFor } from '../config.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { SANDBOX_APP_TOKEN } from './adapters.ts';

/** The two CRM sandboxes of the local stack, and the config pointed at them. */
export interface LocalSandboxes {
  hubspot: HubSpotSandbox;
  salesforce: SalesforceSandbox;
  /** `config` with `hubspot.baseUrl` and `salesforce.instanceUrl` set to the sandboxes. */
  config: CrmSyncConfig;
  close(): Promise<void>;
}

/**
 * Starts the HubSpot and Salesforce sandboxes for the portal, app and org named in `config`, on
 * loopback. Only `lib/local` starts sandboxes (docs/design.md#layering): the CLI and the local stack
 * come here rather than importing `sandbox/` themselves.
 */
export async function startSandboxes(
  config: CrmSyncConfig,
  ports: { hubspot: number; salesforce: number },
  /** Where each sandbox keeps its data (see sandbox-data.ts); in memory when absent. */
  dataFiles?: { hubspot: string; salesforce: string },
): Promise<LocalSandboxes> {
  const hubspot = await startHubSpotSandbox({
    dataFile: dataFiles?.hubspot,
    port: ports.hubspot,
    appTokens: [SANDBOX_APP_TOKEN],
    portalId: Number(config.hubspot.portalId),
    appId: Number(config.hubspot.appId),
  });
  try {
    const salesforce = await startSalesforceSandbox({
      dataFile: dataFiles?.salesforce,
      port: ports.salesforce,
      orgId: config.salesforce.orgId,
      // The demo org tracks the mapped fields' history, as the README advises (docs/design.md#salesforce-field-history).
      trackedFields: { Lead: trackedFieldsOf(config, 'Lead'), Contact: trackedFieldsOf(config, 'Contact') },
    });
    return {
      hubspot,
      salesforce,
      config: {
        ...config,
        hubspot: { ...config.hubspot, baseUrl: hubspot.url },
        salesforce: { ...config.salesforce, instanceUrl: salesforce.url },
      },
      close: async () => {
        await Promise.all([hubspot.close(), salesforce.close()]);
      },
    };
  } catch (error) {
    // Salesforce failed to start (e.g. its port is taken): do not leave HubSpot listening.
    await hubspot.close();
    throw error;
  }
}

/** The Salesforce fields the config maps for an object, except `dont-sync` (Field History Tracking on them). */
function trackedFieldsOf(config: CrmSyncConfig, object: 'Lead' | 'Contact'): string[] {
  return mappingsFor(config, object)
    .filter((m) => m.rule !== 'dont-sync')
    .map((m) => m.salesforce);
}

import type { CrmSyncConfig } from '../../lib/config.ts';
import { createHubSpotClient } from '../../lib/hubspot/hubspot-client.ts';
import { HubSpotCrm } from '../../lib/hubspot/hubspot-crm.ts';
import { SANDBOX_APP_TOKEN, SANDBOX_SALESFORCE_TOKEN } from '../../lib/local/adapters.ts';
import { createRateLimiters } from '../../lib/rate-limit/index.ts';
import { createSalesforceConnection } from '../../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../../lib/salesforce/salesforce-crm.ts';

/**
 * The real adapters (real `@hubspot/api-client` and `jsforce` behind the real rate limiters), built as
 * `buildPorts` builds them, except that the limiters run on a clock that a sleep moves forward at
 * once: a 429 storm's `Retry-After` (10 s for HubSpot's rolling policy) and the 500 ms…8 s transient
 * backoffs then cost no wall-clock time, so a history with several storms stays well under a second.
 * The retry logic itself (attempt counts, pause-the-whole-limiter, RetryableError when attempts run
 * out) is the production code, unchanged.
 */
export function fastPorts(config: CrmSyncConfig): {
  hubspot: HubSpotCrm;
  salesforce: SalesforceCrm;
  /** Lets `ms` pass for the limiters (between invocations, time passes: a 15-minute pause ends). */
  passTime(ms: number): void;
} {
  let skew = 0;
  const limiters = createRateLimiters(config.budgets, {
    clock: () => Date.now() + skew,
    sleep: async (ms) => {
      skew += Math.max(0, ms);
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  const instanceUrl = config.salesforce.instanceUrl;
  if (!instanceUrl) throw new Error('salesforce.instanceUrl is not set');
  return {
    hubspot: new HubSpotCrm({
      client: createHubSpotClient({ accessToken: SANDBOX_APP_TOKEN, baseUrl: config.hubspot.baseUrl }),
      limiter: limiters.hubspot,
    }),
    salesforce: new SalesforceCrm({
      connection: createSalesforceConnection({
        instanceUrl,
        accessToken: SANDBOX_SALESFORCE_TOKEN,
        version: config.salesforce.apiVersion,
        clientName: config.salesforce.clientName,
      }),
      limiter: limiters.salesforce,
      clientName: config.salesforce.clientName,
    }),
    passTime: (ms) => {
      skew += ms;
    },
  };
}

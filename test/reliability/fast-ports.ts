import type { Connection } from 'jsforce';
import type { CrmSyncConfig } from '../../lib/config.ts';
import { createHubSpotClient } from '../../lib/hubspot/hubspot-client.ts';
import { HubSpotCrm } from '../../lib/hubspot/hubspot-crm.ts';
import { SANDBOX_APP_TOKEN, SANDBOX_SALESFORCE_TOKEN } from '../../lib/local/adapters.ts';
import { createRateLimiters } from '../../lib/rate-limit/index.ts';
import { createSalesforceConnection } from '../../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../../lib/salesforce/salesforce-crm.ts';

/** The refresh token jsforce renews an expired Salesforce session with (the sandbox issues a new access token). */
export const RELIABILITY_REFRESH_TOKEN = 'reliability-refresh-token';

/**
 * The real adapters (real `@hubspot/api-client` and `jsforce` behind the real rate limiters), built as
 * `buildPorts` builds them, except that the limiters run on a clock that a sleep moves forward at
 * once: a 429 storm's `Retry-After` (10 s for HubSpot's rolling policy) and the 500 ms…8 s transient
 * backoffs then cost no wall-clock time, so a history with several storms stays well under a second.
 * The retry logic itself (attempt counts, pause-the-whole-limiter, RetryableError when attempts run
 * out) is the production code, unchanged. The Salesforce connection has a refresh token, as a
 * production deployment with a connected app does, so an expired session is renewed by jsforce.
 */
export function fastPorts(
  config: CrmSyncConfig,
  opts: { hubspotToken?: string } = {},
): {
  hubspot: HubSpotCrm;
  salesforce: SalesforceCrm;
  /** The jsforce connection (its current access token is what an expiry revokes). */
  connection: Connection;
  /** The HubSpot adapter with another token (a renewed secret), on the same limiter. */
  withHubSpotToken(token: string): HubSpotCrm;
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
  const withHubSpotToken = (token: string) =>
    new HubSpotCrm({
      client: createHubSpotClient({ accessToken: token, baseUrl: config.hubspot.baseUrl }),
      limiter: limiters.hubspot,
    });
  const connection = createSalesforceConnection({
    instanceUrl,
    accessToken: SANDBOX_SALESFORCE_TOKEN,
    version: config.salesforce.apiVersion,
    clientName: config.salesforce.clientName,
    refresh: {
      refreshToken: RELIABILITY_REFRESH_TOKEN,
      clientId: 'crmsync-reliability',
      loginUrl: instanceUrl,
    },
  });
  return {
    hubspot: withHubSpotToken(opts.hubspotToken ?? SANDBOX_APP_TOKEN),
    salesforce: new SalesforceCrm({
      connection,
      limiter: limiters.salesforce,
      clientName: config.salesforce.clientName,
    }),
    connection,
    withHubSpotToken,
    passTime: (ms) => {
      skew += ms;
    },
  };
}

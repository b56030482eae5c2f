import type { CrmSyncConfig } from '../config.ts';
import { createHubSpotConnection } from '../hubspot/hubspot-client.ts';
import type { HubSpotOAuthSettings } from '../hubspot/hubspot-oauth.ts';
import { HubSpotCrm } from '../hubspot/hubspot-crm.ts';
import type { Log } from '../observability/observability.ts';
import type { HubSpotPort, SalesforcePort, SyncStore } from '../ports.ts';
import { createRateLimiters, type RateLimiter } from '../rate-limit/index.ts';
import {
  createSalesforceConnection,
  type SalesforceRefreshSettings,
} from '../salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../salesforce/salesforce-crm.ts';

/**
 * The token crmsync uses against the sandboxes. The HubSpot sandbox attributes changes made with it
 * to the crmsync app (`changeSource: INTEGRATION`, `sourceId: <appId>`), so their webhooks are echoes.
 */
export const SANDBOX_APP_TOKEN = 'crmsync-local-app-token';
export const SANDBOX_SALESFORCE_TOKEN = 'crmsync-local-session';

/**
 * Credentials for live mode (`crmsync dev --live`), read from the environment by the CLI:
 * HUBSPOT_ACCESS_TOKEN (private app) or HUBSPOT_REFRESH_TOKEN + HUBSPOT_CLIENT_ID +
 * HUBSPOT_CLIENT_SECRET (OAuth app, token renewed itself), HUBSPOT_CLIENT_SECRET (also signs
 * webhooks, which only reach a laptop behind a tunnel), SALESFORCE_INSTANCE_URL, and SALESFORCE_ACCESS_TOKEN
 * and/or SALESFORCE_REFRESH_TOKEN + SALESFORCE_CLIENT_ID (optional SALESFORCE_CLIENT_SECRET,
 * SALESFORCE_LOGIN_URL), with which jsforce renews the session when it expires.
 */
export interface LiveCredentials {
  /** A private-app token; optional with `hubspotOAuth` (the first call then fetches one). */
  hubspotAccessToken?: string;
  /** A HubSpot OAuth app: the access token is renewed with its refresh token. */
  hubspotOAuth?: HubSpotOAuthSettings;
  hubspotClientSecret?: string;
  salesforceInstanceUrl: string;
  /** Optional when `salesforceRefresh` is given (the first call then fetches a token). */
  salesforceAccessToken?: string;
  salesforceRefresh?: SalesforceRefreshSettings;
}

/**
 * Builds the CRM ports exactly as the Lambda functions do (the real `@hubspot/api-client` and jsforce
 * behind the shared rate limiters, API usage counted in the store), pointed at the sandboxes or, in
 * live mode, at the real CRMs.
 */
export async function buildPorts(opts: {
  config: CrmSyncConfig;
  /** Counts API usage per CRM and day (shared across processes); without it, usage is counted per process. */
  store?: SyncStore;
  live?: LiveCredentials;
  log: Log;
}): Promise<{
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  limiters: { hubspot: RateLimiter; salesforce: RateLimiter };
}> {
  const { config, live, log } = opts;
  const limiters = createRateLimiters(config.budgets, {
    usage: opts.store,
    onFlushError: (error) =>
      log.warn('api usage flush failed', { error: error instanceof Error ? error.message : String(error) }),
  });
  const hubspot = new HubSpotCrm({
    ...createHubSpotConnection({
      accessToken: live ? live.hubspotAccessToken : SANDBOX_APP_TOKEN,
      ...(live?.hubspotOAuth ? { oauth: live.hubspotOAuth } : {}),
      // Live mode talks to api.hubapi.com unless the config names another base URL.
      baseUrl: config.hubspot.baseUrl,
      onRefresh: () => log.info('hubspot access token refreshed'),
    }),
    limiter: limiters.hubspot,
  });
  const instanceUrl = live?.salesforceInstanceUrl ?? config.salesforce.instanceUrl;
  if (!instanceUrl) throw new Error('salesforce.instanceUrl is not set');
  const salesforce = new SalesforceCrm({
    connection: createSalesforceConnection({
      instanceUrl,
      accessToken: live ? live.salesforceAccessToken : SANDBOX_SALESFORCE_TOKEN,
      version: config.salesforce.apiVersion,
      clientName: config.salesforce.clientName,
      ...(live?.salesforceRefresh ? { refresh: live.salesforceRefresh } : {}),
      onRefresh: ({ instanceUrl: url }) => log.info('salesforce session refreshed', { instanceUrl: url }),
    }),
    limiter: limiters.salesforce,
    clientName: config.salesforce.clientName,
  });
  return { hubspot, salesforce, limiters };
}

import {
  buildCrmAdapters,
  type CrmAccess,
  type CrmAdapterSet,
  type CrmAdapters,
} from '../composition/sync.ts';
import type { CrmSyncConfig } from '../config.ts';
import type { Log } from '../observability/observability.ts';
import type { SyncStore } from '../ports.ts';
import type { HubSpotOAuthSettings } from '../hubspot/hubspot-oauth.ts';
import type { SalesforceRefreshSettings } from '../salesforce/salesforce-connection.ts';

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
 * How the local stack reaches the CRMs: the sandboxes (at the config's URLs) with the sandbox tokens,
 * or, in live mode, the real CRMs with the credentials the CLI read from the environment.
 */
export function localCrmAccess(config: CrmSyncConfig, live?: LiveCredentials): CrmAccess {
  const instanceUrl = live?.salesforceInstanceUrl ?? config.salesforce.instanceUrl;
  if (!instanceUrl) throw new Error('salesforce.instanceUrl is not set');
  return {
    // Live mode talks to api.hubapi.com unless the config names another base URL.
    hubspot: {
      accessToken: live ? live.hubspotAccessToken : SANDBOX_APP_TOKEN,
      ...(live?.hubspotOAuth ? { oauth: live.hubspotOAuth } : {}),
    },
    salesforce: {
      instanceUrl,
      accessToken: live ? live.salesforceAccessToken : SANDBOX_SALESFORCE_TOKEN,
      ...(live?.salesforceRefresh ? { refresh: live.salesforceRefresh } : {}),
    },
  };
}

/**
 * The CRM ports in the `live` lane, built by the composition root as the Lambda functions build them,
 * for tools and tests that need adapters without the whole stack (`crmsync sandbox`'s demo seeding).
 */
export function buildPorts(opts: {
  config: CrmSyncConfig;
  /** Counts API usage per CRM and day (shared across processes); without it, usage is counted per process. */
  store?: SyncStore;
  live?: LiveCredentials;
  log: Log;
}): Promise<CrmAdapters & { limiters: CrmAdapterSet['limiters'] }> {
  const adapters = buildCrmAdapters({ ...opts, access: localCrmAccess(opts.config, opts.live) });
  return Promise.resolve({ ...adapters.lanes.live, limiters: adapters.limiters });
}

import { Connection } from 'jsforce';
import { ConfigError } from '../errors.ts';

/** Salesforce's production login host; sandboxes use https://test.salesforce.com or their My Domain URL. */
export const DEFAULT_SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';

/**
 * What jsforce needs to get a new access token itself (OAuth 2.0 refresh-token flow of a connected
 * app): https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 */
export interface SalesforceRefreshSettings {
  refreshToken: string;
  /** The connected app's consumer key. */
  clientId: string;
  /** The connected app's consumer secret, when the app requires it for the refresh-token flow. */
  clientSecret?: string;
  /** Where the token endpoint lives (`<loginUrl>/services/oauth2/token`); default login.salesforce.com. */
  loginUrl?: string;
}

export interface SalesforceConnectionOptions {
  /** The org's instance URL (`https://mydomain.my.salesforce.com`) or a sandbox's URL. */
  instanceUrl: string;
  /** Optional with `refresh`: the first call then gets a 401 and jsforce fetches a token. */
  accessToken?: string;
  /** REST API version; jsforce 3.10 defaults to 50.0, too old for what we use (TOOLCHAIN.md). */
  version?: string;
  /** Sent as `Sforce-Call-Options: client=<clientName>` on every request, writes included. */
  clientName: string;
  /** Lets jsforce refresh an expired or revoked session and retry the call. */
  refresh?: SalesforceRefreshSettings;
  /** Called after each successful refresh (for a log line; the token is deliberately not passed). */
  onRefresh?: (info: { instanceUrl: string }) => void;
}

/**
 * Builds the jsforce connection for `SalesforceCrm`. `callOptions` makes jsforce add
 * `Sforce-Call-Options: client=<clientName>` to every REST request, so CDC events caused by our own
 * writes carry it in `changeOrigin` and are dropped at intake (docs/design.md#echo-suppression).
 *
 * With `refresh`, jsforce 3.10 installs its OAuth refresh delegate (because `oauth2.clientId` is
 * set): any 401 (INVALID_SESSION_ID) makes it post the refresh token to the token endpoint, adopt
 * the new access token and instance URL, emit `refresh`, and replay the request once refreshed.
 * Concurrent 401s share one refresh. So `SalesforceCrm` never sees the 401 unless refreshing fails.
 */
export function createSalesforceConnection(opts: SalesforceConnectionOptions): Connection {
  if (!opts.accessToken && !opts.refresh) {
    throw new ConfigError('salesforce connection', [
      {
        path: 'salesforceAccessToken',
        value: undefined,
        message: 'neither an access token nor a refresh token is configured',
        fix: 'set salesforceAccessToken, or salesforceRefreshToken with salesforceClientId (and salesforceClientSecret)',
      },
    ]);
  }
  const refresh = opts.refresh;
  const connection = new Connection({
    instanceUrl: opts.instanceUrl.replace(/\/+$/, ''),
    ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
    version: opts.version ?? '64.0',
    callOptions: { client: opts.clientName },
    ...(refresh
      ? {
          oauth2: {
            clientId: refresh.clientId,
            ...(refresh.clientSecret ? { clientSecret: refresh.clientSecret } : {}),
            loginUrl: (refresh.loginUrl ?? DEFAULT_SALESFORCE_LOGIN_URL).replace(/\/+$/, ''),
          },
          refreshToken: refresh.refreshToken,
        }
      : {}),
  });
  const onRefresh = opts.onRefresh;
  if (onRefresh) connection.on('refresh', () => onRefresh({ instanceUrl: connection.instanceUrl }));
  return connection;
}

/**
 * Refresh settings from optional credentials (secret keys or environment variables): none without a
 * refresh token; a ConfigError naming `clientIdName` when the token comes without a client id,
 * since Salesforce's token endpoint requires it.
 */
export function salesforceRefreshSettings(
  values: { refreshToken?: string; clientId?: string; clientSecret?: string; loginUrl?: string },
  names: { source: string; clientIdName: string; loginUrlName: string },
): SalesforceRefreshSettings | undefined {
  if (!values.refreshToken) return undefined;
  if (!values.clientId) {
    throw new ConfigError(names.source, [
      {
        path: names.clientIdName,
        value: undefined,
        message: 'is missing: a Salesforce refresh token needs the connected app client id',
        fix: `set ${names.clientIdName} to the connected app's consumer key`,
      },
    ]);
  }
  if (values.loginUrl !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(values.loginUrl)) {
    throw new ConfigError(names.source, [
      {
        path: names.loginUrlName,
        value: undefined,
        message: 'is not a login URL',
        fix: 'use https://login.salesforce.com, https://test.salesforce.com or your My Domain URL (no path)',
      },
    ]);
  }
  return {
    refreshToken: values.refreshToken,
    clientId: values.clientId,
    ...(values.clientSecret ? { clientSecret: values.clientSecret } : {}),
    ...(values.loginUrl ? { loginUrl: values.loginUrl } : {}),
  };
}

import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Client } from '@hubspot/api-client';
import { ConfigError } from '../errors.ts';
import type { Clock } from '../rate-limit/clock.ts';
import { isHubSpotApiError } from './hubspot-errors.ts';
import { HubSpotAccessTokens, type HubSpotOAuthSettings, hubspotTokenExchange } from './hubspot-oauth.ts';

export interface HubSpotClientOptions {
  /** Private-app token, or an OAuth access token to start with (absent: `HubSpotCrm` sets one). */
  accessToken?: string;
  /** API base URL: `https://api.hubapi.com` (default) or a sandbox's URL. */
  baseUrl?: string;
}

/**
 * Builds the process's one HubSpot client (TOOLCHAIN.md: retry settings are process-wide, because
 * the client keeps its decorators in a singleton and applies them when an API group is first used).
 *
 * - `numberOfApiCallRetries: 0`: the client's own retry ignores `Retry-After`, never retries the
 *   DAILY policy and sleeps on the wall clock; `HubSpotCrm` retries through the rate limiter instead.
 * - no `limiterOptions`: the client's Bottleneck limiter is per process and knows nothing of lanes
 *   or the daily share; `RateLimiter` does that.
 * - keep-alive agent: batch calls come in bursts; reusing connections saves a TLS handshake each.
 * - an OAuth app's renewed token is set with `setAccessToken` before a call (`withTokenRenewal`):
 *   the client's configured `middleware` would be the natural hook, but 13.5's generated APIs only
 *   run call-time middleware, never the configured one.
 *
 * The CRM and Lists API groups are created here, eagerly, so their methods are bound to this
 * client's (empty) decorator set even if another Client is built later in the process.
 */
export function createHubSpotClient(opts: HubSpotClientOptions): Client {
  const baseUrl = baseUrlOf(opts.baseUrl);
  const agent = baseUrl.startsWith('https:')
    ? new HttpsAgent({ keepAlive: true })
    : new Agent({ keepAlive: true });
  const client = new Client({
    ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
    basePath: baseUrl,
    numberOfApiCallRetries: 0,
    httpAgent: agent,
  });
  bindApiGroups(client);
  return client;
}

/**
 * The client and, for an OAuth app, its renewing access tokens: what `HubSpotCrm` takes (spread
 * both into its options). With `oauth`, the token endpoint is the API's base URL
 * (`https://api.hubapi.com/oauth/v1/token`, or a sandbox's).
 */
export function createHubSpotConnection(opts: {
  accessToken?: string;
  oauth?: HubSpotOAuthSettings;
  baseUrl?: string;
  clock?: Clock;
  onRefresh?: () => void;
}): { client: Client; tokens?: HubSpotAccessTokens } {
  if (!opts.oauth) {
    if (!opts.accessToken) {
      throw new ConfigError('hubspot connection', [
        {
          path: 'hubspotAccessToken',
          value: undefined,
          message: 'neither an access token nor an OAuth refresh token is configured',
          fix: 'set hubspotAccessToken (a private app token), or hubspotRefreshToken with hubspotClientId and hubspotClientSecret (an OAuth app)',
        },
      ]);
    }
    return { client: createHubSpotClient({ accessToken: opts.accessToken, baseUrl: opts.baseUrl }) };
  }
  const tokens = new HubSpotAccessTokens({
    settings: opts.oauth,
    exchange: hubspotTokenExchange(baseUrlOf(opts.baseUrl)),
    ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.onRefresh ? { onRefresh: opts.onRefresh } : {}),
  });
  return {
    client: createHubSpotClient({
      ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
      baseUrl: opts.baseUrl,
    }),
    tokens,
  };
}

function baseUrlOf(baseUrl: string | undefined): string {
  return (baseUrl ?? 'https://api.hubapi.com').replace(/\/+$/, '');
}

/**
 * Runs one HubSpot call with the app's current access token set on the client (renewed first when
 * it is about to expire); a 401 renews the token and replays the call once. The refused call did
 * nothing at HubSpot, so the replay is safe for writes too. Without OAuth it just runs the call.
 */
export async function withTokenRenewal<T>(
  tokens: HubSpotAccessTokens | undefined,
  client: Client,
  call: () => Promise<T>,
): Promise<T> {
  if (!tokens) return call();
  const apply = async () => {
    const token = await tokens.current();
    // setAccessToken rebuilds the client's API groups, so only when the token changed.
    if (client.config.accessToken !== token) useAccessToken(client, token);
    return token;
  };
  const used = await apply();
  try {
    return await call();
  } catch (error) {
    if (!isHubSpotApiError(error) || error.code !== 401) throw error;
    await tokens.renewAfterRejection(used);
    await apply();
    return call();
  }
}

/** Sets a new access token and rebuilds the API groups at once, bound to this client's (empty) decorators. */
function useAccessToken(client: Client, token: string): void {
  client.setAccessToken(token);
  bindApiGroups(client);
}

function bindApiGroups(client: Client): void {
  void client.crm.contacts.batchApi;
  void client.crm.lists.listsApi;
}

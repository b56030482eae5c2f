import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Client } from '@hubspot/api-client';

export interface HubSpotClientOptions {
  /** Private-app or OAuth access token. */
  accessToken: string;
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
 *
 * The CRM and Lists API groups are created here, eagerly, so their methods are bound to this
 * client's (empty) decorator set even if another Client is built later in the process.
 */
export function createHubSpotClient(opts: HubSpotClientOptions): Client {
  const baseUrl = (opts.baseUrl ?? 'https://api.hubapi.com').replace(/\/+$/, '');
  const agent = baseUrl.startsWith('https:')
    ? new HttpsAgent({ keepAlive: true })
    : new Agent({ keepAlive: true });
  const client = new Client({
    accessToken: opts.accessToken,
    basePath: baseUrl,
    numberOfApiCallRetries: 0,
    httpAgent: agent,
  });
  void client.crm.contacts.batchApi;
  void client.crm.lists.listsApi;
  return client;
}

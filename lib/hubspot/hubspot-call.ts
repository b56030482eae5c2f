import type { Client } from '@hubspot/api-client';
import {
  type Lane,
  limitedCall,
  parseHubSpotRateLimit,
  type RateLimiter,
  withTimeout,
} from '../rate-limit/index.ts';
import { withTokenRenewal } from './hubspot-client.ts';
import { classifyHubSpotFailure, isHubSpotApiError } from './hubspot-errors.ts';
import type { HubSpotAccessTokens } from './hubspot-oauth.ts';

/**
 * HubSpot's documented batch size (https://developers.hubspot.com/docs/api/crm/contacts): batch
 * read/create/update/archive take 100 inputs.
 */
export const BATCH = 100;

/** What the client's `...WithHttpInfo` methods resolve to. */
export interface HttpInfoLike<T> {
  httpStatusCode: number;
  headers: Record<string, string>;
  data: T;
}

/** One HubSpot API call through the limiter; `idempotent: false` for creates (default true). */
export type HubSpotCall = <T>(
  op: string,
  fn: () => Promise<HttpInfoLike<T>>,
  opts?: { idempotent?: boolean },
) => Promise<T>;

/** How calls are made: the client, its tokens, the shared limiter, the lane and the retry bounds. */
export interface HubSpotCallOptions {
  client: Client;
  tokens: HubSpotAccessTokens | undefined;
  limiter: RateLimiter;
  lane: Lane;
  timeoutMs: number;
  maxAttempts: number;
}

/** One API call: limiter slot, timeout, rate-limit headers observed, bounded retries. */
export function hubSpotCaller(o: HubSpotCallOptions): HubSpotCall {
  return async (op, fn, opts = {}) => {
    const info = await limitedCall({
      limiter: o.limiter,
      op,
      lane: o.lane,
      maxAttempts: o.maxAttempts,
      idempotent: opts.idempotent ?? true,
      call: async () => {
        try {
          const result = await withTimeout(
            withTokenRenewal(o.tokens, o.client, fn),
            o.timeoutMs,
            `HubSpot ${op}`,
          );
          o.limiter.observeHubSpot(parseHubSpotRateLimit(result.headers));
          return result;
        } catch (error) {
          if (isHubSpotApiError(error) && error.code !== 429)
            o.limiter.observeHubSpot(parseHubSpotRateLimit(error.headers));
          throw error;
        }
      },
      classify: (error) => classifyHubSpotFailure(error, o.limiter.now(), op),
    });
    return info.data;
  };
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function unique(values: string[]): string[] {
  return [...new Set(values)];
}

import { randomUUID } from 'node:crypto';
import { DailyCounter, SlidingWindowLimiter } from '../common/rate-limiter.ts';
import { HubSpotHttpError, errorBody } from './errors.ts';
import type { ResolvedOptions } from './options.ts';

/** HubSpot's rate-limit policies, as named in 429 bodies. */
export type PolicyName = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

const MESSAGES: Record<PolicyName, string> = {
  // The client's retry decorator matches this exact text for the search limit.
  SECONDLY: 'You have reached your secondly limit.',
  TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
  DAILY: 'You have reached your daily limit.',
};

/**
 * HubSpot's 429 body (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details):
 * `{ status, message, errorType: 'RATE_LIMIT', correlationId, policyName, requestId }`.
 */
export function rateLimitError(
  policy: PolicyName,
  headers: Record<string, string | number>,
): HubSpotHttpError {
  const body = errorBody('RATE_LIMITS', MESSAGES[policy], {
    errorType: 'RATE_LIMIT',
    policyName: policy,
    requestId: randomUUID(),
  });
  return new HubSpotHttpError(429, body, headers);
}

/**
 * Per-app limits: a rolling 10-second burst window and a daily quota shared by all tokens
 * (HubSpot counts per app per account), plus the CRM search limit of N requests/second.
 */
export class RateLimits {
  readonly burst: SlidingWindowLimiter;
  readonly daily: DailyCounter;
  readonly search: SlidingWindowLimiter;

  constructor(private readonly opts: ResolvedOptions) {
    this.burst = new SlidingWindowLimiter(opts.burstPer10s, 10_000, opts.now);
    this.daily = new DailyCounter(opts.dailyLimit, opts.now);
    this.search = new SlidingWindowLimiter(opts.searchPerSecond, 1_000, opts.now);
  }

  /** The `X-HubSpot-RateLimit-*` headers for a response. */
  headers(isSearch: boolean): Record<string, string | number> {
    const h: Record<string, string | number> = {
      'X-HubSpot-RateLimit-Daily': this.opts.dailyLimit,
      'X-HubSpot-RateLimit-Daily-Remaining': this.daily.remaining(),
      'X-HubSpot-RateLimit-Interval-Milliseconds': 10_000,
      'X-HubSpot-RateLimit-Max': this.opts.burstPer10s,
      'X-HubSpot-RateLimit-Remaining': this.burst.remaining(),
    };
    if (isSearch) {
      h['X-HubSpot-RateLimit-Secondly'] = this.opts.searchPerSecond;
      h['X-HubSpot-RateLimit-Secondly-Remaining'] = this.search.remaining();
    }
    return h;
  }

  /** Count a call or throw the 429 of the first policy it breaks. */
  acquire(isSearch: boolean): Record<string, string | number> {
    if (this.daily.remaining() <= 0) throw rateLimitError('DAILY', this.headers(isSearch));
    if (isSearch && !this.search.tryAcquire()) throw rateLimitError('SECONDLY', this.headers(isSearch));
    if (!this.burst.tryAcquire()) throw rateLimitError('TEN_SECONDLY_ROLLING', this.headers(isSearch));
    this.daily.tryAcquire();
    return this.headers(isSearch);
  }

  /** Forget all counts. */
  reset(): void {
    this.burst.reset();
    this.daily.reset();
    this.search.reset();
  }
}

/**
 * HubSpot's 401 for a missing, unknown or revoked token: the same body in every case, so a
 * client cannot tell a revoked token from a missing one (it must re-authenticate either way).
 */
export function authError(): HubSpotHttpError {
  return new HubSpotHttpError(
    401,
    errorBody(
      'INVALID_AUTHENTICATION',
      'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
    ),
  );
}

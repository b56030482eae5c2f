/**
 * Per-CRM API rate limiting (docs/design.md#api-budgets): build one limiter per CRM per process from the
 * config's budgets and share it between every adapter instance talking to that CRM.
 */
import type { CrmSyncConfig } from '../config.ts';
import type { Clock, Sleep } from './clock.ts';
import type { UsageCounter } from './daily-budget.ts';
import { RateLimiter } from './rate-limiter.ts';

export type { Clock, Sleep } from './clock.ts';
export type { UsageCounter } from './daily-budget.ts';
export { type CallFailure, limitedCall, withTimeout, CallTimeoutError } from './limited-call.ts';
export {
  type Lane,
  type OperationWindow,
  RateLimiter,
  type RateLimiterCounters,
  type RateLimiterOptions,
} from './rate-limiter.ts';
export { parseHubSpotRateLimit, parseRetryAfter, parseSforceLimitInfo } from './vendor-headers.ts';

/** HubSpot search allows 5 requests per second per account, apart from the burst window. */
export const HUBSPOT_SEARCH_WINDOW = {
  ops: ['contacts.search', 'companies.search'],
  max: 4,
  windowMs: 1000,
} as const;

/** Builds the HubSpot and Salesforce limiters from `config.budgets`. */
export function createRateLimiters(
  budgets: CrmSyncConfig['budgets'],
  deps: { usage?: UsageCounter; clock?: Clock; sleep?: Sleep; onFlushError?: (error: unknown) => void } = {},
): { hubspot: RateLimiter; salesforce: RateLimiter } {
  return {
    hubspot: new RateLimiter({
      crm: 'hubspot',
      ...budgets.hubspot,
      ...deps,
      operationWindows: [{ ...HUBSPOT_SEARCH_WINDOW, ops: [...HUBSPOT_SEARCH_WINDOW.ops] }],
    }),
    salesforce: new RateLimiter({ crm: 'salesforce', ...budgets.salesforce, ...deps }),
  };
}

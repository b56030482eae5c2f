import type { Connection } from 'jsforce';
import { type Lane, limitedCall, type RateLimiter } from '../rate-limit/index.ts';
import { classifySalesforceFailure } from './salesforce-errors.ts';

/** A REST request as jsforce's `connection.request` takes it. */
export interface HttpRequestLike {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: string;
  headers?: Record<string, string>;
}

/** One REST request through the limiter, its body parsed (inside the attempt) when `parse` is given. */
export type SalesforceRequest = <T = unknown>(
  op: string,
  request: HttpRequestLike,
  parse?: (body: unknown) => T,
  opts?: { idempotent?: boolean },
) => Promise<T>;

/** How requests are made: the connection, the shared limiter, the lane and the retry bounds. */
export interface SalesforceRequestOptions {
  connection: Connection;
  limiter: RateLimiter;
  lane: Lane;
  timeoutMs: number;
  maxAttempts: number;
  orgLimitPauseMs: number;
}

/** One REST request: limiter slot, jsforce timeout and no jsforce retry, org usage observed, bounded retries. */
export function salesforceRequester(o: SalesforceRequestOptions): SalesforceRequest {
  let lastLimitInfo: unknown = o.connection.limitInfo;
  const observeLimitInfo = (): void => {
    const info = o.connection.limitInfo;
    // jsforce replaces limitInfo on each response that carries the header; a stale one is not news.
    if (info === lastLimitInfo) return;
    lastLimitInfo = info;
    const usage = info?.apiUsage;
    if (usage) o.limiter.observeOrgUsage(usage.used, usage.limit);
  };
  return <T = unknown>(
    op: string,
    request: HttpRequestLike,
    parse?: (body: unknown) => T,
    opts: { idempotent?: boolean } = {},
  ): Promise<T> =>
    limitedCall<T>({
      limiter: o.limiter,
      op,
      lane: o.lane,
      maxAttempts: o.maxAttempts,
      idempotent: opts.idempotent ?? true,
      call: async () => {
        try {
          const body = await o.connection.request<unknown>(request, {
            retry: { maxRetries: 0 },
            timeout: o.timeoutMs,
          });
          // Parsed inside the attempt: a failed Composite subrequest is classified and retried like a failed call.
          return parse ? parse(body) : (body as T);
        } finally {
          observeLimitInfo();
        }
      },
      classify: (error) => classifySalesforceFailure(error, op, o.orgLimitPauseMs),
    });
}

/** `items` in runs of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Parsing of the rate-limit signals the CRMs send back, so the limiter can pause instead of failing.
 * Header names are matched case-insensitively (both clients lower-case them, proxies may not).
 */

export type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function int(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds from `now`,
 * or undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: HeaderBag | undefined, now: number): number | undefined {
  const value = header(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number.parseFloat(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * HubSpot's `X-HubSpot-RateLimit-*` headers (https://developers.hubspot.com/docs/api/usage-details):
 * the burst window (`-Max`, `-Remaining`, `-Interval-Milliseconds`), the per-second search window
 * (`-Secondly`, `-Secondly-Remaining`) and, for private apps, the daily allocation (`-Daily`,
 * `-Daily-Remaining`).
 */
export interface HubSpotRateLimitInfo {
  max?: number;
  remaining?: number;
  intervalMs?: number;
  secondly?: number;
  secondlyRemaining?: number;
  daily?: number;
  dailyRemaining?: number;
}

export function parseHubSpotRateLimit(headers: HeaderBag | undefined): HubSpotRateLimitInfo {
  const info: HubSpotRateLimitInfo = {};
  const set = (key: keyof HubSpotRateLimitInfo, name: string) => {
    const n = int(header(headers, name));
    if (n !== undefined) info[key] = n;
  };
  set('max', 'x-hubspot-ratelimit-max');
  set('remaining', 'x-hubspot-ratelimit-remaining');
  set('intervalMs', 'x-hubspot-ratelimit-interval-milliseconds');
  set('secondly', 'x-hubspot-ratelimit-secondly');
  set('secondlyRemaining', 'x-hubspot-ratelimit-secondly-remaining');
  set('daily', 'x-hubspot-ratelimit-daily');
  set('dailyRemaining', 'x-hubspot-ratelimit-daily-remaining');
  return info;
}

/**
 * Salesforce's `Sforce-Limit-Info: api-usage=N/M` (REST API developer guide, "Response Headers"):
 * the org's calls in the last 24 hours and its allocation. Other entries (`per-app-api-usage=...`)
 * are ignored.
 */
export function parseSforceLimitInfo(value: string | undefined): { used: number; limit: number } | undefined {
  if (!value) return undefined;
  const match = /(?:^|[\s,;])api-usage=(\d+)\/(\d+)/.exec(value);
  if (!match) return undefined;
  const used = Number.parseInt(match[1]!, 10);
  const limit = Number.parseInt(match[2]!, 10);
  return limit > 0 ? { used, limit } : undefined;
}

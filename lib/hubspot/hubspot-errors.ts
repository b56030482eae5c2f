import { CrmAuthError, PermanentSyncError, type SyncErrorCategory } from '../errors.ts';
import {
  type CallFailure,
  CallTimeoutError,
  parseHubSpotRateLimit,
  parseRetryAfter,
} from '../rate-limit/index.ts';

/**
 * What `@hubspot/api-client` throws for a non-2xx answer (`ApiException`): the status code, the body
 * (deserialized into the client's `Error` model, which drops unknown keys such as `policyName`) and
 * the response headers.
 */
export interface HubSpotApiError {
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

export function isHubSpotApiError(error: unknown): error is HubSpotApiError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'number' &&
    'headers' in error &&
    typeof (error as { headers?: unknown }).headers === 'object'
  );
}

/** A 4xx answer to a whole call that is about the request, not about auth or limits (400, 404, 409). */
export class HubSpotRequestError extends PermanentSyncError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    category: SyncErrorCategory,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, category, options);
  }
}

function bodyField(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

function bodyMessage(body: unknown): string {
  const message = bodyField(body, 'message');
  if (typeof message === 'string') return message;
  if (typeof body === 'string') return body.slice(0, 300);
  return '';
}

/**
 * Which 429 policy was hit. The client drops `policyName` from error bodies, so this reads the
 * message HubSpot sends with each policy ("You have reached your daily limit.", "... secondly limit.",
 * "... ten_secondly_rolling limit.") and the headers.
 */
function rateLimitWait(error: HubSpotApiError, now: number): { waitMs: number; daily: boolean } {
  const retryAfter = parseRetryAfter(error.headers, now);
  const message = bodyMessage(error.body).toLowerCase();
  const policy = String(bodyField(error.body, 'policyName') ?? '').toUpperCase();
  const info = parseHubSpotRateLimit(error.headers);
  const daily = policy === 'DAILY' || message.includes('daily limit') || info.dailyRemaining === 0;
  if (retryAfter !== undefined) return { waitMs: retryAfter, daily };
  // No Retry-After for daily: HubSpot resets at midnight in the account's time zone, which we do not
  // know; an hour is a safe pause and far beyond a call's wait, so the caller gets a RetryableError.
  if (daily) return { waitMs: 60 * 60_000, daily };
  if (policy === 'SECONDLY' || message.includes('secondly limit')) return { waitMs: 1000, daily };
  return { waitMs: info.intervalMs ?? 10_000, daily };
}

/** Classifies a failed HubSpot call for `limitedCall`. */
export function classifyHubSpotFailure(error: unknown, now: number, what: string): CallFailure {
  if (error instanceof CallTimeoutError)
    return { kind: 'transient', category: 'timeout', message: error.message };
  // A refused OAuth token refresh (hubspot-oauth.ts) already says what to fix.
  if (error instanceof CrmAuthError) return { kind: 'fatal', error };
  if (!isHubSpotApiError(error)) {
    // node-fetch FetchError (ECONNRESET, ECONNREFUSED...), a body that was not JSON: transient.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // A refused connection never reached HubSpot.
    const refused = (error as { code?: unknown } | null)?.code === 'ECONNREFUSED';
    return { kind: 'transient', category: 'network', message, notProcessed: refused };
  }
  const status = error.code;
  const message = bodyMessage(error.body);
  if (status === 429) {
    const { waitMs } = rateLimitWait(error, now);
    return { kind: 'rate-limited', waitMs, message: `429 ${message}` };
  }
  if (status >= 500 || status === 408) {
    return {
      kind: 'transient',
      // 408: HubSpot's edge gave up waiting for the request; the rest are server failures.
      category: status === 408 ? 'timeout' : 'server',
      message: `${status} ${message}`,
      notProcessed: status === 503,
    };
  }
  if (status === 401) {
    return {
      kind: 'fatal',
      error: new CrmAuthError(
        'hubspot',
        `HubSpot rejected the access token (401) on ${what}: check the private app token (hubspotAccessToken / HUBSPOT_ACCESS_TOKEN), or for an OAuth app set hubspotRefreshToken, hubspotClientId and hubspotClientSecret so crmsync renews its token. ${message}`,
        { cause: error },
      ),
    };
  }
  if (status === 403) {
    return {
      kind: 'fatal',
      error: new HubSpotRequestError(
        403,
        error.body,
        'permission',
        `HubSpot refused ${what} (403): the app lacks a scope. ${message}`,
        {
          cause: error,
        },
      ),
    };
  }
  const category = categoryOf(bodyField(error.body, 'category'), message, status);
  return {
    kind: 'fatal',
    error: new HubSpotRequestError(
      status,
      error.body,
      category.category,
      `HubSpot ${what} failed (${status}): ${message}`,
      {
        cause: error,
      },
    ),
  };
}

/**
 * Maps a HubSpot error (category + message, where the message of a VALIDATION_ERROR embeds
 * `[{"error":"INVALID_OPTION",...}]`) to our sync-error category and whether retrying can help.
 */
export function categoryOf(
  hubspotCategory: unknown,
  message: string,
  status?: number,
): { category: SyncErrorCategory; retryable: boolean } {
  const cat = typeof hubspotCategory === 'string' ? hubspotCategory.toUpperCase() : '';
  const text = message.toUpperCase();
  if (cat === 'RATE_LIMITS' || status === 429) return { category: 'rate-limit', retryable: true };
  if (cat === 'INTERNAL_ERROR' || cat === 'SERVICE_UNAVAILABLE' || (status !== undefined && status >= 500)) {
    return { category: 'other', retryable: true };
  }
  if (
    cat === 'CONFLICT' ||
    text.includes('CONTACT_EXISTS') ||
    text.includes('ALREADY EXISTS') ||
    status === 409
  ) {
    return { category: 'duplicate', retryable: false };
  }
  if (cat === 'OBJECT_NOT_FOUND' || status === 404) return { category: 'not-found', retryable: false };
  if (cat === 'MISSING_SCOPES' || cat === 'FORBIDDEN' || status === 403)
    return { category: 'permission', retryable: false };
  if (text.includes('REQUIRED')) return { category: 'missing-required-field', retryable: false };
  if (cat === 'VALIDATION_ERROR' || status === 400) return { category: 'validation', retryable: false };
  return { category: 'other', retryable: false };
}

/** Trace ids (`objectWriteTraceId`) and record ids a batch error names in its context. */
export function errorContextIds(error: unknown): { traceIds: string[]; ids: string[] } {
  const traceIds: string[] = [];
  const ids: string[] = [];
  const visit = (ctx: unknown) => {
    if (typeof ctx !== 'object' || ctx === null) return;
    const c = ctx as Record<string, unknown>;
    for (const v of [c['objectWriteTraceId']].flat()) if (typeof v === 'string') traceIds.push(v);
    for (const key of ['ids', 'id']) for (const v of [c[key]].flat()) if (typeof v === 'string') ids.push(v);
  };
  visit(bodyField(error, 'context'));
  const nested = bodyField(error, 'errors');
  if (Array.isArray(nested)) for (const e of nested) visit(bodyField(e, 'context'));
  return { traceIds, ids };
}

export { bodyMessage as hubSpotErrorMessage };

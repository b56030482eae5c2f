import { CrmAuthError, PermanentSyncError, type SyncErrorCategory } from '../errors.ts';
import { type CallFailure, CallTimeoutError } from '../rate-limit/index.ts';

/**
 * Salesforce status codes (per-record `errors[].statusCode`, whole-call `errorCode`) mapped to our
 * sync-error categories. API reference, "StatusCode":
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm
 */
const CATEGORY: Record<string, SyncErrorCategory> = {
  DUPLICATES_DETECTED: 'duplicate',
  DUPLICATE_VALUE: 'duplicate',
  DUPLICATE_EXTERNAL_ID: 'duplicate',
  REQUIRED_FIELD_MISSING: 'missing-required-field',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'validation',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'validation',
  FIELD_INTEGRITY_EXCEPTION: 'validation',
  INVALID_EMAIL_ADDRESS: 'validation',
  INVALID_FIELD: 'validation',
  INVALID_FIELD_FOR_INSERT_UPDATE: 'validation',
  INVALID_TYPE_ON_FIELD_IN_RECORD: 'validation',
  MALFORMED_ID: 'validation',
  NUMBER_OUTSIDE_VALID_RANGE: 'validation',
  STRING_TOO_LONG: 'validation',
  JSON_PARSER_ERROR: 'validation',
  INVALID_TYPE: 'validation',
  MALFORMED_QUERY: 'validation',
  NOT_FOUND: 'not-found',
  ENTITY_IS_DELETED: 'not-found',
  INVALID_CROSS_REFERENCE_KEY: 'not-found',
  INVALID_ID_FIELD: 'not-found',
  INSUFFICIENT_ACCESS_OR_READONLY: 'permission',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: 'permission',
  INSUFFICIENT_ACCESS: 'permission',
  API_DISABLED_FOR_ORG: 'permission',
  REQUEST_LIMIT_EXCEEDED: 'rate-limit',
};

/** Codes where trying again later can succeed (a lock held by another transaction, a busy server). */
const RETRYABLE = new Set([
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_LIMIT_EXCEEDED',
  'SERVER_UNAVAILABLE',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
]);

/** Retryable codes that mean "took too long" rather than "failed". */
const TIMEOUTS = new Set(['REQUEST_RUNNING_TOO_LONG', 'QUERY_TIMEOUT', 'ERROR_HTTP_504']);

export function salesforceCategory(statusCode: string): { category: SyncErrorCategory; retryable: boolean } {
  const code = statusCode.toUpperCase();
  return {
    category: CATEGORY[code] ?? 'other',
    retryable: RETRYABLE.has(code) || /^ERROR_HTTP_5\d\d$/.test(code),
  };
}

/** What jsforce throws for an API error (`HttpApiError`): errorCode, message, data (the error body). */
interface JsforceErrorLike {
  name?: string;
  errorCode?: string;
  message?: string;
  data?: unknown;
  code?: string;
}

function firstErrorCode(error: JsforceErrorLike): string {
  if (error.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(error.data)) {
    const first = error.data[0] as { errorCode?: unknown } | undefined;
    if (typeof first?.errorCode === 'string') return first.errorCode;
  }
  return error.errorCode ?? '';
}

const REFRESH_FAILED = 'Unable to refresh session due to:';

/** A whole-call Salesforce error that retrying cannot fix (a bad query, a missing field, a permission). */
export class SalesforceRequestError extends PermanentSyncError {
  constructor(
    readonly errorCode: string,
    category: SyncErrorCategory,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, category, options);
  }
}

/**
 * Classifies a failed jsforce call for `limitedCall`. `orgLimitPauseMs` is how long to pause when the
 * org's 24-hour allocation is used up (`REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded`).
 */
export function classifySalesforceFailure(
  error: unknown,
  what: string,
  orgLimitPauseMs: number,
): CallFailure {
  if (error instanceof CallTimeoutError)
    return { kind: 'transient', category: 'timeout', message: error.message };
  if (typeof error !== 'object' || error === null)
    return { kind: 'transient', category: 'server', message: String(error) };
  const e = error as JsforceErrorLike;
  // node-fetch failures (ECONNRESET, ECONNREFUSED...) and jsforce's own timeout (AbortError).
  if (
    e.name === 'FetchError' ||
    e.name === 'AbortError' ||
    (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code))
  ) {
    return {
      kind: 'transient',
      // jsforce's AbortError is its own request timeout; the rest never got an answer.
      category: e.name === 'AbortError' ? 'timeout' : 'network',
      message: `${e.name ?? 'Error'}: ${e.message ?? ''}`,
      notProcessed: e.code === 'ECONNREFUSED',
    };
  }
  const code = firstErrorCode(e);
  const message = e.message ?? '';
  // With a refresh token, jsforce answers a 401 by refreshing and replaying the call; a 401 only
  // reaches us when no refresh is configured (see salesforce-connection.ts).
  if (code === 'INVALID_SESSION_ID' || code === 'ERROR_HTTP_401') {
    return {
      kind: 'fatal',
      error: new CrmAuthError(
        'salesforce',
        `Salesforce rejected the session on ${what} (INVALID_SESSION_ID): the access token expired or was revoked and no refresh token is configured. Set salesforceRefreshToken and salesforceClientId (and salesforceClientSecret) in the secret, or SALESFORCE_REFRESH_TOKEN and SALESFORCE_CLIENT_ID (and SALESFORCE_CLIENT_SECRET) in live mode, so crmsync renews the session itself. ${message}`,
        { cause: error },
      ),
    };
  }
  // jsforce's refresh delegate wraps a failed token request in a plain Error with this prefix
  // (session-refresh-delegate.js). The token endpoint's answer (invalid_grant: the refresh token was
  // revoked or expired; invalid_client_id / invalid_client: wrong connected app) will not change on
  // retry; a network failure reaching the login host might.
  if (e.name === 'Error' && message.startsWith(REFRESH_FAILED)) {
    if (/ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|fetch failed|ERROR_HTTP_5\d\d/i.test(message))
      return { kind: 'transient', category: 'network', message, notProcessed: true };
    return {
      kind: 'fatal',
      error: new CrmAuthError(
        'salesforce',
        `Salesforce session refresh failed on ${what}: ${message.slice(REFRESH_FAILED.length).trim()}. Check salesforceRefreshToken (revoked or expired?), salesforceClientId/salesforceClientSecret and the login URL (login.salesforce.com vs test.salesforce.com).`,
        { cause: error },
      ),
    };
  }
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    // Two causes share the code: the org's 24-hour allocation ("TotalRequests Limit exceeded"),
    // which will not clear for a long time, and concurrent long-running requests, which clear fast.
    const daily = /TotalRequests/i.test(message);
    return { kind: 'rate-limited', waitMs: daily ? orgLimitPauseMs : 2000, message: `${code}: ${message}` };
  }
  if (code === 'ERROR_HTTP_429')
    return { kind: 'rate-limited', waitMs: 1000, message: `${code}: ${message}` };
  if (!code) return { kind: 'transient', category: 'server', message: `${e.name ?? 'Error'}: ${message}` };
  const { category, retryable } = salesforceCategory(code);
  if (retryable) {
    // A busy server or a row lock means the request was not applied; a 500/502/504 may have been.
    const notProcessed = ['SERVER_UNAVAILABLE', 'ERROR_HTTP_503', 'UNABLE_TO_LOCK_ROW'].includes(code);
    const category = TIMEOUTS.has(code) ? 'timeout' : 'server';
    return { kind: 'transient', category, message: `${code}: ${message}`, notProcessed };
  }
  return {
    kind: 'fatal',
    error: new SalesforceRequestError(code, category, `Salesforce ${what} failed (${code}): ${message}`, {
      cause: error,
    }),
  };
}

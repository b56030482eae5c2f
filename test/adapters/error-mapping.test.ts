import { describe, expect, it } from 'vitest';
import { CrmAuthError } from '../../lib/errors.ts';
import { categoryOf, classifyHubSpotFailure } from '../../lib/hubspot/hubspot-errors.ts';
import { CallTimeoutError } from '../../lib/rate-limit/index.ts';
import { classifySalesforceFailure, salesforceCategory } from '../../lib/salesforce/salesforce-errors.ts';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

/** The shape `@hubspot/api-client` throws (ApiException): code, deserialized body, headers. */
function apiException(code: number, body: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error('HTTP-Code'), { code, body, headers });
}

describe('HubSpot failures', () => {
  it('429 waits for Retry-After when HubSpot sends it, else per policy', () => {
    expect(
      classifyHubSpotFailure(apiException(429, { message: 'x' }, { 'retry-after': '3' }), NOW, 'op'),
    ).toMatchObject({
      kind: 'rate-limited',
      waitMs: 3000,
    });
    expect(
      classifyHubSpotFailure(
        apiException(429, { message: 'You have reached your secondly limit.' }),
        NOW,
        'op',
      ),
    ).toMatchObject({
      waitMs: 1000,
    });
    expect(
      classifyHubSpotFailure(
        apiException(
          429,
          { message: 'You have reached your ten_secondly_rolling limit.' },
          { 'x-hubspot-ratelimit-interval-milliseconds': '10000' },
        ),
        NOW,
        'op',
      ),
    ).toMatchObject({ waitMs: 10_000 });
    const daily = classifyHubSpotFailure(
      apiException(429, { message: 'You have reached your daily limit.' }),
      NOW,
      'op',
    );
    expect(daily.kind === 'rate-limited' && daily.waitMs).toBeGreaterThanOrEqual(3_600_000);
  });

  it('5xx and timeouts are transient; 503 and refused connections certainly not applied', () => {
    expect(classifyHubSpotFailure(apiException(502, {}), NOW, 'op')).toMatchObject({
      kind: 'transient',
      notProcessed: false,
    });
    expect(classifyHubSpotFailure(apiException(503, {}), NOW, 'op')).toMatchObject({
      kind: 'transient',
      notProcessed: true,
    });
    expect(classifyHubSpotFailure(new CallTimeoutError('t'), NOW, 'op')).toMatchObject({ kind: 'transient' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), {
      name: 'FetchError',
      code: 'ECONNREFUSED',
    });
    expect(classifyHubSpotFailure(refused, NOW, 'op')).toMatchObject({
      kind: 'transient',
      notProcessed: true,
    });
  });

  it('each transient failure says its retry category: 5xx server, 408 and call timeouts timeout, no answer network', () => {
    const category = (error: unknown) => {
      const failure = classifyHubSpotFailure(error, NOW, 'op');
      return failure.kind === 'transient' ? failure.category : failure.kind;
    };
    const refused = Object.assign(new Error('connect ECONNREFUSED'), {
      name: 'FetchError',
      code: 'ECONNREFUSED',
    });
    expect([
      category(apiException(500, {})),
      category(apiException(503, { message: 'rate of errors too high' })),
      category(apiException(408, {})),
      category(new CallTimeoutError('t')),
      category(refused),
      category(apiException(429, {}, { 'retry-after': '1' })),
    ]).toEqual(['server', 'server', 'timeout', 'timeout', 'network', 'rate-limited']);
  });

  it('401 is a CrmAuthError naming the fix', () => {
    const f = classifyHubSpotFailure(
      apiException(401, { message: 'Authentication credentials not found.' }),
      NOW,
      'contacts.batch.read',
    );
    expect(f.kind === 'fatal' && f.error).toBeInstanceOf(CrmAuthError);
    expect(f.kind === 'fatal' && f.error.message).toMatch(/token/);
  });

  it('batch error categories map to sync-error categories', () => {
    expect(
      categoryOf('VALIDATION_ERROR', 'Property values were not valid: [{"error":"INVALID_OPTION"}]'),
    ).toEqual({
      category: 'validation',
      retryable: false,
    });
    expect(categoryOf('VALIDATION_ERROR', '... PROPERTY_DOESNT_EXIST ...').category).toBe('validation');
    expect(categoryOf('CONFLICT', 'Contact already exists. Existing ID: 1')).toEqual({
      category: 'duplicate',
      retryable: false,
    });
    expect(categoryOf('OBJECT_NOT_FOUND', '')).toEqual({ category: 'not-found', retryable: false });
    expect(categoryOf('RATE_LIMITS', '')).toEqual({ category: 'rate-limit', retryable: true });
    expect(categoryOf('INTERNAL_ERROR', '')).toEqual({ category: 'other', retryable: true });
    expect(categoryOf('MISSING_SCOPES', '').category).toBe('permission');
  });
});

describe('Salesforce failures', () => {
  it('per-record status codes map to categories and retryability', () => {
    expect(salesforceCategory('DUPLICATES_DETECTED')).toEqual({ category: 'duplicate', retryable: false });
    expect(salesforceCategory('REQUIRED_FIELD_MISSING')).toEqual({
      category: 'missing-required-field',
      retryable: false,
    });
    expect(salesforceCategory('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST')).toEqual({
      category: 'validation',
      retryable: false,
    });
    expect(salesforceCategory('UNABLE_TO_LOCK_ROW')).toEqual({ category: 'other', retryable: true });
    expect(salesforceCategory('ENTITY_IS_DELETED')).toEqual({ category: 'not-found', retryable: false });
    expect(salesforceCategory('INSUFFICIENT_ACCESS_OR_READONLY').category).toBe('permission');
    expect(salesforceCategory('SOMETHING_NEW')).toEqual({ category: 'other', retryable: false });
  });

  it('whole-call errors: session, allocation, concurrency limit, 5xx, network', () => {
    const jsforceError = (errorCode: string, message = '') =>
      Object.assign(new Error(message), { name: errorCode, errorCode });
    const auth = classifySalesforceFailure(
      jsforceError('INVALID_SESSION_ID', 'Session expired or invalid'),
      'q',
      900_000,
    );
    expect(auth.kind === 'fatal' && auth.error).toBeInstanceOf(CrmAuthError);
    expect(
      classifySalesforceFailure(
        jsforceError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
        'q',
        900_000,
      ),
    ).toMatchObject({
      kind: 'rate-limited',
      waitMs: 900_000,
    });
    expect(
      classifySalesforceFailure(
        jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
        'q',
        900_000,
      ),
    ).toMatchObject({ kind: 'rate-limited', waitMs: 2000 });
    expect(classifySalesforceFailure(jsforceError('ERROR_HTTP_502'), 'q', 1)).toMatchObject({
      kind: 'transient',
      notProcessed: false,
    });
    expect(classifySalesforceFailure(jsforceError('SERVER_UNAVAILABLE'), 'q', 1)).toMatchObject({
      kind: 'transient',
      notProcessed: true,
    });
    const reset = Object.assign(new Error('socket hang up'), { name: 'FetchError', code: 'ECONNRESET' });
    expect(classifySalesforceFailure(reset, 'q', 1)).toMatchObject({
      kind: 'transient',
      notProcessed: false,
    });
    expect(
      classifySalesforceFailure(jsforceError('INVALID_FIELD', "No such column 'X'"), 'q', 1),
    ).toMatchObject({ kind: 'fatal' });
  });
});

describe('Salesforce retry categories', () => {
  const jsforceError = (errorCode: string) =>
    Object.assign(new Error(errorCode), { name: 'HttpApiError', errorCode });
  it('each transient failure says its retry category: server, timeout or network', () => {
    const category = (error: unknown) => {
      const failure = classifySalesforceFailure(error, 'q', 1);
      return failure.kind === 'transient' ? failure.category : failure.kind;
    };
    const reset = Object.assign(new Error('socket hang up'), { name: 'FetchError', code: 'ECONNRESET' });
    const aborted = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    expect([
      category(jsforceError('ERROR_HTTP_502')),
      category(jsforceError('UNABLE_TO_LOCK_ROW')),
      category(jsforceError('QUERY_TIMEOUT')),
      category(new CallTimeoutError('t')),
      category(aborted),
      category(reset),
      category(jsforceError('ERROR_HTTP_429')),
    ]).toEqual(['server', 'server', 'timeout', 'timeout', 'timeout', 'network', 'rate-limited']);
  });
});

/**
 * Salesforce API errors. The REST API answers errors as an array of
 * `{ message, errorCode, fields? }`; sObject Collections report per-record errors as
 * `{ statusCode, message, fields }` inside `{ success: false, errors: [...] }`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 */
/** Codes whose REST body carries `fields` even when empty (as in recorded responses). */
const FIELDS_ALWAYS = new Set(['ENTITY_IS_DELETED', 'DUPLICATES_DETECTED', 'CANNOT_UPDATE_CONVERTED_LEAD']);

export class SalesforceApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
    /** Extra properties merged into the REST error body (e.g. `duplicateResult`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SalesforceApiError';
  }

  /** The REST error body (one-element array). */
  toRestBody(): Record<string, unknown>[] {
    const body: Record<string, unknown> = { ...this.extra, message: this.message, errorCode: this.errorCode };
    if (this.fields.length > 0 || FIELDS_ALWAYS.has(this.errorCode)) body.fields = this.fields;
    return [body];
  }

  /** The per-record error entry used by sObject Collections and Composite save results. */
  toSaveError(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields };
  }
}

/** `INVALID_SESSION_ID` — missing, malformed or revoked bearer token. */
export const invalidSession = (): SalesforceApiError =>
  new SalesforceApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

/** `NOT_FOUND` for an id that does not exist (or a wrong URL). */
export const notFound = (message = 'The requested resource does not exist'): SalesforceApiError =>
  new SalesforceApiError(404, 'NOT_FOUND', message);

/** `ENTITY_IS_DELETED` for a record in the recycle bin. */
export const entityIsDeleted = (): SalesforceApiError =>
  new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');

/** `MALFORMED_ID` for an id of the wrong shape or type. */
export const malformedId = (label: string, id: string): SalesforceApiError =>
  new SalesforceApiError(400, 'MALFORMED_ID', `${label} ID: id value of incorrect type: ${id}`, ['Id']);

/** `JSON_PARSER_ERROR` for an unreadable body. */
export const jsonParserError = (message: string): SalesforceApiError =>
  new SalesforceApiError(400, 'JSON_PARSER_ERROR', message);

/** `NOT_FOUND` for an unknown object in a URL; REST says "The requested resource does not exist". */
export function unsupportedType(name: string): SalesforceApiError {
  return new SalesforceApiError(
    404,
    'NOT_FOUND',
    `The requested resource does not exist: sObject type '${name}' is not supported.`,
  );
}

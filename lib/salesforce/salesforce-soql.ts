/**
 * Safe SOQL building. Values only ever enter a query as escaped string literals, field and object
 * names only when they match the API-name grammar; nothing else is interpolated.
 * SOQL reference, "Quoted String Escape Sequences":
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
 */

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A SOQL string literal: `'O\'Brien@example.com'`. */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => ESCAPES[c] ?? c)}'`;
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$/;

/** Checks a field or object API name (custom `Score__c`, relationship `Owner.Name`); throws otherwise. */
export function apiName(name: string): string {
  if (!API_NAME.test(name)) throw new Error(`not a Salesforce API name: ${JSON.stringify(name)}`);
  return name;
}

/** Salesforce record ids: 15 (case-sensitive) or 18 (case-safe) letters and digits. */
export function isSalesforceId(id: string): boolean {
  return /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id);
}

/** `YYYY-MM-DDThh:mm:ssZ`, the documented SOQL dateTime literal format (seconds precision). */
export function soqlDateTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * Percent-encodes a query for `?q=`. Stricter than encodeURIComponent: `'`, `(`, `)`, `!` and `*`
 * are encoded too, as the WHATWG URL parser in the HTTP client would do it anyway (`'` becomes
 * `%27`), so the length we measure is the length that goes on the wire.
 */
export function encodeQueryParam(text: string): string {
  return encodeURIComponent(text).replace(
    /['()!*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Splits values for `X IN (...)` clauses so each query's URL stays under `maxEncodedChars`
 * (`GET /query?q=` URLs beyond ~16 KB are refused: REST API "Limits", URI length). `baseEncodedChars`
 * is the encoded length of the rest of the query.
 */
export function chunkForInClause(
  values: string[],
  baseEncodedChars: number,
  maxEncodedChars = 14_000,
): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let size = baseEncodedChars;
  for (const value of values) {
    const cost = encodeQueryParam(soqlString(value)).length + 3; // "%2C" between literals
    if (current.length > 0 && size + cost > maxEncodedChars) {
      out.push(current);
      current = [];
      size = baseEncodedChars;
    }
    current.push(value);
    size += cost;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** `SELECT f1, f2 FROM Obj WHERE <where> [ORDER BY ...]` with checked names; `where` must be built from soqlString. */
export function selectQuery(objectType: string, fields: string[], where?: string, orderBy?: string): string {
  const names = fields.map(apiName).join(', ');
  return `SELECT ${names} FROM ${apiName(objectType)}${where ? ` WHERE ${where}` : ''}${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
}

/** `Field IN ('a','b')`. */
export function inClause(field: string, values: string[]): string {
  return `${apiName(field)} IN (${values.map(soqlString).join(',')})`;
}

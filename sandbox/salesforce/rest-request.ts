/**
 * What every REST resource of the sandbox shares: the request and response shapes, the object
 * and field names a request may use, and how a record is printed.
 */
import { SalesforceApiError, jsonParserError } from './errors.ts';
import { type ObjectDef, findObject } from './schema.ts';
import { type WriteOrigin, unsupportedType } from './store.ts';

/** One REST call, already authenticated. */
export interface ApiRequest {
  method: string;
  /** Path below `/services/data/vNN.N`, e.g. `/sobjects/Lead/00Q...`. */
  path: string;
  version: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  origin: WriteOrigin;
  /** The bearer token: query cursors are counted per session user. */
  token?: string;
}

/** A handler's answer. */
export interface ApiResponse {
  status: number;
  body?: unknown;
  /** A body sent as it is (Bulk API 2.0 results are CSV), its type in `headers['content-type']`. */
  text?: string;
  headers?: Record<string, string>;
}

/** The object a request names; an unknown one fails as the platform does (INVALID_TYPE). */
export function objectDef(name: string | undefined): ObjectDef {
  const obj = findObject(name ?? '');
  if (!obj) throw unsupportedType(name ?? '');
  return obj;
}

/** The fields a request names, in their canonical case; an unknown one fails with INVALID_FIELD. */
export function fieldNames(obj: ObjectDef, names: string[]): string[] {
  return names
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => {
      const def = obj.byLowerName.get(n.toLowerCase());
      if (!def)
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD',
          `No such column '${n}' on sobject of type ${obj.name}`,
        );
      return def.name;
    });
}

/** The REST base path of a request's API version. */
export function base(r: ApiRequest): string {
  return `/services/data/v${r.version}`;
}

/** One request header, the first value when repeated. */
export function header(h: ApiRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A JSON body that must be an object; anything else fails as the platform's JSON parser does. */
export function asObject(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw jsonParserError('Cannot deserialize instance of object from non-object value');
  }
  return v as Record<string, unknown>;
}

/** A record as the REST API prints it: `attributes` first, then the asked fields. */
export function toRecordBody(
  obj: ObjectDef,
  fields: Record<string, unknown>,
  names: readonly string[],
  baseUrl: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: obj.name, url: `${baseUrl}/sobjects/${obj.name}/${String(fields.Id)}` },
  };
  for (const n of names) out[n] = fields[n] ?? null;
  return out;
}

/**
 * Field value checks and conversions, with the error codes and messages Salesforce uses.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode
 */
import { SalesforceApiError } from './errors.ts';
import { isWellFormedId } from './ids.ts';
import type { FieldDef, ObjectDef } from './schema.ts';

/** Format epoch ms the way the REST API prints datetimes: `2021-04-14T13:50:54.000+0000`. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Parse a REST/SOQL datetime (`...Z`, `...+0000`, `...+01:00`) to epoch ms, or NaN. */
export function parseDateTime(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)?$/.exec(s);
  if (!m) return Number.NaN;
  const zone = m[2] ?? 'Z';
  const normalized = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return Date.parse(`${m[1]}${normalized}`);
}

// Pragmatic RFC 5322 subset; Salesforce rejects addresses without a dotted domain or with spaces.
const EMAIL_RE =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

const fieldErr = (code: string, message: string, field: string): SalesforceApiError =>
  new SalesforceApiError(400, code, message, [field]);

/**
 * Check and convert one input value for a field. Strings are trimmed of nothing (Salesforce
 * keeps them as sent); `''` is stored as null, as the platform does for text fields.
 */
export function coerceValue(def: FieldDef, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (def.type) {
    case 'string':
    case 'textarea':
    case 'phone':
    case 'url':
    case 'email':
    case 'picklist': {
      if (typeof raw === 'object') throw jsonMismatch(def, raw);
      const s = String(raw);
      if (s === '') return null;
      if (def.length !== undefined && s.length > def.length) {
        throw fieldErr(
          'STRING_TOO_LONG',
          `${def.label}: data value too large: ${s.slice(0, 80)} (max length=${def.length})`,
          def.name,
        );
      }
      if (def.type === 'email' && !EMAIL_RE.test(s)) {
        throw fieldErr('INVALID_EMAIL_ADDRESS', `${def.label}: invalid email address: ${s}`, def.name);
      }
      if (def.type === 'picklist' && def.restrictedPicklist && !(def.picklist ?? []).includes(s)) {
        throw fieldErr(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${def.label}: bad value for restricted picklist field: ${s}`,
          def.name,
        );
      }
      return s;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw jsonMismatch(def, raw);
    case 'int':
    case 'double':
    case 'currency': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN;
      if (!Number.isFinite(n)) throw jsonMismatch(def, raw);
      if (def.type === 'int' && !Number.isInteger(n)) throw jsonMismatch(def, raw);
      return n;
    }
    case 'date':
      if (typeof raw !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(raw)) throw jsonMismatch(def, raw);
      return raw;
    case 'datetime': {
      const ms = typeof raw === 'string' ? parseDateTime(raw) : Number.NaN;
      if (Number.isNaN(ms)) throw jsonMismatch(def, raw);
      return sfDateTime(ms);
    }
    case 'id':
    case 'reference': {
      if (typeof raw !== 'string' || !isWellFormedId(raw)) {
        throw fieldErr('MALFORMED_ID', `${def.label}: id value of incorrect type: ${String(raw)}`, def.name);
      }
      return raw.length === 15 ? raw : raw;
    }
  }
  return raw;
}

function jsonMismatch(def: FieldDef, raw: unknown): SalesforceApiError {
  const kind =
    def.type === 'boolean'
      ? 'boolean'
      : ['int', 'double', 'currency'].includes(def.type)
        ? 'double'
        : def.type === 'date'
          ? 'date'
          : def.type === 'datetime'
            ? 'datetime'
            : 'string';
  return new SalesforceApiError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${kind} from ${typeof raw === 'string' ? 'VALUE_STRING' : typeof raw === 'number' ? 'VALUE_NUMBER' : 'START_OBJECT'} value ${JSON.stringify(raw)} or request may be missing a required field`,
  );
}

/** `INVALID_FIELD` for a name that is not a field of the object. */
export function noSuchField(obj: ObjectDef, name: string): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'INVALID_FIELD',
    `No such column '${name}' on sobject of type ${obj.name}`,
  );
}

/** `INVALID_FIELD_FOR_INSERT_UPDATE` for a read-only field in a write. */
export function notWritable(names: string[]): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'INVALID_FIELD_FOR_INSERT_UPDATE',
    `Unable to create/update fields: ${names.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
    names,
  );
}

/** `REQUIRED_FIELD_MISSING`. */
export function requiredMissing(names: string[]): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'REQUIRED_FIELD_MISSING',
    `Required fields are missing: [${names.join(', ')}]`,
    names,
  );
}

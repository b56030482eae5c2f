import type { FieldMapping, PicklistTable } from './field-mapping.ts';
import type { FieldValue } from './entities.ts';
import type { CrmSide } from './notice.ts';
import { InvalidValueError, PicklistUnmappedError } from './sync-rule-error.ts';

/** Picklist value tables by name (`config.picklists`). */
export type PicklistTables = Record<string, PicklistTable>;

/** Blank means null, undefined or empty after trim (issue 4); blank values compare equal to each other. */
export function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const EPOCH_MS = /^-?\d{1,16}$/;

function toDate(raw: string | number, field: string, expected: string): Date {
  // HubSpot sends dates/datetimes as ISO strings in v3, older payloads as epoch ms; Salesforce as ISO
  // with a +0000 offset, which Date.parse accepts.
  const date = typeof raw === 'number' || EPOCH_MS.test(raw) ? new Date(Number(raw)) : new Date(raw);
  if (Number.isNaN(date.getTime())) throw new InvalidValueError(field, raw, expected);
  return date;
}

/** The table of a picklist mapping, or a clear error when the config names none. */
function tableOf(mapping: FieldMapping, picklists: PicklistTables): { name: string; table: PicklistTable } {
  const name = mapping.picklist ?? '';
  const table = picklists[name];
  if (!table) throw new InvalidValueError(mapping.hubspot, name, 'picklist table name (none configured)');
  return { name, table };
}

/** Salesforce → HubSpot: the explicit reverse table, else the first HubSpot value mapped to it. */
function salesforceToHubSpot(table: PicklistTable, value: string): string | undefined {
  if (table.salesforceToHubspot) return table.salesforceToHubspot[value];
  return Object.entries(table.hubspotToSalesforce).find(([, sf]) => sf === value)?.[0];
}

/**
 * Normalizes a value read from one side into the canonical form used for comparing and for the
 * snapshot: `null` for blank; strings trimmed; email lower-case (NFC); numbers canonical (`1.50` →
 * `1.5`); dates `YYYY-MM-DD`; datetimes ISO-8601 UTC; booleans `true`/`false`; picklists in the
 * HubSpot value space.
 *
 * A HubSpot picklist value is canonicalized through a round trip of the tables, so two HubSpot values
 * that map to one Salesforce value compare equal to it (otherwise a lossy table would ping-pong);
 * a HubSpot value missing from the table is kept as-is and fails only when written to Salesforce.
 *
 * @throws PicklistUnmappedError for a Salesforce picklist value with no mapping.
 * @throws InvalidValueError for a value that is not of the mapping's type.
 */
export function normalizeValue(
  value: FieldValue | undefined,
  mapping: FieldMapping,
  side: CrmSide,
  picklists: PicklistTables,
): string | null {
  if (isBlank(value)) return null;
  const field = side === 'hubspot' ? mapping.hubspot : mapping.salesforce;
  const text = typeof value === 'string' ? value.trim() : String(value);
  switch (mapping.type) {
    case 'string':
    case 'phone':
      return text;
    case 'email':
      return text.normalize('NFC').toLowerCase();
    case 'number': {
      const n = typeof value === 'number' ? value : Number(text);
      if (!Number.isFinite(n)) throw new InvalidValueError(field, value, 'number');
      return String(n);
    }
    case 'date': {
      if (DATE_ONLY.test(text)) {
        toDate(`${text}T00:00:00Z`, field, 'date');
        return text;
      }
      return toDate(typeof value === 'number' ? value : text, field, 'date')
        .toISOString()
        .slice(0, 10);
    }
    case 'datetime':
      return toDate(typeof value === 'number' ? value : text, field, 'datetime').toISOString();
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return 'true';
      if (lower === 'false' || lower === '0') return 'false';
      throw new InvalidValueError(field, value, 'boolean');
    }
    case 'picklist': {
      const { name, table } = tableOf(mapping, picklists);
      if (side === 'salesforce') {
        const hs = salesforceToHubSpot(table, text);
        if (hs === undefined) throw new PicklistUnmappedError(field, text, name, 'salesforce-to-hubspot');
        return hs;
      }
      const sf = table.hubspotToSalesforce[text];
      if (sf === undefined) return text;
      return salesforceToHubSpot(table, sf) ?? text;
    }
  }
}

/**
 * Converts a canonical value to what is written to one side. HubSpot takes strings and `''` to clear
 * a property; Salesforce takes typed values (number, boolean) and `null` to clear a field, and
 * picklist values translated through the table.
 *
 * @throws PicklistUnmappedError when a HubSpot picklist value has no Salesforce mapping.
 */
export function toSideValue(
  normalized: string | null,
  mapping: FieldMapping,
  side: CrmSide,
  picklists: PicklistTables,
): FieldValue {
  if (side === 'hubspot') return normalized ?? '';
  if (normalized === null) return null;
  switch (mapping.type) {
    case 'number':
      return Number(normalized);
    case 'boolean':
      return normalized === 'true';
    case 'picklist': {
      const { name, table } = tableOf(mapping, picklists);
      const sf = table.hubspotToSalesforce[normalized];
      if (sf === undefined)
        throw new PicklistUnmappedError(mapping.hubspot, normalized, name, 'hubspot-to-salesforce');
      return sf;
    }
    default:
      return normalized;
  }
}

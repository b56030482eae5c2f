import type { FieldMapping } from '../config.ts';
import { normalizeValue, type PicklistTables } from '../domain/normalize.ts';
import type { CrmSide } from '../domain/notice.ts';
import type { FieldValue } from '../ports.ts';
import type { TraceField } from './services.ts';

function asFieldValue(value: unknown): FieldValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  return String(value);
}

/** The canonical value, or undefined when it cannot be read (e.g. an unmapped picklist value). */
function canonical(
  value: unknown,
  mapping: FieldMapping,
  side: CrmSide,
  picklists: PicklistTables,
): string | null | undefined {
  try {
    return normalizeValue(asFieldValue(value), mapping, side, picklists);
  } catch {
    return undefined;
  }
}

/**
 * Compares a pair's mapped fields in the processor's canonical form (`normalizeValue`), so "in sync"
 * means what the processor means by it: trimmed, e-mail case-insensitive, picklists through the table.
 * A side that is missing (not linked yet) reads as blank and its fields as not in sync.
 */
export function compareMappedFields(
  mappings: readonly FieldMapping[],
  hubspot: Record<string, string | null> | undefined,
  salesforce: Record<string, unknown> | undefined,
  picklists: PicklistTables,
): TraceField[] {
  return mappings.map((m) => {
    const hs = hubspot ? canonical(hubspot[m.hubspot], m, 'hubspot', picklists) : undefined;
    const sf = salesforce ? canonical(salesforce[m.salesforce], m, 'salesforce', picklists) : undefined;
    return {
      hubspot: m.hubspot,
      salesforce: m.salesforce,
      rule: m.rule,
      hubspotValue: hs ?? null,
      salesforceValue: sf ?? null,
      inSync: hs !== undefined && sf !== undefined && hs === sf,
    };
  });
}

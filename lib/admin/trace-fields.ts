import type { FieldMapping, SyncRule } from '../config.ts';
import { decideField } from '../domain/field-rules.ts';
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
 * Whether a value just edited on `from` reaches the other side, asked of the sync rule itself
 * (`decideField`): the edited side changed later than the other, which still holds what was last
 * synced. It does when the rule keeps the edited value and writes it across. For
 * `prefer-salesforce-unless-blank` a HubSpot edit reaches Salesforce only while Salesforce is blank.
 */
export function editReachesOtherSide(
  rule: SyncRule,
  values: { hubspot: string | null; salesforce: string | null },
  from: CrmSide,
): boolean {
  const fromHubSpot = from === 'hubspot';
  const decision = decideField(rule, {
    ...values,
    snapshot: fromHubSpot ? values.salesforce : values.hubspot,
    hubspotChangedAt: fromHubSpot ? 1 : 0,
    salesforceChangedAt: fromHubSpot ? 0 : 1,
  });
  if (decision.kind !== 'value' || decision.value !== values[from]) return false;
  return fromHubSpot ? decision.writeSalesforce : decision.writeHubSpot;
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
    const values = { hubspot: hs ?? null, salesforce: sf ?? null };
    return {
      hubspot: m.hubspot,
      salesforce: m.salesforce,
      rule: m.rule,
      hubspotValue: values.hubspot,
      salesforceValue: values.salesforce,
      inSync: hs !== undefined && sf !== undefined && hs === sf,
      flowsFrom: {
        hubspot: editReachesOtherSide(m.rule, values, 'hubspot'),
        salesforce: editReachesOtherSide(m.rule, values, 'salesforce'),
      },
    };
  });
}

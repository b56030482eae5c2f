/**
 * The checks a write goes through before it touches the org, with the platform's errors: field
 * names and writability, value types, required fields, and the standard duplicate rule's answer.
 * Also the derived values a write fills in (Name, the changed fields of a create).
 */
import { SalesforceApiError } from './errors.ts';
import type { ObjectDef } from './schema.ts';
import { coerceValue, noSuchField, notWritable, requiredMissing } from './values.ts';

/** Check and convert an input body; throws the first error Salesforce would report. */
export function coerceInput(
  obj: ObjectDef,
  input: Record<string, unknown>,
  mode: 'create' | 'update',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const readOnly: string[] = [];
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'attributes' || (key === 'Id' && mode === 'update')) continue;
    const def = obj.byLowerName.get(key.toLowerCase());
    if (!def) throw noSuchField(obj, key);
    if (mode === 'create' ? !def.createable : !def.updateable) {
      readOnly.push(def.name);
      continue;
    }
    out[def.name] = coerceValue(def, raw);
  }
  if (readOnly.length > 0) throw notWritable(readOnly);
  return out;
}

/** The required fields a write leaves empty fail with REQUIRED_FIELD_MISSING. */
export function checkRequired(obj: ObjectDef, values: Record<string, unknown>, onlyGiven: boolean): void {
  // On create, defaulted fields are filled in first; on update, clearing any required field fails.
  const missing = obj.fields
    .filter((d) => !d.nillable && d.createable && d.type !== 'boolean' && d.name !== 'OwnerId')
    .filter((d) => onlyGiven || d.defaultValue === undefined)
    .filter(
      (d) =>
        (onlyGiven ? d.name in values : true) && (values[d.name] === null || values[d.name] === undefined),
    )
    .map((d) => d.name);
  if (missing.length > 0) throw requiredMissing(missing);
}

/** DUPLICATES_DETECTED as a standard duplicate rule answers it: the alert text and the REST body's duplicateResult. */
export function duplicatesDetected(obj: ObjectDef, id: string): SalesforceApiError {
  return new SalesforceApiError(400, 'DUPLICATES_DETECTED', 'Use one of these records?', [], {
    duplicateResult: {
      allowSave: false,
      duplicateRule: `Standard_${obj.name}_Duplicate_Rule`,
      duplicateRuleEntityType: obj.name,
      errorMessage: 'Use one of these records?',
      matchResults: [
        {
          entityType: obj.name,
          errors: [],
          matchEngine: 'FuzzyMatchEngine',
          matchRecords: [
            {
              additionalInformation: [],
              fieldDiffs: [],
              matchConfidence: 100,
              record: {
                attributes: { type: obj.name, url: `/services/data/v64.0/sobjects/${obj.name}/${id}` },
                Id: id,
              },
            },
          ],
          rule: `Standard_${obj.name}_Match_Rule_v1_1`,
          size: 1,
          success: true,
        },
      ],
    },
  });
}

/** A person's Name as the platform derives it from FirstName and LastName. */
export function fullName(fields: Record<string, unknown>): string {
  return [fields.FirstName, fields.LastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
}

/** The fields a created or undeleted record holds, for its change event. */
export function writableNonNull(obj: ObjectDef, fields: Record<string, unknown>): string[] {
  return obj.fields
    .filter((d) => fields[d.name] !== null && fields[d.name] !== undefined && d.name !== 'IsDeleted')
    .map((d) => d.name);
}

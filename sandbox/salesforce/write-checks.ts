/**
 * The checks a write goes through before it touches the org, with the platform's errors: the
 * object's writability, field names and writability, value types, required fields, references
 * (lookups and owners), and the standard duplicate rule's answer.
 * Also the derived values a write fills in (Name, the changed fields of a create).
 */
import { SalesforceApiError, unsupportedType } from './errors.ts';
import { CONTACT, type ObjectDef, READ_ONLY_OBJECTS, findObject, objectForId } from './schema.ts';
import type { SfRecord } from './transaction.ts';
import { coerceValue, noSuchField, notWritable, requiredMissing } from './values.ts';

/** The object a write names; User and Group are read-only here (the integration user cannot manage users). */
export function writable(typeName: string): ObjectDef {
  const obj = findObject(typeName);
  if (!obj) throw unsupportedType(typeName);
  if (READ_ONLY_OBJECTS.has(obj)) {
    throw new SalesforceApiError(
      400,
      'INSUFFICIENT_ACCESS_OR_READONLY',
      obj.name.endsWith('History')
        ? `insufficient access rights on object ${obj.name}: field history rows are written by the platform when a tracked field changes`
        : `insufficient access rights on object ${obj.name}: the sandbox's users and queues are added through its control API, not the REST API`,
    );
  }
  return obj;
}

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

/**
 * Lookups must name a live record of a type the field references: another type answers
 * FIELD_INTEGRITY_EXCEPTION ("id value of incorrect type"), a missing or deleted record
 * INVALID_CROSS_REFERENCE_KEY. An owner must be an active User (INACTIVE_OWNER_OR_USER) or,
 * for a Lead, a queue. `get` reads a record by id from the org.
 */
export function checkRefs(
  obj: ObjectDef,
  values: Record<string, unknown>,
  get: (id: string) => SfRecord | undefined,
): void {
  if (obj === CONTACT && typeof values.AccountId === 'string')
    checkRef(obj, 'AccountId', values.AccountId, get);
  if (!('OwnerId' in values)) return;
  if (values.OwnerId === null) throw requiredMissing(['OwnerId']);
  const owner = checkRef(obj, 'OwnerId', String(values.OwnerId), get);
  if (owner.type === 'User' && owner.fields.IsActive !== true) {
    throw new SalesforceApiError(
      400,
      'INACTIVE_OWNER_OR_USER',
      `operation performed with inactive user [${String(owner.fields.Id)}] as owner of ${obj.name.toLowerCase()}`,
    );
  }
  if (owner.type === 'Group' && owner.fields.Type !== 'Queue') {
    throw new SalesforceApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      `Owner ID: id value of incorrect type: ${String(owner.fields.Id)}`,
      ['OwnerId'],
    );
  }
}

function checkRef(
  obj: ObjectDef,
  field: string,
  id: string,
  get: (id: string) => SfRecord | undefined,
): SfRecord {
  const def = obj.byLowerName.get(field.toLowerCase());
  const target = objectForId(id);
  if (!target || !def?.referenceTo?.includes(target.name)) {
    throw new SalesforceApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      `${def?.label ?? field}: id value of incorrect type: ${id}`,
      [field],
    );
  }
  const rec = get(id);
  if (!rec || rec.fields.IsDeleted === true) {
    throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field]);
  }
  return rec;
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

/** Only lead conversion may set the converted status; a create or update naming it is refused as Salesforce does. */
export function refuseConvertedStatus(values: Record<string, unknown>): void {
  if (values.Status !== 'Closed - Converted') return;
  throw new SalesforceApiError(
    400,
    'FIELD_INTEGRITY_EXCEPTION',
    'Lead Status: Converted status cannot be set directly',
    ['Status'],
  );
}

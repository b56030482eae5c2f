import type { FieldMapping } from './field-mapping.ts';
import type { FieldValues } from './entities.ts';
import type { CrmSide, SalesforceObject } from './notice.ts';
import { isBlank, normalizeValue, type PicklistTables, toSideValue } from './normalize.ts';
import { type FieldError, toFieldError } from './sync-rule-error.ts';
import type { Snapshot } from './three-way-merge.ts';

/**
 * The values for a new counterpart. `errors` non-empty with `ok: false` means: do not create (a
 * required field is missing). With `ok: true`, `warnings` name fields left out (e.g. an unmapped
 * picklist value); the record is still created without them.
 */
export type CreationResult<T> =
  | { ok: true; value: T; snapshot: Snapshot; warnings: FieldError[] }
  | { ok: false; errors: FieldError[] };

/** The Salesforce objects crmsync creates: Leads and Contacts (contacts), Accounts (companies, C4). */
export type CreatableObject = SalesforceObject | 'Account';

/** The field Salesforce requires to create each object (Lead Company has a configurable default). */
const REQUIRED: Record<CreatableObject, string> = { Lead: 'LastName', Contact: 'LastName', Account: 'Name' };

/**
 * Copies every mapped non-blank value except `dont-sync` from one side to the other (docs/design.md#creation,
 * "On creation of the counterpart ..."), in the target's value form. The snapshot records what both
 * sides then hold (null for blank), so the first merge after creation finds nothing to do.
 */
function copyValues(
  values: Record<string, unknown>,
  mappings: FieldMapping[],
  picklists: PicklistTables,
  from: CrmSide,
): { copied: Map<FieldMapping, string>; snapshot: Snapshot; warnings: FieldError[] } {
  const copied = new Map<FieldMapping, string>();
  const snapshot: Snapshot = {};
  const warnings: FieldError[] = [];
  const to: CrmSide = from === 'hubspot' ? 'salesforce' : 'hubspot';
  for (const mapping of mappings) {
    if (mapping.rule === 'dont-sync') continue;
    const raw = values[from === 'hubspot' ? mapping.hubspot : mapping.salesforce];
    try {
      const normalized = normalizeValue(
        raw as string | number | boolean | null | undefined,
        mapping,
        from,
        picklists,
      );
      if (normalized !== null) toSideValue(normalized, mapping, to, picklists); // validates picklists
      snapshot[mapping.hubspot] = normalized;
      if (normalized !== null) copied.set(mapping, normalized);
    } catch (error) {
      warnings.push(toFieldError(error, mapping.hubspot, isBlank(raw) ? to : from));
    }
  }
  return { copied, snapshot, warnings };
}

/**
 * Values for a new Salesforce Lead/Contact from a HubSpot contact, or a new Account from a HubSpot
 * company (C4, C7). Lead `Company` comes from its mapping or `defaultCompany`. The default is not put
 * in the snapshot (HubSpot's company stays blank there), so under `prefer-salesforce-unless-blank`
 * the next sync copies it to HubSpot, as the native connector does with any Salesforce value. A
 * missing required field (LastName; Name for an Account) is a `missing-required-field` error naming it.
 */
export function valuesForNewSalesforceRecord(
  hubspotValues: Record<string, string | null>,
  mappings: FieldMapping[],
  picklists: PicklistTables,
  options: { objectType: CreatableObject; defaultCompany: string },
): CreationResult<FieldValues> {
  const { copied, snapshot, warnings } = copyValues(hubspotValues, mappings, picklists, 'hubspot');
  const fields: FieldValues = {};
  for (const [mapping, value] of copied)
    fields[mapping.salesforce] = toSideValue(value, mapping, 'salesforce', picklists);
  const required = REQUIRED[options.objectType];
  if (isBlank(fields[required])) {
    const mapping = mappings.find((m) => m.salesforce === required && m.rule !== 'dont-sync');
    return {
      ok: false,
      errors: [
        {
          field: mapping?.hubspot ?? required,
          value: mapping ? (hubspotValues[mapping.hubspot] ?? null) : null,
          side: 'hubspot',
          category: 'missing-required-field',
          message: mapping
            ? `cannot create a Salesforce ${options.objectType}: ${required} is required and HubSpot "${mapping.hubspot}" is blank`
            : `cannot create a Salesforce ${options.objectType}: ${required} is required and no HubSpot property is mapped to it`,
        },
      ],
    };
  }
  if (options.objectType === 'Lead' && isBlank(fields['Company'])) fields['Company'] = options.defaultCompany;
  return { ok: true, value: fields, snapshot, warnings };
}

/**
 * Values for a new HubSpot contact from a Salesforce Lead/Contact, or a new company from an Account
 * (C2, C7): HubSpot requires no property on either.
 */
export function valuesForNewHubSpotRecord(
  salesforceValues: FieldValues,
  mappings: FieldMapping[],
  picklists: PicklistTables,
): CreationResult<Record<string, string>> {
  const { copied, snapshot, warnings } = copyValues(salesforceValues, mappings, picklists, 'salesforce');
  const properties: Record<string, string> = {};
  for (const [mapping, value] of copied) properties[mapping.hubspot] = value;
  return { ok: true, value: properties, snapshot, warnings };
}

/**
 * The snapshot a creation from `from`'s values commits (what both sides hold right after it). Used to
 * link a record crmsync created whose create response was lost, as if the create had committed.
 */
export function creationSnapshot(
  values: Record<string, unknown>,
  mappings: FieldMapping[],
  picklists: PicklistTables,
  from: CrmSide,
): Snapshot {
  return copyValues(values, mappings, picklists, from).snapshot;
}

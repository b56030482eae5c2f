import { z } from 'zod';
import type { SalesforceObject } from '../domain/notice.ts';
import type { FieldValue, FieldValues, SalesforceAccount, SalesforceRecord } from '../ports.ts';

/** A record in a SOQL answer: `attributes`, `Id` and the selected fields. */
export const soqlRecordSchema = z.looseObject({
  attributes: z.looseObject({ type: z.string() }).optional(),
  Id: z.string().min(1),
});

/** `GET /query` and `/query/{locator}` answers (REST API "Query"). */
export const queryResultSchema = z.looseObject({
  totalSize: z.number().optional(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(soqlRecordSchema),
});
export type QueryResult = z.infer<typeof queryResultSchema>;

/** One entry of an sObject Collections answer, in input order (REST API "sObject Collections"). */
export const saveResultSchema = z.looseObject({
  id: z.string().nullish(),
  success: z.boolean(),
  errors: z
    .array(
      z.looseObject({
        statusCode: z.string().optional(),
        errorCode: z.string().optional(),
        message: z.string().optional(),
        fields: z.array(z.string()).optional(),
      }),
    )
    .default([]),
});
export const saveResultsSchema = z.array(saveResultSchema);
export type SaveResult = z.infer<typeof saveResultSchema>;

/** Fields crmsync reads on every record besides the mapped ones (identity, conversion, merges, times). */
export function systemFields(objectType: SalesforceObject | 'Account'): string[] {
  if (objectType === 'Account') return ACCOUNT_SYSTEM_FIELDS;
  // CreatedById tells crmsync's own records (created as the integration user) from everyone else's.
  const common = [
    'Id',
    'Email',
    'SystemModstamp',
    'CreatedDate',
    'CreatedById',
    'IsDeleted',
    'MasterRecordId',
  ];
  return objectType === 'Lead' ? [...common, 'IsConverted', 'ConvertedContactId'] : common;
}

/** The SELECT list: system fields plus the caller's, each once (names compare case-insensitively). */
export function selectFields(objectType: SalesforceObject | 'Account', fields: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of [...systemFields(objectType), ...fields]) {
    const key = f.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}

function time(value: unknown): number {
  // Salesforce writes `2024-01-17T19:55:04.000+0000`, which Date.parse reads.
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function fieldValue(value: unknown): FieldValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  return undefined;
}

/** The fields every synced sObject has in common, read from a SOQL record. */
function toSObject(record: z.infer<typeof soqlRecordSchema>, fields: string[]) {
  const raw = record as Record<string, unknown>;
  const byLower = new Map(Object.keys(raw).map((k) => [k.toLowerCase(), k]));
  const get = (name: string): unknown => {
    const key = byLower.get(name.toLowerCase());
    return key === undefined ? undefined : raw[key];
  };
  const values: FieldValues = {};
  for (const f of fields) {
    const v = fieldValue(get(f));
    values[f] = v === undefined ? null : v;
  }
  const out: SalesforceAccount = {
    id: record.Id,
    fields: values,
    modifiedAt: time(get('SystemModstamp')),
    createdAt: time(get('CreatedDate')),
  };
  const createdById = get('CreatedById');
  if (typeof createdById === 'string') out.createdById = createdById;
  const deleted = get('IsDeleted');
  if (typeof deleted === 'boolean') out.isDeleted = deleted;
  const master = get('MasterRecordId');
  if (typeof master === 'string' || master === null) out.masterRecordId = master;
  return { record: out, get };
}

/**
 * Converts a SOQL record to the port's SalesforceRecord. `fields` holds the caller's fields under the
 * names the caller used (SOQL answers use the schema's casing, which may differ).
 */
export function toSalesforceRecord(
  objectType: SalesforceObject,
  record: z.infer<typeof soqlRecordSchema>,
  fields: string[],
): SalesforceRecord {
  const { record: common, get } = toSObject(record, fields);
  const out: SalesforceRecord = { ...common, objectType };
  if (objectType === 'Lead') {
    const converted = get('IsConverted');
    if (typeof converted === 'boolean') out.isConverted = converted;
    const contactId = get('ConvertedContactId');
    if (typeof contactId === 'string' || contactId === null) out.convertedContactId = contactId;
  }
  return out;
}

/** Fields read on every Account besides the mapped ones (times, merges C9, owner O1). */
export const ACCOUNT_SYSTEM_FIELDS = [
  'Id',
  'SystemModstamp',
  'CreatedDate',
  'IsDeleted',
  'MasterRecordId',
  'OwnerId',
];

/** Converts a SOQL Account to the port's SalesforceAccount (`fields` as the caller named them). */
export function toSalesforceAccount(
  record: z.infer<typeof soqlRecordSchema>,
  fields: string[],
): SalesforceAccount {
  return toSObject(record, fields).record;
}

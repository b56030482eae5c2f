import { type PropertyDefinition, defaultCompanyProperties, defaultContactProperties } from './properties.ts';

/**
 * What differs between the CRM object types the sandbox serves through the same store and
 * routes: the URL segment, the object type id, the properties a read returns by default and
 * the fields a search `query` looks at (https://developers.hubspot.com/docs/api/crm/search).
 */
export interface ObjectKind {
  /** Path segment under `/crm/v3/objects/`. */
  plural: 'contacts' | 'companies';
  /** Singular, as webhook subscription types spell it (`contact.creation`). */
  singular: 'contact' | 'company';
  /** HubSpot's object type id. */
  typeId: '0-1' | '0-2';
  /** Upper-case name used in error messages ("Could not get some COMPANY objects"). */
  label: 'CONTACT' | 'COMPANY';
  /** Properties a read returns when the request names none. */
  defaultProperties: readonly string[];
  /** Properties HubSpot always adds to an explicit `properties` list. */
  alwaysProperties: readonly string[];
  /** Properties the free-text search `query` matches. */
  queryProperties: readonly string[];
  properties(): PropertyDefinition[];
}

export const CONTACTS: ObjectKind = {
  plural: 'contacts',
  singular: 'contact',
  typeId: '0-1',
  label: 'CONTACT',
  defaultProperties: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  alwaysProperties: ['createdate', 'hs_object_id', 'lastmodifieddate'],
  queryProperties: ['email', 'firstname', 'lastname', 'phone', 'company', 'hs_object_id'],
  properties: defaultContactProperties,
};

/** Companies carry `hs_lastmodifieddate` only (no `lastmodifieddate`) and default to name and domain. */
export const COMPANIES: ObjectKind = {
  plural: 'companies',
  singular: 'company',
  typeId: '0-2',
  label: 'COMPANY',
  defaultProperties: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  alwaysProperties: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  queryProperties: ['name', 'domain', 'website', 'phone', 'hs_object_id'],
  properties: defaultCompanyProperties,
};

/** Resolve an object type as URLs name it (`contacts`, `contact`, `0-1`, …). */
export function objectKind(name: string | undefined): ObjectKind | undefined {
  const n = (name ?? '').toLowerCase();
  if (n === 'contacts' || n === 'contact' || n === '0-1') return CONTACTS;
  if (n === 'companies' || n === 'company' || n === '0-2') return COMPANIES;
  return undefined;
}

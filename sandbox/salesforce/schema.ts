/**
 * Field definitions for the standard objects the sandbox emulates (Lead, Contact, Account,
 * and the read-only User and Group that owner fields point at):
 * the subset of standard fields crmsync maps, with the types, lengths and picklist values a
 * default org has. Source: Object Reference for Lead / Contact / Account.
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm
 */
import { KEY_PREFIX } from './ids.ts';

/** Salesforce SOAP/REST field types used here. */
export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'datetime'
  | 'date'
  | 'reference'
  | 'double'
  | 'int'
  | 'currency';

/** One field of an object. */
export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length?: number;
  /** false: required on create (REQUIRED_FIELD_MISSING when absent or blank). */
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  picklist?: readonly string[];
  defaultValue?: string;
  restrictedPicklist?: boolean;
  referenceTo?: string[];
  /** System fields are maintained by the platform and never in outbound/CDC change lists. */
  system?: boolean;
  /** CDC compound field this component belongs to (`Name`, `Address`, `MailingAddress`). */
  compound?: { field: string; component: string };
}

/** An object's schema. */
export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
  byLowerName: Map<string, FieldDef>;
}

/** Lead Status values of a default org (Lead Process "Default"). */
export const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
] as const;

const SALUTATIONS = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.', 'Mx.'];
const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const INDUSTRIES = [
  'Agriculture',
  'Apparel',
  'Banking',
  'Biotechnology',
  'Chemicals',
  'Communications',
  'Construction',
  'Consulting',
  'Education',
  'Electronics',
  'Energy',
  'Engineering',
  'Entertainment',
  'Environmental',
  'Finance',
  'Food & Beverage',
  'Government',
  'Healthcare',
  'Hospitality',
  'Insurance',
  'Machinery',
  'Manufacturing',
  'Media',
  'Not For Profit',
  'Recreation',
  'Retail',
  'Shipping',
  'Technology',
  'Telecommunications',
  'Transportation',
  'Utilities',
  'Other',
];
const RATINGS = ['Hot', 'Warm', 'Cold'];
const ACCOUNT_TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'];
/** `Standard` is a licensed internal user; the others are portal/community or automated users. */
const USER_TYPES = [
  'Standard',
  'PowerPartner',
  'CspLitePortal',
  'CustomerSuccess',
  'PowerCustomerSuccess',
  'CsnOnly',
  'AutomatedProcess',
];

const f = (name: string, label: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type,
  nillable: true,
  createable: true,
  updateable: true,
  ...extra,
});
const sys = (name: string, label: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef =>
  f(name, label, type, { createable: false, updateable: false, system: true, ...extra });

const commonHead = (): FieldDef[] => [
  sys('Id', 'Record ID', 'id', { length: 18, nillable: false }),
  sys('IsDeleted', 'Deleted', 'boolean', { nillable: false }),
  sys('MasterRecordId', 'Master Record ID', 'reference', { length: 18 }),
];
const audit = (): FieldDef[] => [
  sys('CreatedDate', 'Created Date', 'datetime', { nillable: false }),
  sys('CreatedById', 'Created By ID', 'reference', { length: 18, nillable: false, referenceTo: ['User'] }),
  sys('LastModifiedDate', 'Last Modified Date', 'datetime', { nillable: false }),
  sys('LastModifiedById', 'Last Modified By ID', 'reference', {
    length: 18,
    nillable: false,
    referenceTo: ['User'],
  }),
  sys('SystemModstamp', 'System Modstamp', 'datetime', { nillable: false }),
];
/** OwnerId then the audit fields; a Lead may also be owned by a queue (a Group). */
const commonTail = (ownerTypes: string[] = ['User']): FieldDef[] => [
  f('OwnerId', 'Owner ID', 'reference', { length: 18, nillable: false, referenceTo: ownerTypes }),
  ...audit(),
];
const person = (): FieldDef[] => [
  f('LastName', 'Last Name', 'string', {
    length: 80,
    nillable: false,
    compound: { field: 'Name', component: 'LastName' },
  }),
  f('FirstName', 'First Name', 'string', { length: 40, compound: { field: 'Name', component: 'FirstName' } }),
  f('Salutation', 'Salutation', 'picklist', {
    length: 40,
    picklist: SALUTATIONS,
    compound: { field: 'Name', component: 'Salutation' },
  }),
  sys('Name', 'Full Name', 'string', { length: 121, nillable: false }),
];
const address = (prefix: string, compoundField: string): FieldDef[] =>
  ['Street', 'City', 'State', 'PostalCode', 'Country'].map((c) =>
    f(
      `${prefix}${c}`,
      `${prefix ? `${prefix} ` : ''}${c === 'PostalCode' ? 'Zip/Postal Code' : c}`,
      c === 'Street' ? 'textarea' : 'string',
      {
        length: c === 'Street' ? 255 : c === 'PostalCode' ? 20 : 80,
        compound: { field: compoundField, component: c },
      },
    ),
  );

function objectDef(
  name: string,
  label: string,
  labelPlural: string,
  keyPrefix: string,
  fields: FieldDef[],
): ObjectDef {
  return {
    name,
    label,
    labelPlural,
    keyPrefix,
    fields,
    byLowerName: new Map(fields.map((d) => [d.name.toLowerCase(), d])),
  };
}

/** Lead: LastName and Company required; Status a restricted picklist defaulting to the first value. */
export const LEAD = objectDef('Lead', 'Lead', 'Leads', KEY_PREFIX.Lead, [
  ...commonHead(),
  ...person(),
  f('Title', 'Title', 'string', { length: 128 }),
  f('Company', 'Company', 'string', { length: 255, nillable: false }),
  ...address('', 'Address'),
  f('Phone', 'Phone', 'phone', { length: 40 }),
  f('MobilePhone', 'Mobile Phone', 'phone', { length: 40 }),
  f('Email', 'Email', 'email', { length: 80 }),
  f('Website', 'Website', 'url', { length: 255 }),
  f('Description', 'Description', 'textarea', { length: 32000 }),
  f('LeadSource', 'Lead Source', 'picklist', {
    length: 255,
    picklist: LEAD_SOURCES,
    restrictedPicklist: true,
  }),
  f('Status', 'Status', 'picklist', {
    length: 255,
    nillable: false,
    picklist: LEAD_STATUSES,
    restrictedPicklist: true,
    defaultValue: 'Open - Not Contacted',
  }),
  f('Industry', 'Industry', 'picklist', { length: 255, picklist: INDUSTRIES, restrictedPicklist: true }),
  f('Rating', 'Rating', 'picklist', { length: 255, picklist: RATINGS, restrictedPicklist: true }),
  f('AnnualRevenue', 'Annual Revenue', 'currency'),
  f('NumberOfEmployees', 'Employees', 'int'),
  f('HasOptedOutOfEmail', 'Email Opt Out', 'boolean', { nillable: false, defaultValue: 'false' }),
  sys('IsConverted', 'Converted', 'boolean', { nillable: false }),
  sys('ConvertedDate', 'Converted Date', 'date'),
  sys('ConvertedAccountId', 'Converted Account ID', 'reference', { length: 18, referenceTo: ['Account'] }),
  sys('ConvertedContactId', 'Converted Contact ID', 'reference', { length: 18, referenceTo: ['Contact'] }),
  sys('ConvertedOpportunityId', 'Converted Opportunity ID', 'reference', {
    length: 18,
    referenceTo: ['Opportunity'],
  }),
  ...commonTail(['Group', 'User']),
]);

/** Contact: LastName required; optional AccountId. */
export const CONTACT = objectDef('Contact', 'Contact', 'Contacts', KEY_PREFIX.Contact, [
  ...commonHead(),
  f('AccountId', 'Account ID', 'reference', { length: 18, referenceTo: ['Account'] }),
  ...person(),
  ...address('Mailing', 'MailingAddress'),
  f('Phone', 'Business Phone', 'phone', { length: 40 }),
  f('MobilePhone', 'Mobile Phone', 'phone', { length: 40 }),
  f('Email', 'Email', 'email', { length: 80 }),
  f('Title', 'Title', 'string', { length: 128 }),
  f('Department', 'Department', 'string', { length: 80 }),
  f('LeadSource', 'Lead Source', 'picklist', {
    length: 255,
    picklist: LEAD_SOURCES,
    restrictedPicklist: true,
  }),
  f('Birthdate', 'Birthdate', 'date'),
  f('Description', 'Contact Description', 'textarea', { length: 32000 }),
  f('HasOptedOutOfEmail', 'Email Opt Out', 'boolean', { nillable: false, defaultValue: 'false' }),
  ...commonTail(),
]);

/** Account: Name required; the standard fields a company maps to. */
export const ACCOUNT = objectDef('Account', 'Account', 'Accounts', KEY_PREFIX.Account, [
  ...commonHead(),
  f('Name', 'Account Name', 'string', { length: 255, nillable: false }),
  f('Website', 'Website', 'url', { length: 255 }),
  f('Phone', 'Account Phone', 'phone', { length: 40 }),
  f('Industry', 'Industry', 'picklist', { length: 255, picklist: INDUSTRIES, restrictedPicklist: true }),
  f('Type', 'Account Type', 'picklist', { length: 255, picklist: ACCOUNT_TYPES, restrictedPicklist: true }),
  f('Description', 'Account Description', 'textarea', { length: 32000 }),
  f('NumberOfEmployees', 'Employees', 'int'),
  f('AnnualRevenue', 'Annual Revenue', 'currency'),
  ...address('Billing', 'BillingAddress'),
  ...commonTail(),
]);

/** User: read-only here (no Manage Users permission for the integration user). */
export const USER = objectDef('User', 'User', 'Users', KEY_PREFIX.User, [
  sys('Id', 'User ID', 'id', { length: 18, nillable: false }),
  sys('Username', 'Username', 'string', { length: 80, nillable: false }),
  sys('Email', 'Email', 'email', { length: 128, nillable: false }),
  sys('FirstName', 'First Name', 'string', { length: 40 }),
  sys('LastName', 'Last Name', 'string', { length: 80, nillable: false }),
  sys('Name', 'Full Name', 'string', { length: 121, nillable: false }),
  sys('IsActive', 'Active', 'boolean', { nillable: false }),
  sys('UserType', 'User Type', 'picklist', { length: 40, picklist: USER_TYPES, nillable: false }),
  ...audit(),
]);

/** Group: queues that may own Leads (`Type = 'Queue'`); read-only here. */
export const GROUP = objectDef('Group', 'Group', 'Groups', KEY_PREFIX.Group, [
  sys('Id', 'Group ID', 'id', { length: 18, nillable: false }),
  sys('Name', 'Name', 'string', { length: 40, nillable: false }),
  sys('DeveloperName', 'Developer Name', 'string', { length: 80, nillable: false }),
  sys('Type', 'Type', 'picklist', { length: 40, picklist: ['Queue', 'Regular'], nillable: false }),
  sys('Email', 'Email', 'email', { length: 255 }),
  ...audit(),
]);

/**
 * ContactHistory / LeadHistory: one row per change of a field whose Field History Tracking is on (and a
 * `created` row when a tracked object's record is created); read-only, queried by SOQL.
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contacthistory.htm
 */
const historyDef = (parent: 'Contact' | 'Lead'): ObjectDef =>
  objectDef(`${parent}History`, `${parent} History`, `${parent} History`, KEY_PREFIX.FieldHistory, [
    sys('Id', `${parent} History ID`, 'id', { length: 18, nillable: false }),
    sys('IsDeleted', 'Deleted', 'boolean', { nillable: false }),
    sys(`${parent}Id`, `${parent} ID`, 'reference', { length: 18, nillable: false, referenceTo: [parent] }),
    sys('Field', 'Changed Field', 'string', { length: 255, nillable: false }),
    sys('OldValue', 'Old Value', 'string', { length: 255 }),
    sys('NewValue', 'New Value', 'string', { length: 255 }),
    sys('CreatedDate', 'Created Date', 'datetime', { nillable: false }),
    sys('CreatedById', 'Created By ID', 'reference', { length: 18, nillable: false, referenceTo: ['User'] }),
  ]);
export const CONTACT_HISTORY = historyDef('Contact');
export const LEAD_HISTORY = historyDef('Lead');

/** Objects by API name. */
export const OBJECTS: ReadonlyMap<string, ObjectDef> = new Map([
  ['Lead', LEAD],
  ['Contact', CONTACT],
  ['Account', ACCOUNT],
  ['User', USER],
  ['Group', GROUP],
  ['ContactHistory', CONTACT_HISTORY],
  ['LeadHistory', LEAD_HISTORY],
]);

/** Objects the API may not write here (User, Group, field history): see `docs/sandbox-salesforce.md`. */
export const READ_ONLY_OBJECTS: ReadonlySet<ObjectDef> = new Set([
  USER,
  GROUP,
  CONTACT_HISTORY,
  LEAD_HISTORY,
]);

/** Look up an object case-insensitively (URLs and SOQL are case-insensitive on names). */
export function findObject(name: string): ObjectDef | undefined {
  const lower = name.toLowerCase();
  for (const def of OBJECTS.values()) if (def.name.toLowerCase() === lower) return def;
  return undefined;
}

/** The object an id belongs to, by key prefix. */
export function objectForId(id: string): ObjectDef | undefined {
  const prefix = id.slice(0, 3);
  for (const def of OBJECTS.values()) if (def.keyPrefix === prefix) return def;
  return undefined;
}

/** One option of an enumeration property, as the Properties API returns it. */
export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

/** A contact property definition (subset of HubSpot's `Property` model). */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  fieldType: string;
  description: string;
  groupName: string;
  options: PropertyOption[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
  formField: boolean;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

const EPOCH = '2019-08-06T02:43:00.000Z';

function opts(pairs: [string, string][]): PropertyOption[] {
  return pairs.map(([value, label], i) => ({ label, value, displayOrder: i, hidden: false }));
}

function def(
  name: string,
  label: string,
  type: PropertyDefinition['type'],
  fieldType: string,
  more: Partial<PropertyDefinition> = {},
): PropertyDefinition {
  return {
    name,
    label,
    type,
    fieldType,
    description: '',
    groupName: 'contactinformation',
    options: [],
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    hidden: false,
    hubspotDefined: true,
    formField: true,
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false },
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archived: false,
    ...more,
  };
}

const readOnly = { archivable: false, readOnlyDefinition: true, readOnlyValue: true };

/** Internal values of the default lifecycle stages (HubSpot's `lifecyclestage` options). */
export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;

/** Values of `hs_lead_status`. */
export const LEAD_STATUSES = [
  'NEW',
  'OPEN',
  'IN_PROGRESS',
  'OPEN_DEAL',
  'UNQUALIFIED',
  'ATTEMPTED_TO_CONTACT',
  'CONNECTED',
  'BAD_TIMING',
] as const;

/**
 * The contact properties the sandbox knows, modelled on a fresh Professional portal.
 * Writes to names not in this table fail like HubSpot's PROPERTY_DOESNT_EXIST.
 */
export function defaultContactProperties(): PropertyDefinition[] {
  return [
    def('email', 'Email', 'string', 'text', { hasUniqueValue: false }),
    def('firstname', 'First Name', 'string', 'text'),
    def('lastname', 'Last Name', 'string', 'text'),
    def('phone', 'Phone Number', 'string', 'phonenumber'),
    def('mobilephone', 'Mobile Phone Number', 'string', 'phonenumber'),
    def('jobtitle', 'Job Title', 'string', 'text'),
    def('company', 'Company Name', 'string', 'text'),
    def('website', 'Website URL', 'string', 'text'),
    def('address', 'Street Address', 'string', 'text'),
    def('city', 'City', 'string', 'text'),
    def('state', 'State/Region', 'string', 'text'),
    def('zip', 'Postal Code', 'string', 'text'),
    def('country', 'Country/Region', 'string', 'text'),
    def('industry', 'Industry', 'string', 'text'),
    def('numemployees', 'Number of Employees', 'enumeration', 'select', {
      options: opts([
        ['1-5', '1-5'],
        ['5-25', '5-25'],
        ['25-50', '25-50'],
        ['50-100', '50-100'],
        ['100-500', '100-500'],
        ['500-1000', '500-1000'],
        ['1000+', '1000+'],
      ]),
    }),
    def('annualrevenue', 'Annual Revenue', 'string', 'text'),
    def('hubspot_owner_id', 'Contact owner', 'enumeration', 'select', { externalOptions: true }),
    def('lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', {
      options: opts([
        ['subscriber', 'Subscriber'],
        ['lead', 'Lead'],
        ['marketingqualifiedlead', 'Marketing Qualified Lead'],
        ['salesqualifiedlead', 'Sales Qualified Lead'],
        ['opportunity', 'Opportunity'],
        ['customer', 'Customer'],
        ['evangelist', 'Evangelist'],
        ['other', 'Other'],
      ]),
    }),
    def('hs_lead_status', 'Lead Status', 'enumeration', 'radio', {
      options: opts([
        ['NEW', 'New'],
        ['OPEN', 'Open'],
        ['IN_PROGRESS', 'In Progress'],
        ['OPEN_DEAL', 'Open Deal'],
        ['UNQUALIFIED', 'Unqualified'],
        ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
        ['CONNECTED', 'Connected'],
        ['BAD_TIMING', 'Bad Timing'],
      ]),
    }),
    def('hs_email_optout', 'Unsubscribed from all email', 'bool', 'booleancheckbox', {
      options: opts([
        ['true', 'True'],
        ['false', 'False'],
      ]),
    }),
    def('salesforceleadid', 'Salesforce Lead ID', 'string', 'text', { groupName: 'salesforceinformation' }),
    def('salesforcecontactid', 'Salesforce Contact ID', 'string', 'text', {
      groupName: 'salesforceinformation',
    }),
    def('createdate', 'Create Date', 'datetime', 'date', {
      modificationMetadata: readOnly,
      formField: false,
    }),
    def('lastmodifieddate', 'Last Modified Date', 'datetime', 'date', {
      modificationMetadata: readOnly,
      formField: false,
    }),
    def('hs_lastmodifieddate', 'Object last modified date/time', 'datetime', 'date', {
      modificationMetadata: readOnly,
      formField: false,
    }),
    def('hs_object_id', 'Record ID', 'number', 'number', {
      modificationMetadata: readOnly,
      formField: false,
    }),
    def('hs_email_domain', 'Email Domain', 'string', 'text', {
      modificationMetadata: readOnly,
      calculated: true,
    }),
    def('hs_additional_emails', 'Additional email addresses', 'enumeration', 'checkbox', {
      modificationMetadata: readOnly,
      externalOptions: true,
    }),
    def('hs_object_source', 'Record source', 'string', 'text', { modificationMetadata: readOnly }),
    def('hs_object_source_id', 'Record source ID', 'string', 'text', { modificationMetadata: readOnly }),
    def('hs_merged_object_ids', 'Merged Contact IDs', 'enumeration', 'checkbox', {
      modificationMetadata: readOnly,
    }),
  ];
}

/** Names HubSpot computes itself; a write to one fails with READ_ONLY_VALUE. */
export function isReadOnly(def: PropertyDefinition): boolean {
  return def.modificationMetadata.readOnlyValue;
}

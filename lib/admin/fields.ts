import type { CrmSyncConfig, FieldMapping, SyncRule } from '../config.ts';
import type { SalesforceObject } from '../domain/notice.ts';

/**
 * The fields the dashboard shows and lets a user edit (GET /api/fields), computed from the config's
 * mappings so the browser never keeps its own list: a mapping added to the config shows up in the
 * playground and the traces without touching the page.
 */

/** Labels of the fields the demo and most configs map; any other name gets a readable fallback. */
const LABELS: Record<string, string> = {
  email: 'Email',
  firstname: 'First name',
  lastname: 'Last name',
  jobtitle: 'Job title',
  phone: 'Phone',
  company: 'Company',
  lifecyclestage: 'Lifecycle stage',
  hs_lead_status: 'Lead status',
  Email: 'Email',
  FirstName: 'First name',
  LastName: 'Last name',
  Title: 'Title',
  Phone: 'Phone',
  Company: 'Company',
  Status: 'Lead status',
  // Companies and accounts (C7): "Name" alone would read as a person's, and clash with other forms.
  name: 'Company name',
  Name: 'Account name',
  city: 'City',
  BillingCity: 'Billing city',
  numberofemployees: 'Employees',
  NumberOfEmployees: 'Employees',
  industry: 'Industry',
  Industry: 'Industry',
};

/**
 * Kept in HubSpot only (not mapped) but editable in the playground: the demo segment is defined on
 * it, so changing it moves a contact in or out of the segment (R3, R4).
 */
const SEGMENT_PROPERTY = 'lifecyclestage';

/** `hs_lead_status` → "Hs lead status", `AnnualRevenue` → "Annual Revenue": readable, never empty. */
export function fieldLabel(name: string): string {
  const known = LABELS[name];
  if (known) return known;
  const words = name
    .replace(/__c$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : name;
}

/** One mapped field as the dashboard shows it. */
export interface MappedField {
  hubspot: string;
  salesforce: string;
  hubspotLabel: string;
  salesforceLabel: string;
  rule: SyncRule;
}

/** What GET /api/fields answers. */
export interface FieldCatalog {
  /** The mappings per Salesforce object, in the config's order. */
  mappings: Record<SalesforceObject, MappedField[]>;
  /** Fields the playground offers for editing: HubSpot contacts and companies, and per Salesforce object. */
  editable: { hubspot: string[]; Lead: string[]; Contact: string[]; company: string[]; Account: string[] };
  /** What a record's facts show: the email, then the editable fields (a company's and an account's: theirs). */
  shown: { hubspot: string[]; salesforce: string[]; company: string[]; Account: string[] };
  /** A label for every name above. */
  labels: Record<string, string>;
}

/**
 * Free-text fields a user can type into: not the email (it is the identity that links records) and
 * not picklists (a value outside the table is a sync error, not something to try in a text box).
 */
function typable(m: FieldMapping): boolean {
  return m.type !== 'email' && m.type !== 'picklist' && m.rule !== 'dont-sync';
}

const unique = (names: string[]) => [...new Set(names)];

/** The dashboard's fields, from the config's mappings. */
export function fieldCatalog(config: CrmSyncConfig): FieldCatalog {
  const mapped = (object: SalesforceObject): MappedField[] =>
    config.mappings[object].map((m) => ({
      hubspot: m.hubspot,
      salesforce: m.salesforce,
      hubspotLabel: fieldLabel(m.hubspot),
      salesforceLabel: fieldLabel(m.salesforce),
      rule: m.rule,
    }));
  const editableOf = (object: SalesforceObject) =>
    config.mappings[object].filter(typable).map((m) => m.salesforce);
  const hubspot = unique([
    ...[...config.mappings.Lead, ...config.mappings.Contact].filter(typable).map((m) => m.hubspot),
    SEGMENT_PROPERTY,
  ]);
  // C7: a company and an account edit their own mapped fields (config.mappings.Account).
  const accountFields = config.mappings.Account.filter(typable);
  const editable = {
    hubspot,
    Lead: editableOf('Lead'),
    Contact: editableOf('Contact'),
    company: accountFields.map((m) => m.hubspot),
    Account: accountFields.map((m) => m.salesforce),
  };
  const shown = {
    hubspot: unique(['email', ...hubspot]),
    salesforce: unique(['Email', ...editable.Lead, ...editable.Contact]),
    company: config.mappings.Account.map((m) => m.hubspot),
    Account: config.mappings.Account.map((m) => m.salesforce),
  };
  const mappings = { Lead: mapped('Lead'), Contact: mapped('Contact') };
  const names = [
    ...shown.hubspot,
    ...shown.salesforce,
    ...shown.company,
    ...shown.Account,
    ...[...mappings.Lead, ...mappings.Contact].flatMap((m) => [m.hubspot, m.salesforce]),
  ];
  return {
    mappings,
    editable,
    shown,
    labels: Object.fromEntries(unique(names).map((n) => [n, fieldLabel(n)])),
  };
}

import type { CrmSyncConfig } from '../config.ts';
import type { SalesforceObject } from '../domain/notice.ts';

/** What the processor reads from each CRM: every mapped field, so the merge sees the whole record. */
export interface ReadFields {
  /** HubSpot properties mapped for Lead or Contact (one contact may be linked to either), `email` first. */
  hubspot: string[];
  /** Salesforce fields per object; the adapter adds the system fields (Id, SystemModstamp, IsConverted…). */
  salesforce: Record<SalesforceObject, string[]>;
}

/** Fields to read for a configuration (computed once per cold start). */
export function readFields(config: Pick<CrmSyncConfig, 'mappings'>): ReadFields {
  const hubspot = new Set<string>(['email']);
  for (const object of ['Lead', 'Contact'] as const)
    for (const m of config.mappings[object]) hubspot.add(m.hubspot);
  const sf = (object: SalesforceObject) => [
    ...new Set(['Email', ...config.mappings[object].map((m) => m.salesforce)]),
  ];
  return { hubspot: [...hubspot], salesforce: { Lead: sf('Lead'), Contact: sf('Contact') } };
}

/**
 * The object of a Salesforce id from its key prefix (00Q Lead, 003 Contact), for ids that reach us
 * without a type (merge survivors, ConvertedContactId). https://help.salesforce.com/s/articleView?id=000385203
 */
export function salesforceTypeOfId(id: string): SalesforceObject | undefined {
  if (id.startsWith('00Q')) return 'Lead';
  if (id.startsWith('003')) return 'Contact';
  return undefined;
}

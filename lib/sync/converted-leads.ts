import { isCreationIntent } from '../domain/plan/own-creation.ts';
import type { CreationIntent, SalesforcePort, SalesforceRecord } from '../ports.ts';

/**
 * The converted Leads behind the Contacts an email search found, when the batch holds a HubSpot
 * contact whose create intent (a Lead or Contact crmsync created, its response lost) is still stored.
 * A user may have converted that Lead before the retry: the retry then finds only the Contact (the
 * email search leaves converted Leads out), and without the Lead that vouches for it the Contact would
 * link as a first link that fills blanks — filling back a value the HubSpot user had cleared since
 * (docs/design.md#late-creation, reliability finding 27, seed 1250002931). One SOQL, only then.
 */
export async function convertedLeadsOfIntents(
  salesforce: SalesforcePort,
  byEmail: SalesforceRecord[],
  intents: Map<string, CreationIntent>,
  fields: string[],
): Promise<SalesforceRecord[]> {
  if (!salesforce.readConvertedLeads) return [];
  const creating = [...intents.entries()].some(
    ([key, intent]) => key.startsWith('hubspot:') && isCreationIntent(intent),
  );
  if (!creating) return [];
  const contacts = byEmail.filter((r) => r.objectType === 'Contact').map((r) => r.id);
  return contacts.length === 0 ? [] : salesforce.readConvertedLeads(contacts, fields);
}

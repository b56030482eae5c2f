import type { SalesforceObject } from '../domain/notice.ts';
import type { Decision, HubSpotContact, SalesforceRecord } from '../ports.ts';
import { currentSettings, type SyncDeps } from '../sync/sync-deps.ts';
import type { RecordHit, RecordTrace } from './services.ts';
import { compareMappedFields } from './trace-fields.ts';

/** Salesforce key prefixes: 00Q is a Lead, 003 a Contact (https://help.salesforce.com/s/articleView?id=000385203). */
export function salesforceObjectOf(id: string): SalesforceObject | undefined {
  if (id.startsWith('00Q')) return 'Lead';
  if (id.startsWith('003')) return 'Contact';
  return undefined;
}

/** A Salesforce record id: 15 characters, or 18 with the case-safe suffix. */
export const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
/** A HubSpot record id: digits. */
export const HUBSPOT_ID = /^\d{1,20}$/;

/** A HubSpot record id: digits. */
export const isHubSpotId = (id: string): boolean => HUBSPOT_ID.test(id);
/** A Salesforce id: 15 or 18 letters and digits. */
export const isSalesforceId = (id: string): boolean => SALESFORCE_ID.test(id);

/** Reads records with the properties the dashboard shows: email, the mapped fields, lifecycle and lead status. */
export interface RecordReader {
  hubspotProperties: string[];
  salesforceFields(object: SalesforceObject): string[];
  /** A Salesforce Lead or Contact by id (its object from the key prefix); undefined for another id. */
  readSalesforce(id: string): Promise<SalesforceRecord | undefined>;
  readHubSpot(ids: string[]): Promise<HubSpotContact[]>;
}

/** The reader over the `live`-lane adapters (a person is waiting for the answer). */
export function recordReader(deps: Pick<SyncDeps, 'hubspot' | 'salesforce' | 'config'>): RecordReader {
  const { config, hubspot, salesforce } = deps;
  const hubspotProperties = [
    ...new Set([
      'email',
      'lifecyclestage',
      'hs_lead_status',
      ...config.mappings.Lead.map((m) => m.hubspot),
      ...config.mappings.Contact.map((m) => m.hubspot),
    ]),
  ];
  const salesforceFields = (object: SalesforceObject) => [
    ...new Set(['Email', ...config.mappings[object].map((m) => m.salesforce)]),
  ];
  return {
    hubspotProperties,
    salesforceFields,
    async readSalesforce(id) {
      const object = salesforceObjectOf(id);
      if (!object) return undefined;
      const [record] = await salesforce.readRecords(object, [id], salesforceFields(object));
      return record;
    },
    readHubSpot: (ids) => hubspot.readContacts(ids, hubspotProperties),
  };
}

/** A record's current values on both sides, its link, its segment membership and its decision trace. */
export async function recordTrace(
  deps: SyncDeps,
  reader: RecordReader,
  side: 'hubspot' | 'salesforce',
  id: string,
): Promise<RecordTrace | undefined> {
  const { store, config } = deps;
  const settings = await currentSettings(deps);
  let hubspotId: string | undefined;
  let salesforceId: string | undefined;
  if (side === 'hubspot') {
    if (!HUBSPOT_ID.test(id)) return undefined;
    hubspotId = id;
    salesforceId = (await store.getPairsByHubSpotIds([id])).get(id)?.salesforceId;
  } else {
    if (!SALESFORCE_ID.test(id)) return undefined;
    salesforceId = id;
    hubspotId = (await store.getPairsBySalesforceIds([id])).get(id)?.hubspotId;
  }
  const [contacts, sfRecord, pairs] = await Promise.all([
    hubspotId ? reader.readHubSpot([hubspotId]) : Promise.resolve([]),
    salesforceId ? reader.readSalesforce(salesforceId) : Promise.resolve(undefined),
    hubspotId ? store.getPairsByHubSpotIds([hubspotId]) : Promise.resolve(new Map()),
  ]);
  const contact = contacts[0];
  if (side === 'hubspot' && !contact) return undefined;
  if (side === 'salesforce' && !sfRecord) return undefined;
  const keys = [
    hubspotId ? `hubspot:${hubspotId}` : undefined,
    salesforceId ? `salesforce:${salesforceId}` : undefined,
  ].filter((k): k is string => k !== undefined);
  const lists = await Promise.all(keys.map((k) => store.listDecisions(k, 50)));
  const decisions: Decision[] = lists.flat().sort((a, b) => b.at - a.at);
  const listId = settings.inclusionSegmentId;
  // The linked object's mappings; an unlinked contact would become config.creation's object.
  const pair = (hubspotId ? pairs.get(hubspotId) : undefined) ?? null;
  const traceObject: SalesforceObject =
    sfRecord?.objectType ?? pair?.salesforceType ?? config.creation.salesforceObject;
  const inSegment = listId && hubspotId ? (await store.getMembers(listId, [hubspotId])).has(hubspotId) : null;
  return {
    side,
    id,
    hubspot: contact ? { id: contact.id, properties: contact.properties } : null,
    salesforce: sfRecord
      ? { id: sfRecord.id, objectType: sfRecord.objectType, fields: sfRecord.fields }
      : null,
    pair,
    inSegment,
    decisions,
    fields: compareMappedFields(
      config.mappings[traceObject],
      contact?.properties,
      sfRecord?.fields,
      config.picklists,
    ),
  };
}

function hubspotHit(c: { id: string; properties: Record<string, string | null> }): RecordHit {
  return {
    side: 'hubspot',
    id: c.id,
    objectType: 'contact',
    label:
      `${c.properties.firstname ?? ''} ${c.properties.lastname ?? ''}`.trim() || (c.properties.email ?? c.id),
    email: c.properties.email ?? null,
  };
}

function salesforceHit(r: {
  id: string;
  objectType: SalesforceObject;
  fields: Record<string, unknown>;
}): RecordHit {
  return {
    side: 'salesforce',
    id: r.id,
    objectType: r.objectType,
    label: `${String(r.fields.FirstName ?? '')} ${String(r.fields.LastName ?? '')}`.trim() || r.id,
    email: typeof r.fields.Email === 'string' ? r.fields.Email : null,
  };
}

/** Finds records by email (both sides) or by a HubSpot or Salesforce id. */
export async function searchRecords(
  deps: Pick<SyncDeps, 'hubspot' | 'salesforce'>,
  reader: RecordReader,
  query: string,
): Promise<RecordHit[]> {
  const q = query.trim();
  if (q.includes('@')) {
    const [contacts, records] = await Promise.all([
      deps.hubspot.findContactsByEmail([q], reader.hubspotProperties),
      deps.salesforce.findByEmail([q], {
        Lead: reader.salesforceFields('Lead'),
        Contact: reader.salesforceFields('Contact'),
      }),
    ]);
    return [...contacts.map(hubspotHit), ...records.map(salesforceHit)];
  }
  if (HUBSPOT_ID.test(q)) return (await reader.readHubSpot([q])).map(hubspotHit);
  if (SALESFORCE_ID.test(q)) {
    const record = await reader.readSalesforce(q);
    return record ? [salesforceHit(record)] : [];
  }
  return [];
}

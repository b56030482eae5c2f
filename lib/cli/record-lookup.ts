import { CrmSyncError } from '../errors.ts';
import type { RecordHit } from '../admin/services.ts';
import type { StackClient } from './stack-client.ts';

/** A record as the stack's API addresses it. */
export interface RecordRef {
  side: 'hubspot' | 'salesforce';
  id: string;
  objectType: RecordHit['objectType'];
}

/**
 * An email or an id → one record, through the stack's search (GET /api/records/search). An email
 * that matches on both sides picks the HubSpot contact: the trace shows its Salesforce link too.
 */
export async function findRecord(
  client: StackClient,
  query: string,
  options: { company?: boolean } = {},
): Promise<RecordRef> {
  const { hits } = await client.get<{ hits: RecordHit[] }>(
    `/api/records/search?q=${encodeURIComponent(query)}`,
  );
  // HubSpot contact and company ids are both digits: a contact is meant unless --company says so.
  const wanted = options.company ? hits.filter((h) => h.objectType === 'company') : hits;
  const hit =
    wanted.find((h) => h.objectType === 'contact') ?? wanted.find((h) => h.side === 'hubspot') ?? wanted[0];
  if (!hit)
    throw new CrmSyncError(
      options.company
        ? `no HubSpot company matches ${JSON.stringify(query)}: give a company id (digits) or its domain (example.com).`
        : `no record matches ${JSON.stringify(query)}: give an email, a HubSpot contact id (digits), a Salesforce id (00Q…/003…/001…), a company domain (example.com), or a company id with --company.`,
    );
  return { side: hit.side, id: hit.id, objectType: hit.objectType };
}

import { CrmSyncError } from '../errors.ts';
import type { RecordHit } from '../admin/services.ts';
import type { StackClient } from './stack-client.ts';

/** A record as the stack's API addresses it. */
export interface RecordRef {
  side: 'hubspot' | 'salesforce';
  id: string;
}

/**
 * An email or an id → one record, through the stack's search (GET /api/records/search). An email
 * that matches on both sides picks the HubSpot contact: the trace shows its Salesforce link too.
 */
export async function findRecord(client: StackClient, query: string): Promise<RecordRef> {
  const { hits } = await client.get<{ hits: RecordHit[] }>(
    `/api/records/search?q=${encodeURIComponent(query)}`,
  );
  const hit = hits.find((h) => h.side === 'hubspot') ?? hits[0];
  if (!hit)
    throw new CrmSyncError(
      `no HubSpot contact or Salesforce Lead/Contact matches ${JSON.stringify(query)}: give an email, a HubSpot contact id (digits) or a Salesforce id (00Q…/003…).`,
    );
  return { side: hit.side, id: hit.id };
}

import { normalizeEmail } from '../domain/identity.ts';
import type { AccountSyncDeps } from './account-sync.ts';
import { currentSettings } from './sync-deps.ts';

/**
 * C3 (b)'s contacts (docs/design.md#companies-accounts-and-owners): for each Contact of the accounts
 * being matched, the HubSpot contact it syncs with — its stored link, or, for a Contact not linked
 * yet, the HubSpot contact with its email (the identity rule links them by email on their first
 * sync) when that contact is not linked to another record and is eligible (in the segment, or no
 * segment is set). The second case is the first resync of an org: the contact batch runs the
 * account pipeline for its Contacts' accounts before it stores the links it is making, so without it
 * every such account would get a new, duplicate company (C2) instead of its contacts' company.
 *
 * Cost, only when some Contact is not linked: one SOQL read of their emails, one HubSpot batch read
 * by email per 100, and two store reads.
 */
export async function hubspotTwinsOf(
  deps: Pick<AccountSyncDeps, 'store' | 'hubspot' | 'salesforce' | 'config'>,
  contactIds: string[],
): Promise<Map<string, string>> {
  const twins = new Map<string, string>();
  const pairs = await deps.store.getPairsBySalesforceIds(contactIds);
  for (const [contactId, pair] of pairs) twins.set(contactId, pair.hubspotId);
  const unlinked = contactIds.filter((id) => !pairs.has(id));
  if (unlinked.length === 0) return twins;
  const records = await deps.salesforce.readRecords('Contact', unlinked, ['Email']);
  const emailOf = new Map(
    records.flatMap((r) => {
      const email = normalizeEmail(r.fields['Email']);
      return email ? [[r.id, email] as const] : [];
    }),
  );
  const emails = [...new Set(emailOf.values())];
  if (emails.length === 0) return twins;
  const found = await deps.hubspot.findContactsByEmail(emails, ['email']);
  const byEmail = new Map(found.map((c) => [normalizeEmail(c.properties['email']), c.id]));
  const taken = await deps.store.getPairsByHubSpotIds(found.map((c) => c.id));
  const listId = (await currentSettings(deps)).inclusionSegmentId;
  const members = listId
    ? await deps.store.getMembers(
        listId,
        found.map((c) => c.id),
      )
    : undefined;
  for (const [contactId, email] of emailOf) {
    const hubspotId = byEmail.get(email);
    if (!hubspotId || taken.has(hubspotId)) continue;
    if (members && !members.has(hubspotId)) continue;
    twins.set(contactId, hubspotId);
  }
  return twins;
}

import type { NoticeKind } from '../domain/notice.ts';
import type { HubSpotPort, MembershipChange, SyncStore } from '../ports.ts';
import type { ProcessorRecord } from './coalesce.ts';

/**
 * Membership at the moment of the change (docs/design.md#membership). A DYNAMIC list changes only
 * when a contact changes in HubSpot, so the stored membership may be stale exactly for the contacts
 * of HubSpot edits in this batch: the edit that makes a contact join should sync by itself (not wait
 * for the next refresh), and a contact that just left must not be written (R8).
 *
 * When it pays: only for HubSpot-sourced live changes (created, restored, or updated on a property
 * the list filters on) — one `memberships/batch/read` call per 100 such contacts. Resync, import and segment-joined notices,
 * Salesforce changes, deletes and merges never pay it: their membership was just read by a
 * refresh, or is settled by the HubSpot edit that changed it (which comes here). R4 stays exact:
 * no notice is made up here; a join found here is synced by the change that caused it.
 */
const LIVE: ReadonlySet<NoticeKind> = new Set(['created', 'updated', 'restored']);

/**
 * The HubSpot contacts whose membership the batch should confirm with HubSpot: live changes that
 * may have moved them in or out — a creation or restore, or an update that touched a property the
 * list filters on (or whose changed properties are unknown). Without the list's filter properties
 * (no refresh has read them yet) nothing is confirmed and the stored membership decides.
 */
export function contactsToConfirm(
  records: ProcessorRecord[],
  filterProperties: string[] | undefined,
): string[] {
  if (!filterProperties) return [];
  const filtered = new Set(filterProperties);
  const mayMove = (r: ProcessorRecord) =>
    r.kind !== 'updated' || !r.changedFields || r.changedFields.some((f) => filtered.has(f));
  return [
    ...new Set(
      records.filter((r) => r.source === 'hubspot' && LIVE.has(r.kind) && mayMove(r)).map((r) => r.recordId),
    ),
  ];
}

/**
 * Reads the current lists of `hubspotIds`, records the joins and leaves against the stored
 * membership (history, members, count) and updates `members` in place. Returns the transitions.
 */
export async function confirmMembership(
  deps: { store: SyncStore; hubspot: HubSpotPort },
  listId: string,
  hubspotIds: string[],
  members: Set<string>,
  at: number,
): Promise<MembershipChange[]> {
  if (hubspotIds.length === 0) return [];
  const lists = await deps.hubspot.readListMemberships(hubspotIds);
  const changes: MembershipChange[] = [];
  for (const hubspotId of hubspotIds) {
    // A contact HubSpot does not answer for (deleted meanwhile) keeps what the store knows.
    const current = lists.get(hubspotId);
    if (current === undefined) continue;
    const isMember = current.includes(listId);
    if (isMember === members.has(hubspotId)) continue;
    changes.push({ hubspotId, change: isMember ? 'joined' : 'left', at });
    if (isMember) members.add(hubspotId);
    else members.delete(hubspotId);
  }
  await deps.store.applyMembershipChanges(listId, changes, { record: true });
  return changes;
}

import type { SyncPlan } from '../domain/plan/index.ts';
import type { HubSpotContact } from '../ports.ts';

/**
 * HubSpot contacts whose plan resolved a conflict (a field changed on both sides) by change time
 * while only the record's `hs_lastmodifieddate` was known. Property history gives each property's
 * own change time (docs/design.md#two-way), but costs twice the read calls (HubSpot returns at most 50
 * contacts per batch read with `propertiesWithHistory`), so the processor reads history only for
 * these few contacts and plans again, instead of for every batch.
 */
export function contactsNeedingHistory(plan: SyncPlan, contacts: HubSpotContact[]): string[] {
  const withoutHistory = new Set(contacts.filter((c) => c.propertyChangedAt === undefined).map((c) => c.id));
  const ids = new Set<string>();
  for (const d of plan.decisions) {
    const conflicts = d.detail?.['conflicts'];
    const hubspotId = d.detail?.['hubspotId'];
    if (
      Array.isArray(conflicts) &&
      conflicts.length > 0 &&
      typeof hubspotId === 'string' &&
      withoutHistory.has(hubspotId)
    ) {
      ids.add(hubspotId);
    }
  }
  return [...ids];
}

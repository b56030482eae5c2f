import type { HubSpotList } from '../ports.ts';
import { loadActiveSegment, type RefreshResult, refreshSegment } from './segment-refresh.ts';
import { currentSettings, type SyncDeps } from './sync-deps.ts';

/** HubSpot's object type id for contacts. */
const CONTACTS = '0-1';

/**
 * The segments a user may choose (the "Limit syncs" chooser): active (DYNAMIC) contact lists only
 * (R1). MANUAL and SNAPSHOT lists are never offered.
 */
export async function listActiveSegments(
  deps: Pick<SyncDeps, 'hubspot'>,
  query?: string,
): Promise<HubSpotList[]> {
  const lists = await deps.hubspot.searchLists(query);
  return lists.filter((l) => l.processingType === 'DYNAMIC' && l.objectTypeId === CONTACTS);
}

/**
 * Selects the inclusion segment. Validates R1 against HubSpot, stores the choice, and loads its
 * membership at once — recording members but syncing nobody (R4). Members sync on their next
 * change, on joining later, or on a resync (R5).
 */
export async function selectSegment(deps: SyncDeps, listId: string): Promise<RefreshResult> {
  await loadActiveSegment(deps.hubspot, listId);
  const settings = await currentSettings(deps);
  await deps.store.putSettings(
    { ...settings, inclusionSegmentId: listId, segmentSelectedAt: deps.now(), segmentLoaded: false },
    settings.version,
  );
  return refreshSegment(deps);
}

/** Clears the inclusion segment: every contact becomes eligible (R2). Nothing syncs until a trigger. */
export async function clearSegment(deps: SyncDeps): Promise<void> {
  const settings = await currentSettings(deps);
  await deps.store.putSettings(
    { ...settings, inclusionSegmentId: null, segmentSelectedAt: deps.now(), segmentLoaded: false },
    settings.version,
  );
}

/**
 * C1: turns company ⇄ account sync on or off. Turning it on back-fills nothing by itself (as R4):
 * companies and accounts sync on their next change, import or resync.
 */
export async function setCompanySync(
  deps: Pick<SyncDeps, 'store' | 'config'>,
  enabled: boolean,
): Promise<void> {
  const settings = await currentSettings(deps);
  await deps.store.putSettings({ ...settings, companiesEnabled: enabled }, settings.version);
}

/** Turns R6 auto-creation on or off for new Salesforce leads and/or contacts. */
export async function setAutoCreate(
  deps: Pick<SyncDeps, 'store' | 'config'>,
  change: { fromLeads?: boolean; fromContacts?: boolean },
): Promise<void> {
  const settings = await currentSettings(deps);
  await deps.store.putSettings(
    {
      ...settings,
      autoCreateFromLeads: change.fromLeads ?? settings.autoCreateFromLeads,
      autoCreateFromContacts: change.fromContacts ?? settings.autoCreateFromContacts,
    },
    settings.version,
  );
}

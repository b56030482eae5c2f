import { unknownOwners } from '../domain/owners.ts';
import type { HubSpotPort, OwnerDirectory, SalesforcePort, SyncStore } from '../ports.ts';

/**
 * The owner directory (O2, O3): HubSpot owners and Salesforce users, cached in the store so a batch
 * resolves owners without listing them. It is refreshed on the `schedules.ownerRefresh` schedule and
 * on a miss — an owner id the cache does not know, such as a user added since the last refresh —
 * at most once per `minMissRefreshMs`, so a burst of unknown ids (a queue owner, a deleted user)
 * costs one refresh, not one per batch.
 */
export interface OwnerDirectoryDeps {
  store: Pick<SyncStore, 'getOwnerDirectory' | 'putOwnerDirectory'>;
  hubspot: Pick<HubSpotPort, 'listOwners'>;
  salesforce: Pick<SalesforcePort, 'listUsers'>;
  now: () => number;
}

/** Default floor between two refreshes caused by misses. */
export const MIN_MISS_REFRESH_MS = 5 * 60_000;

/** Lists both CRMs' owners and stores them: the scheduled refresh. */
export async function refreshOwnerDirectory(deps: OwnerDirectoryDeps): Promise<OwnerDirectory> {
  const [hubspotOwners, salesforceUsers] = await Promise.all([
    deps.hubspot.listOwners(),
    deps.salesforce.listUsers(),
  ]);
  const directory: OwnerDirectory = { hubspotOwners, salesforceUsers, refreshedAt: deps.now() };
  await deps.store.putOwnerDirectory(directory);
  return directory;
}

/**
 * The scheduled refresh (`schedules.ownerRefresh`: an EventBridge rule in AWS, a timer in the local
 * stack): lists both CRMs' owners into the cache and reports how many it found. With owner sync off
 * (`owners.enabled: false`) nothing reads the directory, so it lists nothing.
 */
export async function runOwnerRefresh(
  deps: OwnerDirectoryDeps & { config: { owners: { enabled: boolean } } },
): Promise<{ hubspotOwners: number; salesforceUsers: number } | { skipped: string }> {
  if (!deps.config.owners.enabled) return { skipped: 'owner sync is off (owners.enabled: false)' };
  const directory = await refreshOwnerDirectory(deps);
  return { hubspotOwners: directory.hubspotOwners.length, salesforceUsers: directory.salesforceUsers.length };
}

/**
 * The directory to resolve these owner ids with: the cached one, refreshed first when there is none
 * yet, or when one of the ids is unknown to it and the last refresh is older than `minMissRefreshMs`.
 * An id still unknown after that stays unresolved (the rules then leave that owner unchanged).
 */
export async function ownerDirectoryFor(
  deps: OwnerDirectoryDeps,
  ids: { hubspot: (string | null)[]; salesforce: (string | null)[] },
  options: { minMissRefreshMs?: number } = {},
): Promise<OwnerDirectory> {
  const cached = await deps.store.getOwnerDirectory();
  if (!cached) return refreshOwnerDirectory(deps);
  const missing = unknownOwners(ids, cached);
  if (missing.hubspot.length === 0 && missing.salesforce.length === 0) return cached;
  const age = deps.now() - cached.refreshedAt;
  if (age < (options.minMissRefreshMs ?? MIN_MISS_REFRESH_MS)) return cached;
  return refreshOwnerDirectory(deps);
}

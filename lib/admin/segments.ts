import type { HubSpotList } from '../ports.ts';
import { clearSegment, listActiveSegments, selectSegment } from '../sync/segment-choice.ts';
import type { RefreshResult } from '../sync/segment-refresh.ts';
import { currentSettings, type SyncDeps } from '../sync/sync-deps.ts';
import type { AdminServices } from './services.ts';

/** How long the status shows a segment's name and type before asking HubSpot again. */
const LIST_TTL_MS = 30_000;

/**
 * The chosen segment's HubSpot list, cached for the status (polled every few seconds): it changes
 * only when someone edits the list in HubSpot, or chooses another segment here.
 */
export class SegmentListCache {
  #entry: { id: string; list: HubSpotList | undefined; at: number } | undefined;

  constructor(private readonly hubspot: SyncDeps['hubspot']) {}

  async get(id: string): Promise<HubSpotList | undefined> {
    const entry = this.#entry;
    if (entry && entry.id === id && Date.now() - entry.at < LIST_TTL_MS) return entry.list;
    const list = await this.hubspot.getList(id).catch(() => undefined);
    this.#entry = { id, list, at: Date.now() };
    return list;
  }

  invalidate(): void {
    this.#entry = undefined;
  }
}

/**
 * Choosing the inclusion segment, as the native connector's "Limit syncs" does: only active lists
 * are offered (R1), choosing one loads its membership and syncs nobody (R4), none means every
 * contact is eligible (R2).
 */
export function createSegments(
  deps: SyncDeps,
  lists: SegmentListCache,
  /** Records a load done here, for the status' "last refresh". */
  recordLoad: (result: RefreshResult) => void,
): AdminServices['segments'] {
  return {
    listActive: () => listActiveSegments(deps),
    current: async () => (await currentSettings(deps)).inclusionSegmentId,
    select: async (listId) => {
      if (listId === null) await clearSegment(deps);
      else recordLoad(await selectSegment(deps, listId));
      lists.invalidate();
      return currentSettings(deps);
    },
    create: (input) =>
      deps.hubspot.createDynamicList(input.name, {
        property: input.property,
        operator: 'IS_ANY_OF',
        values: input.values,
      }),
  };
}

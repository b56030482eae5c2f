import type { HubSpotList } from '../ports.ts';

/** A list as Lists v3 returns it (`PublicObjectList` / `PublicObjectListSearchResult`). */
export interface HubSpotListLike {
  listId: string;
  name: string;
  processingType: string;
  objectTypeId: string;
  size?: number;
  additionalProperties?: Record<string, string>;
}

const TYPES = new Set(['DYNAMIC', 'MANUAL', 'SNAPSHOT']);

/**
 * Converts a Lists v3 list to the port's HubSpotList. An unknown processing type is reported as
 * MANUAL, which R1 refuses as a segment: only a list HubSpot itself calls DYNAMIC may gate syncs.
 */
export function toHubSpotList(list: HubSpotListLike): HubSpotList {
  const type = String(list.processingType).toUpperCase();
  const processingType = (TYPES.has(type) ? type : 'MANUAL') as HubSpotList['processingType'];
  const sizeText = list.additionalProperties?.['hs_list_size'];
  const size =
    typeof list.size === 'number' ? list.size : sizeText !== undefined ? Number(sizeText) : undefined;
  return {
    listId: String(list.listId),
    name: list.name,
    processingType,
    objectTypeId: list.objectTypeId,
    ...(size !== undefined && Number.isFinite(size) ? { size } : {}),
  };
}

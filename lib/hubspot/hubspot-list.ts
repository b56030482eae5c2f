import type { Client } from '@hubspot/api-client';
import { z } from 'zod';
import type { HubSpotList } from '../ports.ts';

/** A list as Lists v3 returns it (`PublicObjectList` / `PublicObjectListSearchResult`). */
export interface HubSpotListLike {
  listId: string;
  name: string;
  processingType: string;
  objectTypeId: string;
  size?: number;
  additionalProperties?: Record<string, string>;
  /** Present when asked for (`includeFilters`). */
  filterBranch?: unknown;
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
    ...(list.filterBranch === undefined ? {} : { filterProperties: filterProperties(list.filterBranch) }),
  };
}

/** Every `property` a Lists v3 filter tree reads (branches nest; property filters name one each). */
export function filterProperties(branch: unknown): string[] {
  const out = new Set<string>();
  const walk = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as { property?: unknown; filters?: unknown; filterBranches?: unknown };
    if (typeof n.property === 'string') out.add(n.property);
    if (Array.isArray(n.filters)) n.filters.forEach(walk);
    if (Array.isArray(n.filterBranches)) n.filterBranches.forEach(walk);
  };
  walk(branch);
  return [...out].sort();
}

/** Lists v3: the list memberships of many records in one call. */
export const MEMBERSHIPS_BATCH_READ = '/crm/v3/lists/records/memberships/batch/read';

const recordMembershipsSchema = z.object({
  results: z.array(
    z.object({
      recordId: z.union([z.string(), z.number()]).transform(String),
      recordListMemberships: z.array(
        z.object({ listId: z.union([z.string(), z.number()]).transform(String) }),
      ),
    }),
  ),
});

/** Each record's list ids from a `memberships/batch/read` answer (only the fields crmsync relies on). */
export function parseRecordMemberships(data: unknown): { recordId: string; listIds: string[] }[] {
  return recordMembershipsSchema
    .parse(data)
    .results.map((r) => ({ recordId: r.recordId, listIds: r.recordListMemberships.map((m) => m.listId) }));
}

/** What `apiRequest` failures look like to the error classifier: the codegen's ApiException shape. */
class HubSpotApiRequestError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    super(
      `HTTP-Code: ${code}\nMessage: ${typeof body === 'object' && body && 'message' in body ? String(body.message) : 'request failed'}`,
    );
  }
}

/**
 * A JSON call through the client's `apiRequest` (same auth and base path as the generated APIs),
 * answering like the codegen's `...WithHttpInfo` methods: status, headers and data, or a thrown
 * ApiException-shaped error on a non-2xx status, so the adapter's retry and classification apply.
 */
export async function requestJson(
  client: Client,
  method: 'POST' | 'GET',
  path: string,
  body?: unknown,
): Promise<{ httpStatusCode: number; headers: Record<string, string>; data: unknown }> {
  const res = await client.apiRequest({ method, path, ...(body === undefined ? {} : { body }) });
  const headers: Record<string, string> = {};
  res.headers.forEach((value: string, name: string) => {
    headers[name] = value;
  });
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (res.status < 200 || res.status >= 300) throw new HubSpotApiRequestError(res.status, data, headers);
  return { httpStatusCode: res.status, headers, data };
}

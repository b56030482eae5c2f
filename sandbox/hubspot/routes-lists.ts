import { z } from 'zod';
import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import { HubSpotHttpError, errorBody, validationError } from './errors.ts';
import { type StoredList, toPublicList } from './list-store.ts';
import { flag, parseBody } from './request.ts';
import type { SandboxState } from './state.ts';

/** Lists v3 memberships pages hold at most 250 records. */
export const MEMBERSHIP_PAGE_LIMIT = 250;
const SEARCH_COUNT_LIMIT = 500;

const createSchema = z.object({
  name: z.string(),
  objectTypeId: z.string(),
  processingType: z.string(),
  filterBranch: z.unknown().optional(),
  listFolderId: z.number().optional(),
  customProperties: z.record(z.string(), z.string()).optional(),
});
const searchSchema = z.object({
  query: z.string().optional(),
  listIds: z.array(z.string()).optional(),
  processingTypes: z.array(z.string()).optional(),
  offset: z.number().int().optional(),
  count: z.number().int().optional(),
  additionalProperties: z.array(z.string()).optional(),
  sort: z.string().optional(),
});
const idArray = z.array(z.union([z.string(), z.number()]).transform(String));
const addRemove = z.object({ recordIdsToAdd: idArray.optional(), recordIdsToRemove: idArray.optional() });
const filtersSchema = z.object({ filterBranch: z.unknown() });

/** Cursors look like HubSpot's: base64 of the last record id as an 8-byte integer. */
function encodeCursor(id: string): string {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(id));
  return b.toString('base64');
}

function decodeCursor(s: string): number {
  const b = Buffer.from(decodeURIComponent(s), 'base64');
  if (b.length !== 8) throw validationError(`Invalid paging cursor: ${s}`);
  return Number(b.readBigInt64BE());
}

function pageLimit(q: URLSearchParams): number {
  const limit = Number(q.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1) throw validationError('limit must be a positive integer');
  if (limit > MEMBERSHIP_PAGE_LIMIT) {
    throw validationError(`limit must be less than or equal to ${MEMBERSHIP_PAGE_LIMIT}`);
  }
  return limit;
}

/**
 * `memberships/batch/read` takes up to 100 records per call. HubSpot's reference states no maximum;
 * 100 is the batch size of its other CRM batch endpoints, and what crmsync sends at most.
 */
export const BATCH_READ_LIMIT = 100;
const batchReadSchema = z.object({
  inputs: z
    .array(
      z.object({ objectTypeId: z.string(), recordId: z.union([z.string(), z.number()]).transform(String) }),
    )
    .min(1),
});

/**
 * Join-order cursors name a position, not an offset: the member's join time and id (16 bytes,
 * base64), so a token stays valid when members before it leave or the member itself leaves.
 */
function encodeJoinCursor(addedAt: number, id: string): string {
  const b = Buffer.alloc(16);
  b.writeBigInt64BE(BigInt(addedAt));
  b.writeBigInt64BE(BigInt(id), 8);
  return b.toString('base64');
}

function decodeJoinCursor(s: string): [number, number] {
  const b = Buffer.from(decodeURIComponent(s), 'base64');
  if (b.length !== 16) throw validationError(`Invalid paging cursor: ${s}`);
  return [Number(b.readBigInt64BE()), Number(b.readBigInt64BE(8))];
}

/**
 * Members by join time (docs: "ascending with `after` or with no offset; descending when only
 * `before` is given; `after` wins when both are").
 */
function joinOrderPage(
  entries: { id: string; at: number }[],
  l: StoredList,
  q: URLSearchParams,
  limit: number,
): Record<string, unknown> {
  const after = q.get('after');
  const before = q.get('before');
  const cmp = (e: { id: string; at: number }, [at, id]: [number, number]) => e.at - at || Number(e.id) - id;
  // The first index whose entry is past `pos` (binary search: the entries are in join order).
  const firstAfter = (pos: [number, number], orEqual: boolean) => {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = cmp(entries[mid]!, pos);
      if (c > 0 || (orEqual && c === 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  // One more than a page, to know whether another page follows.
  let ordered: { id: string; at: number }[];
  if (after) {
    const start = firstAfter(decodeJoinCursor(after), false);
    ordered = entries.slice(start, start + limit + 1);
  } else if (before) {
    const end = firstAfter(decodeJoinCursor(before), true);
    ordered = entries.slice(Math.max(0, end - limit - 1), end).reverse();
  } else {
    ordered = entries.slice(0, limit + 1);
  }
  const page = ordered.slice(0, limit);
  const out: Record<string, unknown> = {
    results: page.map((e) => ({ recordId: e.id, membershipTimestamp: new Date(e.at).toISOString() })),
    total: l.members.size,
  };
  const last = page[page.length - 1];
  if (ordered.length > limit && last !== undefined) {
    const cursor = encodeJoinCursor(last.at, last.id);
    const base = `/crm/v3/lists/${l.listId}/memberships/join-order?limit=${limit}`;
    out['paging'] =
      !after && before
        ? { prev: { before: cursor, link: `${base}&before=${encodeURIComponent(cursor)}` } }
        : { next: { after: cursor, link: `${base}&after=${encodeURIComponent(cursor)}` } };
  }
  return out;
}

/** Register the Lists v3 endpoints. */
export function registerListRoutes(router: Router, s: SandboxState): void {
  const lists = s.lists;
  const render = (l: StoredList, includeFilters: boolean) => ({
    ...toPublicList(l, includeFilters),
    ...(lists.processing && l.processingType === 'DYNAMIC' ? { processingStatus: 'PROCESSING' } : {}),
  });

  router.on('POST', '/crm/v3/lists/search', async (ctx) => {
    const body = await parseBody(ctx, searchSchema);
    const count = Math.min(body.count ?? 20, SEARCH_COUNT_LIMIT);
    const offset = body.offset ?? 0;
    const q = body.query?.trim().toLowerCase() ?? '';
    const all = [...lists.lists.values()].filter(
      (l) =>
        l.deletedAt === undefined &&
        (!q || l.name.toLowerCase().includes(q)) &&
        (!body.listIds?.length || body.listIds.includes(l.listId)) &&
        (!body.processingTypes?.length || body.processingTypes.includes(l.processingType)),
    );
    const page = all.slice(offset, offset + count).map((l) => {
      const { size: _size, filterBranch: _fb, ...rest } = render(l, false) as Record<string, unknown>;
      const additionalProperties: Record<string, string> = {
        hs_list_size: String(l.members.size),
        hs_list_reference_count: '0',
      };
      if (l.lastAddedAt !== undefined)
        additionalProperties['hs_last_record_added_at'] = String(l.lastAddedAt);
      if (l.lastRemovedAt !== undefined)
        additionalProperties['hs_last_record_removed_at'] = String(l.lastRemovedAt);
      return { ...rest, additionalProperties };
    });
    sendJson(ctx.res, 200, {
      lists: page,
      hasMore: offset + count < all.length,
      offset: offset + page.length,
      total: all.length,
    });
  });

  router.on('GET', '/crm/v3/lists/records/{objectTypeId}/{recordId}/memberships', (ctx) => {
    const recordId = ctx.params['recordId'] ?? '';
    const results = lists.listsOf(recordId).map(({ list, membership }) => ({
      listId: list.listId,
      listVersion: list.listVersion,
      firstAddedTimestamp: new Date(membership.firstAddedAt).toISOString(),
      lastAddedTimestamp: new Date(membership.addedAt).toISOString(),
    }));
    sendJson(ctx.res, 200, { results, total: results.length });
  });

  router.on('GET', '/crm/v3/lists/object-type-id/{objectTypeId}/name/{listName}', (ctx) => {
    const name = (ctx.params['listName'] ?? '').toLowerCase();
    const l = [...lists.lists.values()].find(
      (x) => x.deletedAt === undefined && x.name.toLowerCase() === name,
    );
    if (!l)
      throw new HubSpotHttpError(
        404,
        errorBody('OBJECT_NOT_FOUND', `List does not exist with name ${ctx.params['listName']}.`),
      );
    sendJson(ctx.res, 200, { list: render(l, flag(ctx.query, 'includeFilters')) });
  });

  router.on('POST', '/crm/v3/lists', async (ctx) => {
    const body = await parseBody(ctx, createSchema);
    const l = lists.create(body);
    sendJson(ctx.res, 200, { list: render(l, true) });
  });

  router.on('GET', '/crm/v3/lists', (ctx) => {
    const ids = ctx.query.getAll('listIds');
    const include = flag(ctx.query, 'includeFilters');
    const found = ids
      .map((id) => lists.lists.get(id))
      .filter((l): l is StoredList => !!l && l.deletedAt === undefined);
    sendJson(ctx.res, 200, { lists: found.map((l) => render(l, include)) });
  });

  router.on('GET', '/crm/v3/lists/{listId}', (ctx) => {
    const l = lists.require(ctx.params['listId'] ?? '');
    sendJson(ctx.res, 200, { list: render(l, flag(ctx.query, 'includeFilters')) });
  });

  router.on('DELETE', '/crm/v3/lists/{listId}', (ctx) => {
    const l = lists.require(ctx.params['listId'] ?? '');
    l.deletedAt = s.opts.now();
    sendJson(ctx.res, 204, undefined);
  });

  router.on('PUT', '/crm/v3/lists/{listId}/restore', (ctx) => {
    const l = lists.lists.get(ctx.params['listId'] ?? '');
    if (!l || l.deletedAt === undefined)
      throw validationError(`List ${ctx.params['listId']} is not deleted.`);
    delete l.deletedAt;
    sendJson(ctx.res, 204, undefined);
  });

  router.on('PUT', '/crm/v3/lists/{listId}/update-list-filters', async (ctx) => {
    const body = await parseBody(ctx, filtersSchema);
    const l = lists.updateFilters(lists.require(ctx.params['listId'] ?? ''), body.filterBranch);
    sendJson(ctx.res, 200, { updatedList: render(l, true) });
  });

  router.on('PUT', '/crm/v3/lists/{listId}/update-list-name', (ctx) => {
    const l = lists.require(ctx.params['listId'] ?? '');
    const name = ctx.query.get('listName')?.trim();
    if (!name) throw validationError('listName is required.');
    l.name = name;
    l.updatedAt = s.opts.now();
    sendJson(ctx.res, 200, { updatedList: render(l, flag(ctx.query, 'includeFilters')) });
  });

  const membershipPage = (l: StoredList, q: URLSearchParams) => {
    const limit = pageLimit(q);
    const ids = lists.sortedMembers(l);
    const after = q.get('after');
    let start = 0;
    if (after) {
      const last = decodeCursor(after);
      start = ids.findIndex((id) => Number(id) > last);
      if (start < 0) start = ids.length;
    }
    const page = ids.slice(start, start + limit);
    const out: Record<string, unknown> = {
      results: page.map((id) => ({
        recordId: id,
        membershipTimestamp: new Date(l.members.get(id)?.addedAt ?? 0).toISOString(),
      })),
      total: l.members.size,
    };
    const last = page[page.length - 1];
    if (start + limit < ids.length && last !== undefined) {
      const cursor = encodeCursor(last);
      out['paging'] = {
        next: {
          after: cursor,
          link: `/crm/v3/lists/${l.listId}/memberships?limit=${limit}&after=${encodeURIComponent(cursor)}`,
        },
      };
    }
    return out;
  };

  router.on('GET', '/crm/v3/lists/{listId}/memberships', (ctx) => {
    const l = lists.require(ctx.params['listId'] ?? '');
    sendJson(ctx.res, 200, membershipPage(l, ctx.query));
  });

  router.on('GET', '/crm/v3/lists/{listId}/memberships/join-order', (ctx) => {
    const l = lists.require(ctx.params['listId'] ?? '');
    sendJson(ctx.res, 200, joinOrderPage(lists.joinOrder(l), l, ctx.query, pageLimit(ctx.query)));
  });

  router.on('POST', '/crm/v3/lists/records/memberships/batch/read', async (ctx) => {
    const body = await parseBody(ctx, batchReadSchema);
    if (body.inputs.length > BATCH_READ_LIMIT) {
      throw validationError(`inputs must contain at most ${BATCH_READ_LIMIT} records`);
    }
    const startedAt = new Date(s.opts.now()).toISOString();
    const results = body.inputs.map((input) => {
      if (input.objectTypeId !== '0-1' && input.objectTypeId !== 'contacts') {
        throw validationError(
          `This sandbox has contact lists only (objectTypeId 0-1), not ${input.objectTypeId}.`,
        );
      }
      return {
        objectTypeId: '0-1',
        recordId: input.recordId,
        recordListMemberships: lists.listsOf(input.recordId).map(({ list, membership }) => ({
          listId: list.listId,
          listVersion: list.listVersion,
          firstAddedTimestamp: new Date(membership.firstAddedAt).toISOString(),
          lastAddedTimestamp: new Date(membership.addedAt).toISOString(),
          isPublicList: true,
        })),
      };
    });
    sendJson(ctx.res, 200, {
      status: 'COMPLETE',
      results,
      startedAt,
      completedAt: new Date(s.opts.now()).toISOString(),
    });
  });

  router.on('PUT', '/crm/v3/lists/{listId}/memberships/add', async (ctx) => {
    const ids = await parseBody(ctx, idArray);
    const r = lists.changeMembers(lists.require(ctx.params['listId'] ?? ''), ids, []);
    sendJson(ctx.res, 200, { recordsIdsAdded: r.recordsIdsAdded, recordIdsMissing: r.recordIdsMissing });
  });

  router.on('PUT', '/crm/v3/lists/{listId}/memberships/remove', async (ctx) => {
    const ids = await parseBody(ctx, idArray);
    const r = lists.changeMembers(lists.require(ctx.params['listId'] ?? ''), [], ids);
    sendJson(ctx.res, 200, { recordIdsRemoved: r.recordIdsRemoved, recordIdsMissing: r.recordIdsMissing });
  });

  router.on('PUT', '/crm/v3/lists/{listId}/memberships/add-and-remove', async (ctx) => {
    const body = await parseBody(ctx, addRemove);
    const r = lists.changeMembers(
      lists.require(ctx.params['listId'] ?? ''),
      body.recordIdsToAdd ?? [],
      body.recordIdsToRemove ?? [],
    );
    sendJson(ctx.res, 200, r);
  });

  router.on('DELETE', '/crm/v3/lists/{listId}/memberships', (ctx) => {
    const l = lists.require(ctx.params['listId'] ?? '');
    lists.changeMembers(l, [], [...l.members.keys()]);
    sendJson(ctx.res, 204, undefined);
  });
}

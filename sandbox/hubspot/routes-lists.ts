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

  const membershipPage = (l: StoredList, q: URLSearchParams, order: 'id' | 'join') => {
    const limit = pageLimit(q);
    let ids = lists.sortedMembers(l);
    if (order === 'join') {
      ids = [...ids].sort(
        (a, b) =>
          (l.members.get(a)?.addedAt ?? 0) - (l.members.get(b)?.addedAt ?? 0) || Number(a) - Number(b),
      );
    }
    const after = q.get('after');
    let start = 0;
    if (after) {
      const last = decodeCursor(after);
      if (order === 'id') {
        start = ids.findIndex((id) => Number(id) > last);
        if (start < 0) start = ids.length;
      } else {
        start = ids.indexOf(String(last)) + 1;
      }
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
    sendJson(ctx.res, 200, membershipPage(l, ctx.query, 'id'));
  });

  router.on('GET', '/crm/v3/lists/{listId}/memberships/join-order', (ctx) => {
    const l = lists.require(ctx.params['listId'] ?? '');
    sendJson(ctx.res, 200, membershipPage(l, ctx.query, 'join'));
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

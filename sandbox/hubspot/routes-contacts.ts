import { z } from 'zod';
import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import type { StoredContact } from './contact-store.ts';
import { type ItemError, ItemFailure } from './contact-validation.ts';
import { HubSpotHttpError, errorBody, notFound, validationError } from './errors.ts';
import { flag, parseBody } from './request.ts';
import { type SearchRequest, searchContacts } from './search.ts';
import { propertyNames, toPublicObject } from './serialize.ts';
import type { SandboxState } from './state.ts';

const BASE = '/crm/v3/objects/contacts';
/** HubSpot's batch endpoints take at most 100 inputs. */
export const BATCH_LIMIT = 100;

const props = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const createInput = z.object({
  properties: props,
  associations: z.array(z.unknown()).optional(),
  objectWriteTraceId: z.string().optional(),
});
const updateInput = z.object({ properties: props });
const batchCreate = z.object({ inputs: z.array(createInput) });
const batchUpdate = z.object({
  inputs: z.array(
    z.object({
      id: z.string(),
      idProperty: z.string().optional(),
      properties: props,
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});
const batchUpsert = batchUpdate;
const batchRead = z.object({
  inputs: z.array(z.object({ id: z.string() })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});
const batchArchive = z.object({ inputs: z.array(z.object({ id: z.string() })) });
const filterSchema = z.object({
  propertyName: z.string(),
  operator: z.string(),
  value: z.unknown().optional(),
  values: z.array(z.unknown()).optional(),
  highValue: z.unknown().optional(),
});
const searchSchema = z.object({
  filterGroups: z.array(z.object({ filters: z.array(filterSchema) })).optional(),
  sorts: z
    .array(z.union([z.string(), z.object({ propertyName: z.string(), direction: z.string().optional() })]))
    .optional(),
  query: z.string().optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().optional(),
  after: z.union([z.string(), z.number()]).optional(),
});
const mergeSchema = z.object({ primaryObjectId: z.string(), objectIdToMerge: z.string() });
const gdprSchema = z.object({ objectId: z.string(), idProperty: z.string().optional() });

function checkBatchSize(n: number): void {
  if (n > BATCH_LIMIT) {
    throw validationError(
      `Too many inputs. The maximum batch size is ${BATCH_LIMIT}, but ${n} were provided.`,
      {
        context: { maxBatchSize: [String(BATCH_LIMIT)] },
      },
    );
  }
}

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) {
    const k = id.toLowerCase();
    if (seen.has(k)) dup.add(id);
    seen.add(k);
  }
  return [...dup];
}

function itemErrorBody(e: ItemError, context?: Record<string, string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = { status: 'error', category: e.category, message: e.message };
  const ctx = context ?? e.context;
  if (ctx) out['context'] = ctx;
  if (e.errors) out['errors'] = e.errors;
  return out;
}

function singleFailure(e: ItemFailure): HubSpotHttpError {
  const extra: Record<string, unknown> = {};
  if (e.item.errors) extra['errors'] = e.item.errors;
  if (e.item.context) extra['context'] = e.item.context;
  return new HubSpotHttpError(e.item.status, errorBody(e.item.category, e.item.message, extra));
}

function batchResponse(
  startedAt: string,
  results: unknown[],
  errors: Record<string, unknown>[],
  okStatus: number,
): [number, unknown] {
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt,
    completedAt: new Date().toISOString(),
  };
  if (errors.length === 0) return [okStatus, body];
  return [207, { ...body, numErrors: errors.length, errors }];
}

function notFoundBatchError(ids: string[]): Record<string, unknown> {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message:
      'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
    context: { ids },
  };
}

/** Register the CRM v3 contacts endpoints. */
export function registerContactRoutes(router: Router, s: SandboxState): void {
  const store = s.contacts;

  router.on('POST', `${BASE}/batch/read`, async (ctx) => {
    const body = await parseBody(ctx, batchRead);
    checkBatchSize(body.inputs.length);
    const startedAt = new Date().toISOString();
    const names = propertyNames(body.properties);
    const missing: string[] = [];
    const results: unknown[] = [];
    const seen = new Set<string>();
    for (const { id } of body.inputs) {
      const c = store.getBy(id, body.idProperty);
      if (!c) missing.push(id);
      else if (!seen.has(c.id)) {
        seen.add(c.id);
        const o = toPublicObject(c, names, body.propertiesWithHistory);
        results.push(o);
      }
    }
    const [status, out] = batchResponse(
      startedAt,
      results,
      missing.length ? [notFoundBatchError(missing)] : [],
      200,
    );
    sendJson(ctx.res, status, out);
  });

  router.on('POST', `${BASE}/batch/create`, async (ctx) => {
    const body = await parseBody(ctx, batchCreate);
    checkBatchSize(body.inputs.length);
    const startedAt = new Date().toISOString();
    // HubSpot rejects the whole contacts batch with 409 when an email already exists
    // (HubSpot/hubspot-api-python#51), so check before creating anything.
    const emails = body.inputs
      .map((i) =>
        String(i.properties['email'] ?? '')
          .trim()
          .toLowerCase(),
      )
      .filter(Boolean);
    for (const e of emails) {
      const existing = store.getByEmail(e);
      if (existing) {
        throw new HubSpotHttpError(
          409,
          errorBody('CONFLICT', `Contact already exists. Existing ID: ${existing.id}`),
        );
      }
    }
    const dup = duplicates(emails);
    if (dup.length > 0) throw validationError(`Duplicate emails found in batch input: [${dup.join(', ')}]`);
    const results: unknown[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const input of body.inputs) {
      try {
        const c = store.create(input.properties, s.actor(ctx.req));
        const o = {
          ...toPublicObject(c, Object.keys(input.properties)),
          ...(input.objectWriteTraceId ? { objectWriteTraceId: input.objectWriteTraceId } : {}),
        };
        results.push(o);
      } catch (err) {
        if (!(err instanceof ItemFailure)) throw err;
        errors.push(
          itemErrorBody(
            err.item,
            input.objectWriteTraceId ? { objectWriteTraceId: [input.objectWriteTraceId] } : undefined,
          ),
        );
      }
    }
    const [status, out] = batchResponse(startedAt, results, errors, 201);
    sendJson(ctx.res, status, out);
  });

  router.on('POST', `${BASE}/batch/update`, async (ctx) => {
    const body = await parseBody(ctx, batchUpdate);
    checkBatchSize(body.inputs.length);
    checkUniqueIds(body.inputs.map((i) => i.id));
    const startedAt = new Date().toISOString();
    const results: unknown[] = [];
    const errors: Record<string, unknown>[] = [];
    const missing: string[] = [];
    for (const input of body.inputs) {
      const c = store.getBy(input.id, input.idProperty);
      if (!c) {
        missing.push(input.id);
        continue;
      }
      try {
        store.update(c, input.properties, s.actor(ctx.req));
        results.push(toPublicObject(c, Object.keys(input.properties)));
      } catch (err) {
        if (!(err instanceof ItemFailure)) throw err;
        errors.push(itemErrorBody(err.item, { ids: [input.id] }));
      }
    }
    if (missing.length) errors.push(notFoundBatchError(missing));
    const [status, out] = batchResponse(startedAt, results, errors, 200);
    sendJson(ctx.res, status, out);
  });

  router.on('POST', `${BASE}/batch/upsert`, async (ctx) => {
    const body = await parseBody(ctx, batchUpsert);
    checkBatchSize(body.inputs.length);
    checkUniqueIds(body.inputs.map((i) => i.id));
    const startedAt = new Date().toISOString();
    const results: unknown[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const input of body.inputs) {
      const idProperty = input.idProperty ?? 'hs_object_id';
      try {
        const existing = store.getBy(input.id, idProperty);
        let c: StoredContact;
        let isNew = false;
        if (existing) c = store.update(existing, input.properties, s.actor(ctx.req));
        else if (idProperty === 'hs_object_id') {
          errors.push(notFoundBatchError([input.id]));
          continue;
        } else {
          c = store.create({ ...input.properties, [idProperty]: input.id }, s.actor(ctx.req));
          isNew = true;
        }
        const o = toPublicObject(c, [...Object.keys(input.properties), idProperty]);
        results.push({
          ...o,
          new: isNew,
          ...(input.objectWriteTraceId ? { objectWriteTraceId: input.objectWriteTraceId } : {}),
        });
      } catch (err) {
        if (!(err instanceof ItemFailure)) throw err;
        errors.push(
          itemErrorBody(
            err.item,
            input.objectWriteTraceId
              ? { objectWriteTraceId: [input.objectWriteTraceId] }
              : { ids: [input.id] },
          ),
        );
      }
    }
    const [status, out] = batchResponse(startedAt, results, errors, 200);
    sendJson(ctx.res, status, out);
  });

  router.on('POST', `${BASE}/batch/archive`, async (ctx) => {
    const body = await parseBody(ctx, batchArchive);
    checkBatchSize(body.inputs.length);
    for (const { id } of body.inputs) {
      const c = store.get(id);
      if (c) store.archive(c, s.actor(ctx.req));
    }
    sendJson(ctx.res, 204, undefined);
  });

  router.on('POST', `${BASE}/search`, async (ctx) => {
    const body = await parseBody(ctx, searchSchema);
    sendJson(ctx.res, 200, searchContacts(store, body as SearchRequest));
  });

  router.on('POST', `${BASE}/merge`, async (ctx) => {
    const body = await parseBody(ctx, mergeSchema);
    const primary = store.get(body.primaryObjectId);
    const merged = store.get(body.objectIdToMerge);
    if (!primary || !merged) {
      const id = primary ? body.objectIdToMerge : body.primaryObjectId;
      throw validationError(`Object ${id} does not exist or has already been merged.`);
    }
    if (primary.id === merged.id) throw validationError('Cannot merge a contact with itself.');
    const c = store.merge(primary, merged, s.actor(ctx.req));
    sendJson(ctx.res, 200, toPublicObject(c, undefined));
  });

  router.on('POST', `${BASE}/gdpr-delete`, async (ctx) => {
    const body = await parseBody(ctx, gdprSchema);
    const c = store.getBy(body.objectId, body.idProperty);
    if (!c) throw notFound();
    store.purge(c, s.actor(ctx.req));
    sendJson(ctx.res, 204, undefined);
  });

  router.on('GET', BASE, (ctx) => {
    const q = ctx.query;
    const limit = Math.min(Number(q.get('limit') ?? 10) || 10, 100);
    const after = q.get('after');
    const archived = flag(q, 'archived');
    const names = propertyNames(q.getAll('properties'));
    const hist = propertyNames(q.getAll('propertiesWithHistory'));
    const results: unknown[] = [];
    let next: string | undefined;
    // Ids are issued in ascending order, so Map order is id order and `after` is the next id.
    for (const c of store.contacts.values()) {
      if (c.archived !== archived) continue;
      if (after && Number(c.id) < Number(after)) continue;
      if (results.length === limit) {
        next = c.id;
        break;
      }
      results.push(toPublicObject(c, names, hist));
    }
    const out: Record<string, unknown> = { results };
    if (next) out['paging'] = { next: { after: next, link: `${BASE}?limit=${limit}&after=${next}` } };
    sendJson(ctx.res, 200, out);
  });

  router.on('POST', BASE, async (ctx) => {
    const body = await parseBody(ctx, createInput);
    try {
      const c = store.create(body.properties, s.actor(ctx.req));
      sendJson(ctx.res, 201, toPublicObject(c, Object.keys(body.properties)));
    } catch (err) {
      if (err instanceof ItemFailure) throw singleFailure(err);
      throw err;
    }
  });

  router.on('GET', `${BASE}/{contactId}`, (ctx) => {
    const q = ctx.query;
    const archived = flag(q, 'archived');
    const c = archived
      ? store.get(ctx.params['contactId'] ?? '', true)
      : store.getBy(ctx.params['contactId'] ?? '', q.get('idProperty') ?? undefined);
    if (!c || c.archived !== archived) throw notFound();
    sendJson(
      ctx.res,
      200,
      toPublicObject(
        c,
        propertyNames(q.getAll('properties')),
        propertyNames(q.getAll('propertiesWithHistory')),
      ),
    );
  });

  router.on('PATCH', `${BASE}/{contactId}`, async (ctx) => {
    const body = await parseBody(ctx, updateInput);
    const c = store.getBy(ctx.params['contactId'] ?? '', ctx.query.get('idProperty') ?? undefined);
    if (!c) throw notFound();
    try {
      store.update(c, body.properties, s.actor(ctx.req));
    } catch (err) {
      if (err instanceof ItemFailure) throw singleFailure(err);
      throw err;
    }
    sendJson(ctx.res, 200, toPublicObject(c, Object.keys(body.properties)));
  });

  router.on('DELETE', `${BASE}/{contactId}`, (ctx) => {
    // HubSpot answers 204 whether or not the record existed.
    const c = store.get(ctx.params['contactId'] ?? '');
    if (c) store.archive(c, s.actor(ctx.req));
    sendJson(ctx.res, 204, undefined);
  });
}

/** HubSpot refuses a batch update/upsert that names one id twice (400 VALIDATION_ERROR). */
function checkUniqueIds(ids: string[]): void {
  const dup = duplicates(ids);
  if (dup.length > 0)
    throw validationError(`Duplicate IDs found in batch input: [${dup.join(', ')}]. IDs must be unique`);
}

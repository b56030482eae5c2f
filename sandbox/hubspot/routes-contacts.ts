import { z } from 'zod';
import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import {
  batchResponse,
  checkBatchSize,
  checkUniqueIds,
  duplicates,
  itemErrorBody,
  notFoundBatchError,
  singleFailure,
} from './batch-responses.ts';
import type { ContactStore, StoredContact } from './contact-store.ts';
import { ItemFailure } from './contact-validation.ts';
import { HubSpotHttpError, errorBody, notFound, validationError } from './errors.ts';
import { flag, parseBody } from './request.ts';
import { CONTACTS } from './object-types.ts';
import { type SearchRequest, searchContacts } from './search.ts';
import { propertyNames, toPublicObject } from './serialize.ts';
import type { SandboxState } from './state.ts';

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

/** Register the CRM v3 contacts endpoints (the object endpoints plus GDPR delete). */
export function registerContactRoutes(router: Router, s: SandboxState): void {
  registerObjectRoutes(router, s, s.contacts);
  router.on('POST', '/crm/v3/objects/contacts/gdpr-delete', async (ctx) => {
    const body = await parseBody(ctx, gdprSchema);
    const c = s.contacts.getBy(body.objectId, body.idProperty);
    if (!c) throw notFound();
    s.contacts.purge(c, s.actor(ctx.req));
    sendJson(ctx.res, 204, undefined);
  });
}

/**
 * Register the CRM v3 object endpoints (CRUD, batch, search, merge) for the store's object
 * type: contacts and companies share HubSpot's `/crm/v3/objects/{objectType}` contract.
 */
export function registerObjectRoutes(router: Router, s: SandboxState, store: ContactStore): void {
  const kind = store.kind;
  const BASE = `/crm/v3/objects/${kind.plural}`;
  // The path parameter is named as HubSpot's reference names it (`{contactId}`, `{companyId}`): call counters use it.
  const ID = `${kind.singular}Id`;
  const pub = (c: StoredContact, names: string[] | undefined, hist?: string[]) =>
    toPublicObject(c, names, hist, kind);
  const notFoundBatch = (ids: string[]) => notFoundBatchError(kind, ids);

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
        const o = pub(c, names, body.propertiesWithHistory);
        results.push(o);
      }
    }
    const [status, out] = batchResponse(
      startedAt,
      results,
      missing.length ? [notFoundBatch(missing)] : [],
      200,
    );
    sendJson(ctx.res, status, out);
  });

  router.on('POST', `${BASE}/batch/create`, async (ctx) => {
    const body = await parseBody(ctx, batchCreate);
    checkBatchSize(body.inputs.length);
    const startedAt = new Date().toISOString();
    // HubSpot rejects the whole contacts batch with 409 when an email already exists
    // (HubSpot/hubspot-api-python#51), so check before creating anything; an email a merge left on a
    // survivor (`hs_additional_emails`) is taken too.
    const emails = (kind === CONTACTS ? body.inputs : [])
      .map((i) =>
        String(i.properties['email'] ?? '')
          .trim()
          .toLowerCase(),
      )
      .filter(Boolean);
    for (const e of emails) {
      const existing = store.holderOfEmail(e);
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
          ...pub(c, Object.keys(input.properties)),
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
        results.push(pub(c, Object.keys(input.properties)));
      } catch (err) {
        if (!(err instanceof ItemFailure)) throw err;
        errors.push(itemErrorBody(err.item, { ids: [input.id] }));
      }
    }
    if (missing.length) errors.push(notFoundBatch(missing));
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
          errors.push(notFoundBatch([input.id]));
          continue;
        } else {
          c = store.create({ ...input.properties, [idProperty]: input.id }, s.actor(ctx.req));
          isNew = true;
        }
        const o = pub(c, [...Object.keys(input.properties), idProperty]);
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
    if (primary.id === merged.id) throw validationError(`Cannot merge a ${kind.singular} with itself.`);
    const c = store.merge(primary, merged, s.actor(ctx.req));
    sendJson(ctx.res, 200, pub(c, undefined));
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
      results.push(pub(c, names, hist));
    }
    const out: Record<string, unknown> = { results };
    if (next) out['paging'] = { next: { after: next, link: `${BASE}?limit=${limit}&after=${next}` } };
    sendJson(ctx.res, 200, out);
  });

  router.on('POST', BASE, async (ctx) => {
    const body = await parseBody(ctx, createInput);
    try {
      const c = store.create(body.properties, s.actor(ctx.req));
      sendJson(ctx.res, 201, pub(c, Object.keys(body.properties)));
    } catch (err) {
      if (err instanceof ItemFailure) throw singleFailure(err);
      throw err;
    }
  });

  router.on('GET', `${BASE}/{${ID}}`, (ctx) => {
    const q = ctx.query;
    const archived = flag(q, 'archived');
    const c = archived
      ? store.get(ctx.params[ID] ?? '', true)
      : store.getBy(ctx.params[ID] ?? '', q.get('idProperty') ?? undefined);
    if (!c || c.archived !== archived) throw notFound();
    sendJson(
      ctx.res,
      200,
      pub(c, propertyNames(q.getAll('properties')), propertyNames(q.getAll('propertiesWithHistory'))),
    );
  });

  router.on('PATCH', `${BASE}/{${ID}}`, async (ctx) => {
    const body = await parseBody(ctx, updateInput);
    const c = store.getBy(ctx.params[ID] ?? '', ctx.query.get('idProperty') ?? undefined);
    if (!c) throw notFound();
    try {
      store.update(c, body.properties, s.actor(ctx.req));
    } catch (err) {
      if (err instanceof ItemFailure) throw singleFailure(err);
      throw err;
    }
    sendJson(ctx.res, 200, pub(c, Object.keys(body.properties)));
  });

  router.on('DELETE', `${BASE}/{${ID}}`, (ctx) => {
    // HubSpot answers 204 whether or not the record existed.
    const c = store.get(ctx.params[ID] ?? '');
    if (c) store.archive(c, s.actor(ctx.req));
    sendJson(ctx.res, 204, undefined);
  });
}

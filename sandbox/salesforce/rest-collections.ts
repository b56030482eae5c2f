/**
 * sObject Collections: create, update, delete, retrieve and upsert up to 200 records per call, each
 * with its own result, all-or-none when asked.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm
 */
import { SalesforceApiError, jsonParserError, malformedId } from './errors.ts';
import { isWellFormedId, to18 } from './ids.ts';
import {
  type ApiRequest,
  type ApiResponse,
  asObject,
  base,
  fieldNames,
  objectDef,
  toRecordBody,
} from './rest-request.ts';
import type { WriteScope } from './rest-write-scope.ts';

/** Collections accept at most 200 records per call. */
export const COLLECTION_LIMIT = 200;

/** POST (create) or PATCH (update) `/composite/sobjects`. */
export function collectionWrite(scope: WriteScope, r: ApiRequest, mode: 'create' | 'update'): ApiResponse {
  const body = asObject(r.body);
  const records = body.records;
  if (!Array.isArray(records)) throw jsonParserError('records: expected an array');
  checkCollectionSize(records.length);
  const allOrNone = body.allOrNone === true;
  const results = scope.runCollection(r.origin, allOrNone, records, (t, raw) => {
    const rec = asObject(raw);
    const attrs = rec.attributes as { type?: unknown } | undefined;
    const type = typeof attrs?.type === 'string' ? attrs.type : undefined;
    if (!type) {
      throw new SalesforceApiError(400, 'INVALID_TYPE', 'Must specify a type in attributes field', []);
    }
    const { attributes: _a, id: lowerId, Id: upperId, ...fields } = rec;
    if (mode === 'create') {
      if (lowerId !== undefined || upperId !== undefined) {
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          'cannot specify Id in an insert call',
          ['Id'],
        );
      }
      return scope.store.create(t, type, fields);
    }
    const id = String(lowerId ?? upperId ?? '');
    if (!id)
      throw new SalesforceApiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
    const obj = objectDef(type);
    if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) throw malformedId(obj.label, id);
    scope.store.update(t, type, id, fields);
    return to18(id);
  });
  return { status: 200, body: results.map((x) => x.result) };
}

/** DELETE `/composite/sobjects?ids=...`: an already deleted record fails with ENTITY_IS_DELETED. */
export function collectionDelete(scope: WriteScope, r: ApiRequest): ApiResponse {
  const ids = (r.query.get('ids') ?? '').split(',').filter(Boolean);
  checkCollectionSize(ids.length);
  const allOrNone = r.query.get('allOrNone') === 'true';
  const results = scope.runCollection(r.origin, allOrNone, ids, (t, raw) => {
    const id = String(raw);
    const rec = scope.store.get(id);
    if (!rec) {
      if (!isWellFormedId(id)) throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${id}`, []);
      throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    }
    if (rec.fields.IsDeleted === true)
      throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    scope.store.delete(t, rec.type, id);
    return to18(id);
  });
  return { status: 200, body: results.map((x) => x.result) };
}

/** POST or GET `/composite/sobjects/{type}`: records by id, null for the missing ones. */
export function collectionRetrieve(
  scope: WriteScope,
  r: ApiRequest,
  p: Record<string, string>,
  rawBody: unknown,
): ApiResponse {
  const obj = objectDef(p.type);
  const body = asObject(rawBody);
  const ids = body.ids;
  const fields = body.fields;
  if (!Array.isArray(ids) || !Array.isArray(fields)) throw jsonParserError('ids and fields are required');
  // Retrieve allows up to 2,000 ids per call.
  if (ids.length > 2000) {
    throw new SalesforceApiError(
      400,
      'EXCEEDED_ID_LIMIT',
      'record limit reached. cannot submit more than 2000 records into this call',
    );
  }
  const names = fieldNames(obj, fields.map(String));
  const out = ids.map((raw) => {
    const id = String(raw);
    const rec = scope.store.get(id);
    if (!rec || rec.type !== obj.name || rec.fields.IsDeleted === true) return null;
    return toRecordBody(obj, rec.fields, names, base(r));
  });
  return { status: 200, body: out };
}

/** PATCH `/composite/sobjects/{type}/{extIdField}`: update by Id, create without. */
export function collectionUpsert(scope: WriteScope, r: ApiRequest, p: Record<string, string>): ApiResponse {
  const obj = objectDef(p.type);
  const ext = obj.byLowerName.get((p.extIdField ?? '').toLowerCase());
  // Lead and Contact have no external id fields in a default org; Id is always accepted.
  if (ext?.name !== 'Id') {
    throw new SalesforceApiError(
      400,
      'INVALID_FIELD',
      `Field name provided, ${p.extIdField}, is not an External ID or indexed field for ${obj.name}`,
    );
  }
  const body = asObject(r.body);
  const records = body.records;
  if (!Array.isArray(records)) throw jsonParserError('records: expected an array');
  checkCollectionSize(records.length);
  const results = scope.runCollection(r.origin, body.allOrNone === true, records, (t, raw) => {
    const rec = asObject(raw);
    const { attributes: _a, Id: idValue, ...fields } = rec;
    const id = typeof idValue === 'string' ? idValue : '';
    if (id) {
      if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) throw malformedId(obj.label, id);
      scope.store.update(t, obj.name, id, fields);
      return { id: to18(id), created: false };
    }
    return { id: scope.store.create(t, obj.name, fields), created: true };
  });
  return { status: 200, body: results.map((x) => x.result) };
}

function checkCollectionSize(n: number): void {
  if (n > COLLECTION_LIMIT) {
    throw new SalesforceApiError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${COLLECTION_LIMIT} records into this call`,
    );
  }
}

/**
 * The REST API under `/services/data/vNN.N/`: sObject rows, sObject Collections, Composite,
 * query/queryMore/queryAll, describe and limits. Handlers are pure functions of an
 * `ApiRequest` so Composite can run subrequests through the same code.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_list.htm
 */
import { Router } from '../common/index.ts';
import { SalesforceApiError, jsonParserError, malformedId, notFound } from './errors.ts';
import { isWellFormedId, to18 } from './ids.ts';
import { type ObjectDef, OBJECTS, READ_ONLY_OBJECTS, describeObject, findObject } from './schema.ts';
import { halted, headerCase, resolveRefs, resolveRefsDeep } from './composite-refs.ts';
import { type QueryPage, QueryCursors } from './query-cursors.ts';
import { candidateIds, compareBy, matches, parseSoql } from './soql.ts';
import { type OrgStore, type Transaction, type WriteOrigin, unsupportedType } from './store.ts';

/** One REST call, already authenticated. */
export interface ApiRequest {
  method: string;
  /** Path below `/services/data/vNN.N`, e.g. `/sobjects/Lead/00Q...`. */
  path: string;
  version: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  origin: WriteOrigin;
  /** The bearer token: query cursors are counted per session user. */
  token?: string;
}

/** A handler's answer. */
export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (req: ApiRequest, params: Record<string, string>) => ApiResponse;

/** Collections accept at most 200 records per call. */
export const COLLECTION_LIMIT = 200;
/** Composite accepts at most 25 subrequests. */
export const COMPOSITE_LIMIT = 25;

/** Live numbers the `limits` resource reports. */
export interface LimitsSource {
  dailyApiLimit(): number;
  dailyApiUsed(): number;
}

/** Options of the REST API. */
export interface RestApiOptions {
  store: OrgStore;
  limits: LimitsSource;
  /** Default page size of query results (Salesforce: 2,000). */
  queryPageSize: number;
}

/** The REST API dispatcher. */
export class RestApi {
  readonly #router = new Router();
  readonly #handlers = new Map<string, Handler>();
  readonly #cursors = new QueryCursors();
  readonly #store: OrgStore;
  /** The transaction of a Composite request with allOrNone: true, while it runs. */
  #outer: Transaction | undefined;
  #outerFailed = false;

  constructor(readonly options: RestApiOptions) {
    this.#store = options.store;
    this.#on('GET', '/', () => ({ status: 200, body: this.#resources('/services/data/v64.0') }));
    this.#on('GET', '/limits', () => this.#limitsBody());
    this.#on('GET', '/sobjects', (r) => this.#describeGlobal(r));
    this.#on('GET', '/sobjects/{type}', (r, p) => this.#objectInfo(r, p));
    this.#on('GET', '/sobjects/{type}/describe', (r, p) => ({
      status: 200,
      body: describeObject(this.#object(p.type), base(r)),
    }));
    this.#on('POST', '/sobjects/{type}', (r, p) => this.#createOne(r, p));
    this.#on('GET', '/sobjects/{type}/{id}', (r, p) => this.#retrieveOne(r, p));
    this.#on('PATCH', '/sobjects/{type}/{id}', (r, p) => this.#updateOne(r, p));
    this.#on('DELETE', '/sobjects/{type}/{id}', (r, p) => this.#deleteOne(r, p));
    this.#on('POST', '/composite/sobjects', (r) => this.#collectionWrite(r, 'create'));
    this.#on('PATCH', '/composite/sobjects', (r) => this.#collectionWrite(r, 'update'));
    this.#on('DELETE', '/composite/sobjects', (r) => this.#collectionDelete(r));
    this.#on('POST', '/composite/sobjects/{type}', (r, p) => this.#collectionRetrieve(r, p, r.body));
    this.#on('GET', '/composite/sobjects/{type}', (r, p) =>
      this.#collectionRetrieve(r, p, {
        ids: (r.query.get('ids') ?? '').split(',').filter(Boolean),
        fields: (r.query.get('fields') ?? '').split(',').filter(Boolean),
      }),
    );
    this.#on('PATCH', '/composite/sobjects/{type}/{extIdField}', (r, p) => this.#collectionUpsert(r, p));
    this.#on('POST', '/composite', (r) => this.#composite(r));
    this.#on('GET', '/query', (r) => this.#query(r, false));
    this.#on('GET', '/queryAll', (r) => this.#query(r, true));
    this.#on('GET', '/query/{locator}', (r, p) => this.#queryMore(r, p.locator ?? ''));
    this.#on('GET', '/queryAll/{locator}', (r, p) => this.#queryMore(r, p.locator ?? ''));
  }

  #on(method: string, template: string, handler: Handler): void {
    this.#router.on(method, template, () => undefined);
    this.#handlers.set(`${method} ${template}`, handler);
  }

  /** The route template (`GET /sobjects/{type}`) a request maps to, for counters. */
  templateOf(method: string, path: string): string | undefined {
    return this.#router.match(method, path === '' ? '/' : path)?.template;
  }

  /** Run one request; API errors become their REST bodies. */
  handle(req: ApiRequest): ApiResponse {
    const path = req.path === '' ? '/' : req.path;
    const m = this.#router.match(req.method, path);
    try {
      if (!m) {
        if (this.#router.hasPath(path)) {
          throw new SalesforceApiError(
            405,
            'METHOD_NOT_ALLOWED',
            `HTTP Method '${req.method}' not allowed. Allowed are GET,PATCH,DELETE,POST`,
          );
        }
        throw notFound('The requested resource does not exist');
      }
      const handler = this.#handlers.get(m.template);
      if (!handler) throw notFound();
      return handler(req, m.params);
    } catch (err) {
      if (err instanceof SalesforceApiError) return { status: err.status, body: err.toRestBody() };
      throw err;
    }
  }

  /** Drop cursors (reset). */
  reset(): void {
    this.#cursors.reset();
  }

  #object(name: string | undefined): ObjectDef {
    const obj = findObject(name ?? '');
    if (!obj) throw unsupportedType(name ?? '');
    return obj;
  }

  #resources(b: string): Record<string, string> {
    return {
      sobjects: `${b}/sobjects`,
      query: `${b}/query`,
      queryAll: `${b}/queryAll`,
      composite: `${b}/composite`,
      limits: `${b}/limits`,
    };
  }

  #limitsBody(): ApiResponse {
    const max = this.options.limits.dailyApiLimit();
    const used = this.options.limits.dailyApiUsed();
    return {
      status: 200,
      body: {
        DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) },
        DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
        DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
        DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
        DailyStreamingApiEvents: { Max: 1000000, Remaining: 1000000 },
        HourlyPublishedPlatformEvents: { Max: 250000, Remaining: 250000 },
        DataStorageMB: { Max: 1024, Remaining: 1024 },
        SingleEmail: { Max: 5000, Remaining: 5000 },
      },
    };
  }

  #describeGlobal(r: ApiRequest): ApiResponse {
    return {
      status: 200,
      body: {
        encoding: 'UTF-8',
        maxBatchSize: 200,
        sobjects: [...OBJECTS.values()].map((o) => ({
          name: o.name,
          label: o.label,
          labelPlural: o.labelPlural,
          keyPrefix: o.keyPrefix,
          custom: false,
          createable: !READ_ONLY_OBJECTS.has(o),
          updateable: !READ_ONLY_OBJECTS.has(o),
          deletable: !READ_ONLY_OBJECTS.has(o),
          queryable: true,
          retrieveable: true,
          urls: {
            sobject: `${base(r)}/sobjects/${o.name}`,
            describe: `${base(r)}/sobjects/${o.name}/describe`,
          },
        })),
      },
    };
  }

  #objectInfo(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = this.#object(p.type);
    const d = describeObject(obj, base(r));
    const { fields: _f, childRelationships: _c, recordTypeInfos: _rt, ...objectDescribe } = d;
    const recent = [...this.#store.all(obj.name)]
      .filter((x) => x.fields.IsDeleted !== true)
      .slice(-5)
      .map((x) => toRecordBody(obj, x.fields, ['Id', 'Name'], base(r)));
    return { status: 200, body: { objectDescribe, recentItems: recent } };
  }

  /**
   * Run a write in its own transaction, or inside the enclosing Composite transaction
   * (allOrNone: true) when there is one.
   */
  #withTxn<T>(origin: WriteOrigin, fn: (t: Transaction) => T): T {
    const outer = this.#outer;
    const txn = outer ?? this.#store.begin(origin);
    const sp = this.#store.savepoint(txn);
    try {
      const out = fn(txn);
      if (!outer) this.#store.commit(txn);
      return out;
    } catch (err) {
      this.#store.rollbackTo(txn, sp);
      throw err;
    }
  }

  #createOne(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = this.#object(p.type);
    const body = asObject(r.body);
    const id = this.#withTxn(r.origin, (t) => this.#store.create(t, obj.name, body));
    return {
      status: 201,
      body: { id, success: true, errors: [] },
      headers: { location: `${base(r)}/sobjects/${obj.name}/${id}` },
    };
  }

  #retrieveOne(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = this.#object(p.type);
    const id = p.id ?? '';
    if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) {
      throw notFound(`Provided external ID field does not exist or is not accessible: ${id}`);
    }
    const rec = this.#store.get(id);
    if (!rec || rec.type !== obj.name || rec.fields.IsDeleted === true)
      throw notFound('The requested resource does not exist');
    const fieldsParam = r.query.get('fields');
    const names = fieldsParam ? this.#fieldNames(obj, fieldsParam.split(',')) : obj.fields.map((f) => f.name);
    return { status: 200, body: toRecordBody(obj, rec.fields, names, base(r)) };
  }

  #fieldNames(obj: ObjectDef, names: string[]): string[] {
    return names
      .map((n) => n.trim())
      .filter(Boolean)
      .map((n) => {
        const def = obj.byLowerName.get(n.toLowerCase());
        if (!def)
          throw new SalesforceApiError(
            400,
            'INVALID_FIELD',
            `No such column '${n}' on sobject of type ${obj.name}`,
          );
        return def.name;
      });
  }

  #updateOne(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = this.#object(p.type);
    const body = asObject(r.body);
    this.#withTxn(r.origin, (t) => this.#store.update(t, obj.name, p.id ?? '', body));
    return { status: 204 };
  }

  #deleteOne(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = this.#object(p.type);
    this.#withTxn(r.origin, (t) => this.#store.delete(t, obj.name, p.id ?? ''));
    return { status: 204 };
  }

  #collectionWrite(r: ApiRequest, mode: 'create' | 'update'): ApiResponse {
    const body = asObject(r.body);
    const records = body.records;
    if (!Array.isArray(records)) throw jsonParserError('records: expected an array');
    checkCollectionSize(records.length);
    const allOrNone = body.allOrNone === true;
    const results = this.#runCollection(r.origin, allOrNone, records, (t, raw) => {
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
        return this.#store.create(t, type, fields);
      }
      const id = String(lowerId ?? upperId ?? '');
      if (!id)
        throw new SalesforceApiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
      const obj = this.#object(type);
      if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) throw malformedId(obj.label, id);
      this.#store.update(t, type, id, fields);
      return to18(id);
    });
    return { status: 200, body: results.map((x) => x.result) };
  }

  /**
   * Run a collection: each record in order, in one transaction. With allOrNone, the first
   * failure rolls everything back and the other records report ALL_OR_NONE_OPERATION_ROLLED_BACK
   * (records after the failure are still validated, as the platform does).
   */
  #runCollection(
    origin: WriteOrigin,
    allOrNone: boolean,
    items: unknown[],
    op: (t: Transaction, item: unknown) => string | { id: string; created: boolean },
  ): { result: Record<string, unknown>; ok: boolean }[] {
    const outer = this.#outer;
    // A Composite with allOrNone: true makes every collection inside it all-or-none.
    const atomic = allOrNone || outer !== undefined;
    const txn = outer ?? this.#store.begin(origin);
    const start = this.#store.savepoint(txn);
    const results: { result: Record<string, unknown>; ok: boolean }[] = [];
    for (const item of items) {
      const sp = this.#store.savepoint(txn);
      try {
        const out = op(txn, item);
        const id = typeof out === 'string' ? out : out.id;
        results.push({
          ok: true,
          result:
            typeof out === 'string'
              ? { id, success: true, errors: [] }
              : { id, success: true, errors: [], created: out.created },
        });
      } catch (err) {
        if (!(err instanceof SalesforceApiError)) throw err;
        // Undo this record's partial work only.
        this.#store.rollbackTo(txn, sp);
        results.push({ ok: false, result: { success: false, errors: [err.toSaveError()] } });
      }
    }
    if (atomic && results.some((x) => !x.ok)) {
      this.#store.rollbackTo(txn, start);
      if (outer) this.#outerFailed = true;
      return results.map((x) =>
        x.ok
          ? {
              ok: false,
              result: {
                success: false,
                errors: [
                  {
                    statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                    message:
                      'Record rolled back because not all records were valid and the request was using AllOrNone header',
                    fields: [],
                  },
                ],
              },
            }
          : x,
      );
    }
    if (!outer) this.#store.commit(txn);
    return results;
  }

  #collectionDelete(r: ApiRequest): ApiResponse {
    const ids = (r.query.get('ids') ?? '').split(',').filter(Boolean);
    checkCollectionSize(ids.length);
    const allOrNone = r.query.get('allOrNone') === 'true';
    const results = this.#runCollection(r.origin, allOrNone, ids, (t, raw) => {
      const id = String(raw);
      const rec = this.#store.get(id);
      if (!rec) {
        if (!isWellFormedId(id)) throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${id}`, []);
        throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
      }
      if (rec.fields.IsDeleted === true)
        throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
      this.#store.delete(t, rec.type, id);
      return to18(id);
    });
    return { status: 200, body: results.map((x) => x.result) };
  }

  #collectionRetrieve(r: ApiRequest, p: Record<string, string>, rawBody: unknown): ApiResponse {
    const obj = this.#object(p.type);
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
    const names = this.#fieldNames(obj, fields.map(String));
    const out = ids.map((raw) => {
      const id = String(raw);
      const rec = this.#store.get(id);
      if (!rec || rec.type !== obj.name || rec.fields.IsDeleted === true) return null;
      return toRecordBody(obj, rec.fields, names, base(r));
    });
    return { status: 200, body: out };
  }

  #collectionUpsert(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = this.#object(p.type);
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
    const results = this.#runCollection(r.origin, body.allOrNone === true, records, (t, raw) => {
      const rec = asObject(raw);
      const { attributes: _a, Id: idValue, ...fields } = rec;
      const id = typeof idValue === 'string' ? idValue : '';
      if (id) {
        if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) throw malformedId(obj.label, id);
        this.#store.update(t, obj.name, id, fields);
        return { id: to18(id), created: false };
      }
      return { id: this.#store.create(t, obj.name, fields), created: true };
    });
    return { status: 200, body: results.map((x) => x.result) };
  }

  #composite(r: ApiRequest): ApiResponse {
    const body = asObject(r.body);
    const subs = body.compositeRequest;
    if (!Array.isArray(subs)) throw jsonParserError('compositeRequest: expected an array');
    if (subs.length > COMPOSITE_LIMIT) {
      throw new SalesforceApiError(
        400,
        'INVALID_API_INPUT',
        `Composite request may only have ${COMPOSITE_LIMIT} subrequests`,
      );
    }
    const allOrNone = body.allOrNone === true;
    if (this.#outer)
      throw new SalesforceApiError(400, 'INVALID_API_INPUT', 'Composite requests cannot be nested');
    // allOrNone: true runs every subrequest in one transaction, rolled back on the first error;
    // the other subrequests then report 400 PROCESSING_HALTED.
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
    const txn = allOrNone ? this.#store.begin(r.origin) : undefined;
    this.#outer = txn;
    this.#outerFailed = false;
    const refs = new Map<string, unknown>();
    const out: Record<string, unknown>[] = [];
    let failedAt = -1;
    try {
      for (const [index, raw] of subs.entries()) {
        const sub = asObject(raw);
        const referenceId = String(sub.referenceId ?? '');
        if (failedAt >= 0 && allOrNone) {
          out.push(halted(referenceId));
          continue;
        }
        const url = resolveRefs(String(sub.url ?? ''), refs);
        const m = /^\/services\/data\/v(\d+\.\d)(\/[^?]*)?(\?.*)?$/.exec(url);
        const res: ApiResponse = m
          ? this.handle({
              method: String(sub.method ?? 'GET').toUpperCase(),
              path: m[2] ?? '/',
              version: m[1] ?? r.version,
              query: new URLSearchParams((m[3] ?? '').slice(1)),
              body: resolveRefsDeep(sub.body, refs),
              headers: r.headers,
              origin: r.origin,
              token: r.token,
            })
          : {
              status: 404,
              body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
            };
        if ((res.status >= 400 || this.#outerFailed) && failedAt < 0) failedAt = index;
        if (res.status < 300 && res.body && typeof res.body === 'object') refs.set(referenceId, res.body);
        out.push({
          body: res.body ?? null,
          httpHeaders: headerCase(res.headers ?? {}),
          httpStatusCode: res.status,
          referenceId,
        });
      }
    } finally {
      this.#outer = undefined;
    }
    if (txn) {
      if (failedAt >= 0) {
        this.#store.rollback(txn);
        for (let i = 0; i < out.length; i++) {
          if (i !== failedAt) out[i] = halted(String(out[i]?.referenceId ?? ''));
        }
      } else this.#store.commit(txn);
    }
    return { status: 200, body: { compositeResponse: out } };
  }

  #query(r: ApiRequest, all: boolean): ApiResponse {
    const soql = r.query.get('q');
    if (!soql) throw new SalesforceApiError(400, 'MALFORMED_QUERY', 'unexpected token: <EOF>');
    const q = parseSoql(soql);
    const rows: Record<string, unknown>[] = [];
    const ids = candidateIds(q.where);
    const source = ids
      ? [...new Set(ids)]
          .map((id) => this.#store.get(id))
          .filter((x) => x !== undefined && x.type === q.object.name)
      : this.#store.all(q.object.name);
    for (const rec of source) {
      if (!rec) continue;
      if (!all && rec.fields.IsDeleted === true) continue;
      if (q.where && !matches(q.where, rec.fields)) continue;
      rows.push(rec.fields);
    }
    if (q.orderBy.length > 0) rows.sort(compareBy(q.orderBy));
    const sliced = rows.slice(q.offset ?? 0, q.limit !== undefined ? (q.offset ?? 0) + q.limit : undefined);
    if (q.count) return { status: 200, body: { totalSize: sliced.length, done: true, records: [] } };
    const names = q.fields.map((f) => f.name);
    const records = sliced.map((f) => toRecordBody(q.object, f, names, base(r)));
    const first = this.#cursors.open(records, this.#pageSize(r), r.token ?? '');
    return { status: 200, body: withUrl(first, base(r)) };
  }

  #pageSize(r: ApiRequest): number {
    // Sforce-Query-Options: batchSize=N (200..2000) — a request hint, not a guarantee.
    const opt = header(r.headers, 'sforce-query-options');
    const m = opt ? /batchSize=(\d+)/i.exec(opt) : null;
    if (m) return Math.min(2000, Math.max(200, Number(m[1])));
    return this.options.queryPageSize;
  }

  #queryMore(r: ApiRequest, locator: string): ApiResponse {
    return { status: 200, body: withUrl(this.#cursors.more(locator), base(r)) };
  }
}

function withUrl(page: QueryPage, baseUrl: string): Record<string, unknown> {
  const body: Record<string, unknown> = { totalSize: page.totalSize, done: page.done };
  if (page.locator) body.nextRecordsUrl = `${baseUrl}/query/${page.locator}`;
  body.records = page.records;
  return body;
}

function base(r: ApiRequest): string {
  return `/services/data/v${r.version}`;
}

function header(h: ApiRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
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

function asObject(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw jsonParserError('Cannot deserialize instance of object from non-object value');
  }
  return v as Record<string, unknown>;
}

/** A record as the REST API prints it: `attributes` first, then the asked fields. */
export function toRecordBody(
  obj: ObjectDef,
  fields: Record<string, unknown>,
  names: readonly string[],
  baseUrl: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: obj.name, url: `${baseUrl}/sobjects/${obj.name}/${String(fields.Id)}` },
  };
  for (const n of names) out[n] = fields[n] ?? null;
  return out;
}

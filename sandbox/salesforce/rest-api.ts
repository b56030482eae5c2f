/**
 * The REST API under `/services/data/vNN.N/`: sObject rows, sObject Collections, Composite,
 * query/queryMore/queryAll, describe and limits. Handlers are pure functions of an
 * `ApiRequest` so Composite can run subrequests through the same code.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_list.htm
 */
import { Router } from '../common/index.ts';
import { BulkQueryJobs } from './bulk-query.ts';
import { SalesforceApiError, jsonParserError, notFound } from './errors.ts';
import { isWellFormedId } from './ids.ts';
import { OBJECTS, READ_ONLY_OBJECTS } from './schema.ts';
import { describeObject } from './schema-describe.ts';
import { halted, headerCase, resolveRefs, resolveRefsDeep } from './composite-refs.ts';
import { QueryCursors } from './query-cursors.ts';
import {
  collectionDelete,
  collectionRetrieve,
  collectionUpsert,
  collectionWrite,
} from './rest-collections.ts';
import { queryMore, runQuery } from './rest-query.ts';
import {
  type ApiRequest,
  type ApiResponse,
  asObject,
  base,
  fieldNames,
  objectDef,
  toRecordBody,
} from './rest-request.ts';
import { WriteScope } from './rest-write-scope.ts';
import type { OrgStore } from './store.ts';

type Handler = (req: ApiRequest, params: Record<string, string>) => ApiResponse;

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
  /** The org's clock: Bulk API 2.0 query jobs expire on it. */
  now: () => number;
  /** Status polls until a Bulk API 2.0 query job completes (default 2). */
  bulkQueryPollsToComplete?: number;
}

/** The REST API dispatcher. */
export class RestApi {
  readonly #router = new Router();
  readonly #handlers = new Map<string, Handler>();
  readonly #cursors = new QueryCursors();
  readonly #store: OrgStore;
  readonly #scope: WriteScope;
  /** Bulk API 2.0 query jobs (`/jobs/query`). */
  readonly bulkQueries: BulkQueryJobs;

  constructor(readonly options: RestApiOptions) {
    this.#store = options.store;
    this.#scope = new WriteScope(options.store);
    this.bulkQueries = new BulkQueryJobs({
      store: options.store,
      now: options.now,
      ...(options.bulkQueryPollsToComplete ? { pollsToComplete: options.bulkQueryPollsToComplete } : {}),
    });
    this.#on('GET', '/', () => ({ status: 200, body: this.#resources('/services/data/v64.0') }));
    this.#on('GET', '/limits', () => this.#limitsBody());
    this.#on('GET', '/sobjects', (r) => this.#describeGlobal(r));
    this.#on('GET', '/sobjects/{type}', (r, p) => this.#objectInfo(r, p));
    this.#on('GET', '/sobjects/{type}/describe', (r, p) => ({
      status: 200,
      body: describeObject(objectDef(p.type), base(r)),
    }));
    this.#on('POST', '/sobjects/{type}', (r, p) => this.#createOne(r, p));
    this.#on('GET', '/sobjects/{type}/{id}', (r, p) => this.#retrieveOne(r, p));
    this.#on('PATCH', '/sobjects/{type}/{id}', (r, p) => this.#updateOne(r, p));
    this.#on('DELETE', '/sobjects/{type}/{id}', (r, p) => this.#deleteOne(r, p));
    this.#on('POST', '/composite/sobjects', (r) => collectionWrite(this.#scope, r, 'create'));
    this.#on('PATCH', '/composite/sobjects', (r) => collectionWrite(this.#scope, r, 'update'));
    this.#on('DELETE', '/composite/sobjects', (r) => collectionDelete(this.#scope, r));
    this.#on('POST', '/composite/sobjects/{type}', (r, p) => collectionRetrieve(this.#scope, r, p, r.body));
    this.#on('GET', '/composite/sobjects/{type}', (r, p) =>
      collectionRetrieve(this.#scope, r, p, {
        ids: (r.query.get('ids') ?? '').split(',').filter(Boolean),
        fields: (r.query.get('fields') ?? '').split(',').filter(Boolean),
      }),
    );
    this.#on('PATCH', '/composite/sobjects/{type}/{extIdField}', (r, p) =>
      collectionUpsert(this.#scope, r, p),
    );
    this.#on('POST', '/composite', (r) => this.#composite(r));
    this.#on('GET', '/query', (r) =>
      runQuery(this.#store, this.#cursors, this.options.queryPageSize, r, false),
    );
    this.#on('GET', '/queryAll', (r) =>
      runQuery(this.#store, this.#cursors, this.options.queryPageSize, r, true),
    );
    this.#on('GET', '/query/{locator}', (r, p) => queryMore(this.#cursors, r, p.locator ?? ''));
    this.#on('GET', '/queryAll/{locator}', (r, p) => queryMore(this.#cursors, r, p.locator ?? ''));
    const jobs = this.bulkQueries;
    this.#on('POST', '/jobs/query', (r) => jobs.create(r));
    this.#on('GET', '/jobs/query', (r) => jobs.list(r));
    this.#on('GET', '/jobs/query/{id}', (_r, p) => jobs.status(p.id ?? ''));
    this.#on('PATCH', '/jobs/query/{id}', (r, p) => jobs.abort(r, p.id ?? ''));
    this.#on('DELETE', '/jobs/query/{id}', (_r, p) => jobs.remove(p.id ?? ''));
    this.#on('GET', '/jobs/query/{id}/results', (r, p) => jobs.results(r, p.id ?? ''));
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

  /** Drop cursors and Bulk query jobs (reset). */
  reset(): void {
    this.#cursors.reset();
    this.bulkQueries.reset();
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
        DailyBulkV2QueryJobs: {
          Max: this.bulkQueries.daily.limit,
          Remaining: Math.max(0, this.bulkQueries.daily.limit - this.bulkQueries.daily.used()),
        },
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
    const obj = objectDef(p.type);
    const d = describeObject(obj, base(r));
    const { fields: _f, childRelationships: _c, recordTypeInfos: _rt, ...objectDescribe } = d;
    const recent = [...this.#store.all(obj.name)]
      .filter((x) => x.fields.IsDeleted !== true)
      .slice(-5)
      .map((x) => toRecordBody(obj, x.fields, ['Id', 'Name'], base(r)));
    return { status: 200, body: { objectDescribe, recentItems: recent } };
  }

  #createOne(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = objectDef(p.type);
    const body = asObject(r.body);
    const id = this.#scope.withTxn(r.origin, (t) => this.#store.create(t, obj.name, body));
    return {
      status: 201,
      body: { id, success: true, errors: [] },
      headers: { location: `${base(r)}/sobjects/${obj.name}/${id}` },
    };
  }

  #retrieveOne(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = objectDef(p.type);
    const id = p.id ?? '';
    if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) {
      throw notFound(`Provided external ID field does not exist or is not accessible: ${id}`);
    }
    const rec = this.#store.get(id);
    if (!rec || rec.type !== obj.name || rec.fields.IsDeleted === true)
      throw notFound('The requested resource does not exist');
    const fieldsParam = r.query.get('fields');
    const names = fieldsParam ? fieldNames(obj, fieldsParam.split(',')) : obj.fields.map((f) => f.name);
    return { status: 200, body: toRecordBody(obj, rec.fields, names, base(r)) };
  }

  #updateOne(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = objectDef(p.type);
    const body = asObject(r.body);
    this.#scope.withTxn(r.origin, (t) => this.#store.update(t, obj.name, p.id ?? '', body));
    return { status: 204 };
  }

  #deleteOne(r: ApiRequest, p: Record<string, string>): ApiResponse {
    const obj = objectDef(p.type);
    this.#scope.withTxn(r.origin, (t) => this.#store.delete(t, obj.name, p.id ?? ''));
    return { status: 204 };
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
    if (this.#scope.outer)
      throw new SalesforceApiError(400, 'INVALID_API_INPUT', 'Composite requests cannot be nested');
    // allOrNone: true runs every subrequest in one transaction, rolled back on the first error;
    // the other subrequests then report 400 PROCESSING_HALTED.
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
    const txn = allOrNone ? this.#store.begin(r.origin) : undefined;
    this.#scope.outer = txn;
    this.#scope.outerFailed = false;
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
        if ((res.status >= 400 || this.#scope.outerFailed) && failedAt < 0) failedAt = index;
        if (res.status < 300 && res.body && typeof res.body === 'object') refs.set(referenceId, res.body);
        out.push({
          body: res.body ?? null,
          httpHeaders: headerCase(res.headers ?? {}),
          httpStatusCode: res.status,
          referenceId,
        });
      }
    } finally {
      this.#scope.outer = undefined;
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
}

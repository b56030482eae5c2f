import type { Connection } from 'jsforce';
import { z } from 'zod';
import type { SalesforceObject } from '../domain/notice.ts';
import { RetryableError } from '../errors.ts';
import type {
  FieldValues,
  SalesforceAccount,
  SalesforcePort,
  SalesforceRecord,
  SalesforceUser,
  WriteOutcome,
} from '../ports.ts';
import { type Lane, limitedCall, type RateLimiter } from '../rate-limit/index.ts';
import {
  classifySalesforceFailure,
  SalesforceRequestError,
  salesforceCategory,
} from './salesforce-errors.ts';
import {
  type QueryResult,
  queryResultSchema,
  type SaveResult,
  saveResultsSchema,
  selectFields,
  toSalesforceAccount,
  toSalesforceRecord,
} from './salesforce-records.ts';
import {
  apiName,
  chunkForInClause,
  encodeQueryParam,
  inClause,
  isSalesforceId,
  selectQuery,
  soqlDateTime,
} from './salesforce-soql.ts';

/** The objects crmsync writes: Leads and Contacts (contacts), Accounts (companies). */
type WritableObject = SalesforceObject | 'Account';

/** A User row as SOQL answers it. */
const userRecordSchema = z.looseObject({
  Id: z.string(),
  Email: z.string().nullable().optional(),
  IsActive: z.boolean(),
  UserType: z.string().nullable().optional(),
});

/** sObject Collections take at most 200 records per call (REST API "sObject Collections"). */
const COLLECTION = 200;
/** Composite takes at most 5 query subrequests per call (REST API "Composite"). */
const COMPOSITE_QUERIES = 5;

interface PlannedQuery {
  soql: string;
  /** queryAll: include deleted and merged records. */
  all: boolean;
}

export interface SalesforceCrmOptions {
  connection: Connection;
  limiter: RateLimiter;
  /** Sent as `Sforce-Call-Options: client=<clientName>` on every write, so CDC echoes can be recognized. */
  clientName: string;
  /** Priority of this instance's calls (default live); `withLane('bulk')` gives a resync/import view. */
  lane?: Lane;
  /** Per-request timeout given to jsforce, which aborts the request (default 30 s). */
  timeoutMs?: number;
  /** Attempts per call, including the first (default 5). */
  maxAttempts?: number;
  /** Pause after `REQUEST_LIMIT_EXCEEDED: TotalRequests` (default 15 min). */
  orgLimitPauseMs?: number;
  /** Read by id with `/queryAll` so deleted and merged records are seen (default true). */
  readDeleted?: boolean;
}

interface HttpRequestLike {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: string;
  headers?: Record<string, string>;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The Salesforce adapter (`SalesforcePort`) over `jsforce`. Reads are SOQL `IN` queries (chunked so
 * the URL stays short, paged through `nextRecordsUrl`); writes are sObject Collections of 200 with
 * `allOrNone: false` and `Sforce-Call-Options: client=<clientName>`, each result mapped back to its
 * input. Every request goes through the shared RateLimiter with jsforce's own retry turned off (it
 * sleeps on the wall clock and retries 429/5xx without telling the limiter); `Sforce-Limit-Info`,
 * which jsforce parses into `connection.limitInfo`, is fed to the limiter after every call.
 */
export class SalesforceCrm implements SalesforcePort {
  readonly #conn: Connection;
  readonly #limiter: RateLimiter;
  readonly #clientName: string;
  readonly #lane: Lane;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #orgLimitPauseMs: number;
  readonly #opts: SalesforceCrmOptions;
  #readDeleted: boolean;
  #lastLimitInfo: unknown;

  constructor(opts: SalesforceCrmOptions) {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(opts.clientName)) {
      throw new Error(
        `clientName must be 1-40 letters, digits, _ or - (got ${JSON.stringify(opts.clientName)})`,
      );
    }
    // jsforce writes its own Sforce-Call-Options header over ours when the connection has callOptions.
    const callOptions = opts.connection._callOptions;
    if (callOptions && callOptions['client'] !== opts.clientName) {
      throw new Error(
        `the jsforce connection's callOptions.client (${String(callOptions['client'])}) differs from clientName ${opts.clientName}: echo suppression would break`,
      );
    }
    this.#opts = opts;
    this.#conn = opts.connection;
    this.#limiter = opts.limiter;
    this.#clientName = opts.clientName;
    this.#lane = opts.lane ?? 'live';
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#maxAttempts = opts.maxAttempts ?? 5;
    this.#orgLimitPauseMs = opts.orgLimitPauseMs ?? 15 * 60_000;
    this.#readDeleted = opts.readDeleted ?? true;
    this.#lastLimitInfo = opts.connection.limitInfo;
  }

  /** The same adapter with its calls in another lane (bulk for resync and import). */
  withLane(lane: Lane): SalesforceCrm {
    return new SalesforceCrm({ ...this.#opts, lane, readDeleted: this.#readDeleted });
  }

  /** One REST request: limiter slot, jsforce timeout and no jsforce retry, org usage observed, bounded retries. */
  async #request<T = unknown>(
    op: string,
    request: HttpRequestLike,
    parse?: (body: unknown) => T,
    opts: { idempotent?: boolean } = {},
  ): Promise<T> {
    return limitedCall<T>({
      limiter: this.#limiter,
      op,
      lane: this.#lane,
      maxAttempts: this.#maxAttempts,
      idempotent: opts.idempotent ?? true,
      call: async () => {
        try {
          const body = await this.#conn.request<unknown>(request, {
            retry: { maxRetries: 0 },
            timeout: this.#timeoutMs,
          });
          // Parsed inside the attempt: a failed Composite subrequest is classified and retried like a failed call.
          return parse ? parse(body) : (body as T);
        } finally {
          this.#observeLimitInfo();
        }
      },
      classify: (error) => classifySalesforceFailure(error, op, this.#orgLimitPauseMs),
    });
  }

  #observeLimitInfo(): void {
    const info = this.#conn.limitInfo;
    // jsforce replaces limitInfo on each response that carries the header; a stale one is not news.
    if (info === this.#lastLimitInfo) return;
    this.#lastLimitInfo = info;
    const usage = info?.apiUsage;
    if (usage) this.#limiter.observeOrgUsage(usage.used, usage.limit);
  }

  #writeHeaders(): Record<string, string> {
    return { 'content-type': 'application/json', 'Sforce-Call-Options': `client=${this.#clientName}` };
  }

  async #query(op: string, soql: string, all: boolean): Promise<QueryResult> {
    const path = all ? 'queryAll' : 'query';
    const body = await this.#request(op, { method: 'GET', url: `/${path}?q=${encodeQueryParam(soql)}` });
    return queryResultSchema.parse(body);
  }

  async #queryMore(nextRecordsUrl: string): Promise<QueryResult> {
    const body = await this.#request('soql.queryMore', { method: 'GET', url: locatorUrl(nextRecordsUrl) });
    return queryResultSchema.parse(body);
  }

  /** Runs a query and follows `nextRecordsUrl` to the end. */
  async #queryAll(op: string, soql: string, all: boolean): Promise<QueryResult['records']> {
    return this.#drain(await this.#query(op, soql, all));
  }

  async #drain(first: QueryResult): Promise<QueryResult['records']> {
    let page = first;
    const records = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
      page = await this.#queryMore(page.nextRecordsUrl);
      records.push(...page.records);
    }
    return records;
  }

  /**
   * Runs several queries with as few calls as possible: one alone as a plain query, more through
   * Composite, which takes up to 5 query subrequests and counts as one call toward API limits
   * (REST API "Composite": "The entire series of requests counts as a single call").
   */
  async #queries(op: string, queries: PlannedQuery[]): Promise<QueryResult['records'][]> {
    if (queries.length === 1) return [await this.#queryAll(op, queries[0]!.soql, queries[0]!.all)];
    const out: QueryResult['records'][] = [];
    for (const group of chunks(queries, COMPOSITE_QUERIES)) {
      const firstPages = await this.#request(
        `${op}.composite`,
        {
          method: 'POST',
          url: '/composite',
          body: JSON.stringify({
            allOrNone: false,
            compositeRequest: group.map((q, i) => ({
              method: 'GET',
              referenceId: `q${i}`,
              url: `/services/data/v${this.#conn.version}/${q.all ? 'queryAll' : 'query'}?q=${encodeQueryParam(q.soql)}`,
            })),
          }),
          headers: { 'content-type': 'application/json' },
        },
        compositeQueryPages,
      );
      for (const page of firstPages) out.push(await this.#drain(page));
    }
    return out;
  }

  /** `SELECT ... WHERE field IN (...)` queries, chunked so each URL stays short. */
  #planIn(
    objectType: SalesforceObject | 'Account' | 'User',
    select: string[],
    field: string,
    values: string[],
    extraWhere: string | undefined,
    all: boolean,
  ): PlannedQuery[] {
    const base = selectQuery(objectType, select, `${field} IN ()${extraWhere ? ` AND ${extraWhere}` : ''}`);
    const baseLength = encodeQueryParam(base).length + 40; // plus `/services/data/vNN.0/queryAll?q=`
    return chunkForInClause(values, baseLength).map((chunk) => ({
      soql: selectQuery(
        objectType,
        select,
        `${inClause(field, chunk)}${extraWhere ? ` AND ${extraWhere}` : ''}`,
      ),
      all,
    }));
  }

  async readRecords(
    objectType: SalesforceObject,
    ids: string[],
    fields: string[],
  ): Promise<SalesforceRecord[]> {
    return this.readRecordsByObject({ [objectType]: { ids, fields } });
  }

  /**
   * Leads and Contacts by id in as few calls as possible: the per-object `Id IN (...)` queries go
   * together as Composite query subrequests (one API call for up to 5 queries). With `/queryAll`,
   * so deleted and merged records are seen (IsDeleted, MasterRecordId).
   */
  async readRecordsByObject(
    requests: Partial<Record<SalesforceObject, { ids: string[]; fields: string[] }>>,
  ): Promise<SalesforceRecord[]> {
    const plan = (all: boolean) => {
      const planned: { objectType: SalesforceObject; query: PlannedQuery }[] = [];
      for (const objectType of ['Contact', 'Lead'] as const) {
        const request = requests[objectType];
        const wanted = [...new Set((request?.ids ?? []).filter(isSalesforceId))];
        if (!request || wanted.length === 0) continue;
        const select = selectFields(objectType, request.fields);
        for (const query of this.#planIn(objectType, select, 'Id', wanted, undefined, all))
          planned.push({ objectType, query });
      }
      return planned;
    };
    let planned = plan(this.#readDeleted);
    if (planned.length === 0) return [];
    let results: QueryResult['records'][];
    try {
      results = await this.#queries(
        'soql.query',
        planned.map((p) => p.query),
      );
    } catch (error) {
      // An endpoint without /queryAll (some proxies, older emulators): read live records only.
      if (!(this.#readDeleted && error instanceof SalesforceRequestError && error.category === 'not-found'))
        throw error;
      this.#readDeleted = false;
      planned = plan(false);
      results = await this.#queries(
        'soql.query',
        planned.map((p) => p.query),
      );
    }
    return results.flatMap((records, i) => {
      const objectType = planned[i]!.objectType;
      return records.map((r) => toSalesforceRecord(objectType, r, requests[objectType]?.fields ?? []));
    });
  }

  /** Contacts and Leads by email in one call (Composite) for up to ~1,000 emails. */
  async findByEmail(
    emails: string[],
    fieldsByObject: Record<SalesforceObject, string[]>,
  ): Promise<SalesforceRecord[]> {
    const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0))];
    if (wanted.length === 0) return [];
    const planned: { objectType: SalesforceObject; query: PlannedQuery }[] = [];
    for (const objectType of ['Contact', 'Lead'] as const) {
      // A converted lead is history: its person lives on as the Contact it became.
      const extra = objectType === 'Lead' ? 'IsConverted = false' : undefined;
      const select = selectFields(objectType, fieldsByObject[objectType]);
      for (const query of this.#planIn(objectType, select, 'Email', wanted, extra, false))
        planned.push({ objectType, query });
    }
    const results = await this.#queries(
      'soql.query',
      planned.map((p) => p.query),
    );
    return results.flatMap((records, i) => {
      const objectType = planned[i]!.objectType;
      return records.map((r) => toSalesforceRecord(objectType, r, fieldsByObject[objectType]));
    });
  }

  async createRecords(
    objectType: WritableObject,
    inputs: { ref: string; fields: FieldValues }[],
  ): Promise<WriteOutcome[]> {
    apiName(objectType);
    const out: WriteOutcome[] = [];
    for (const chunk of chunks(inputs, COLLECTION)) {
      const records = chunk.map((input) => ({
        attributes: { type: objectType },
        ...writableFields(input.fields),
      }));
      // Not idempotent: after a timeout the records may exist; the caller's retry matches by email first.
      const body = await this.#request(
        'collections.create',
        {
          method: 'POST',
          url: '/composite/sobjects',
          body: JSON.stringify({ allOrNone: false, records }),
          headers: this.#writeHeaders(),
        },
        undefined,
        { idempotent: false },
      );
      out.push(...mapSaveResults(chunk, body));
    }
    return out;
  }

  async updateRecords(
    objectType: WritableObject,
    inputs: { ref: string; id: string; fields: FieldValues }[],
  ): Promise<WriteOutcome[]> {
    apiName(objectType);
    const out: WriteOutcome[] = [];
    const valid = inputs.filter((i) => isSalesforceId(i.id));
    for (const input of inputs) {
      if (!isSalesforceId(input.id)) {
        out.push({
          ref: input.ref,
          ok: false,
          category: 'validation',
          message: `not a Salesforce id: ${input.id}`,
          retryable: false,
        });
      }
    }
    for (const chunk of chunks(valid, COLLECTION)) {
      const records = chunk.map((input) => ({
        attributes: { type: objectType },
        ...writableFields(input.fields),
        Id: input.id,
      }));
      const body = await this.#request('collections.update', {
        method: 'PATCH',
        url: '/composite/sobjects',
        body: JSON.stringify({ allOrNone: false, records }),
        headers: this.#writeHeaders(),
      });
      out.push(...mapSaveResults(chunk, body, (input) => input.id));
    }
    const byRef = new Map(out.map((o) => [o.ref, o]));
    return inputs.map((i) => byRef.get(i.ref)!);
  }

  async deleteRecords(ids: string[]): Promise<void> {
    const wanted = [...new Set(ids.filter(isSalesforceId))];
    for (const chunk of chunks(wanted, COLLECTION)) {
      const body = await this.#request('collections.delete', {
        method: 'DELETE',
        url: `/composite/sobjects?ids=${chunk.join(',')}&allOrNone=false`,
        headers: { 'Sforce-Call-Options': `client=${this.#clientName}` },
      });
      const results = saveResultsSchema.safeParse(body);
      if (!results.success) continue;
      // Already deleted or never there is what a delete wants; anything else is worth a retry.
      const failed = results.data.filter(
        (r) =>
          !r.success &&
          !r.errors.some((e) =>
            ['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'NOT_FOUND'].includes(codeOf(e)),
          ),
      );
      if (failed.length > 0) {
        throw new RetryableError(
          `Salesforce delete failed for ${failed.length} record(s): ${failed[0]?.errors[0]?.message ?? ''}`,
          'server',
        );
      }
    }
  }

  // ───────────────────────────── accounts and users (C2–C9, O1–O5) ─────────────────────────────

  /**
   * Accounts by id, SOQL `Id IN (...)` through `/queryAll` so a merged-away account shows its master
   * (C9). `fields` plus `OwnerId` come back.
   */
  async readAccounts(ids: string[], fields: string[]): Promise<SalesforceAccount[]> {
    const wanted = [...new Set(ids.filter(isSalesforceId))];
    if (wanted.length === 0) return [];
    const queries = this.#planIn('Account', selectFields('Account', fields), 'Id', wanted, undefined, true);
    const results = await this.#queries('soql.query', queries);
    // OwnerId comes back with every account: owners sync on their own rule (O1), not as a mapped field.
    const withOwner = fields.some((f) => f.toLowerCase() === 'ownerid') ? fields : [...fields, 'OwnerId'];
    return results.flat().map((r) => toSalesforceAccount(r, withOwner));
  }

  /** The live Contacts of these accounts, as `{ id, accountId }` (C3 b matches through them). */
  async readAccountContacts(accountIds: string[]): Promise<{ id: string; accountId: string }[]> {
    const wanted = [...new Set(accountIds.filter(isSalesforceId))];
    if (wanted.length === 0) return [];
    const queries = this.#planIn('Contact', ['Id', 'AccountId'], 'AccountId', wanted, undefined, false);
    const results = await this.#queries('soql.query', queries);
    return results
      .flat()
      .map((r) => ({ id: r.Id, accountId: String((r as Record<string, unknown>)['AccountId']) }));
  }

  /** Every User with the fields owner matching needs (O2: Email, IsActive, UserType). */
  async listUsers(): Promise<SalesforceUser[]> {
    const records = await this.#queryAll(
      'soql.query',
      selectQuery('User', ['Id', 'Email', 'IsActive', 'UserType'], undefined, 'Id ASC'),
      false,
    );
    return records.map((r) => {
      const raw = userRecordSchema.parse(r);
      return {
        id: raw.Id,
        email: raw.Email ?? null,
        isActive: raw.IsActive,
        userType: raw.UserType ?? 'Standard',
      };
    });
  }

  /**
   * One page of an object's records, oldest change first. With `modifiedSinceMs` (polling) the page
   * includes converted leads, so a conversion is seen; without it (import) converted leads are left
   * out, unless `includeConverted` says otherwise. `after` is the `nextRecordsUrl` of the last page.
   */
  async queryPage(
    objectType: SalesforceObject,
    fields: string[],
    options: { modifiedSinceMs?: number; after?: string; includeConverted?: boolean },
  ): Promise<{ records: SalesforceRecord[]; after?: string }> {
    let page: QueryResult;
    if (options.after) {
      page = await this.#queryMore(options.after);
    } else {
      const where: string[] = [];
      if (options.modifiedSinceMs !== undefined)
        where.push(`SystemModstamp > ${soqlDateTime(options.modifiedSinceMs)}`);
      const includeConverted = options.includeConverted ?? options.modifiedSinceMs !== undefined;
      if (objectType === 'Lead' && !includeConverted) where.push('IsConverted = false');
      const soql = selectQuery(
        objectType,
        selectFields(objectType, fields),
        where.length > 0 ? where.join(' AND ') : undefined,
        'SystemModstamp ASC',
      );
      page = await this.#query('soql.query', soql, false);
    }
    const records = page.records.map((r) => toSalesforceRecord(objectType, r, fields));
    return !page.done && page.nextRecordsUrl ? { records, after: page.nextRecordsUrl } : { records };
  }
}

/** The error jsforce would throw for a subrequest's error body, so it is classified like any other. */
class SubrequestError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly data: unknown,
  ) {
    super(message);
    this.name = errorCode;
  }
}

const compositeResponseSchema = z.looseObject({
  compositeResponse: z.array(
    z.looseObject({ body: z.unknown(), httpStatusCode: z.number(), referenceId: z.string().optional() }),
  ),
});

/** First pages of the query subrequests of a Composite answer, in order; a failed subrequest throws. */
function compositeQueryPages(body: unknown): QueryResult[] {
  return compositeResponseSchema.parse(body).compositeResponse.map((sub) => {
    if (sub.httpStatusCode >= 400) {
      const first = (Array.isArray(sub.body) ? sub.body[0] : sub.body) as
        | { errorCode?: unknown; message?: unknown }
        | undefined;
      const code =
        typeof first?.errorCode === 'string' ? first.errorCode : `ERROR_HTTP_${sub.httpStatusCode}`;
      throw new SubrequestError(code, typeof first?.message === 'string' ? first.message : '', sub.body);
    }
    return queryResultSchema.parse(sub.body);
  });
}

/** A `nextRecordsUrl` (`/services/data/v64.0/query/01g...-2000`) or a bare locator, checked. */
function locatorUrl(after: string): string {
  if (/^\/services\/data\/v\d+\.\d\/query(All)?\/[A-Za-z0-9-]+$/.test(after)) return after;
  if (/^[A-Za-z0-9]+-\d+$/.test(after)) return `/query/${after}`;
  throw new Error(`not a Salesforce query locator: ${JSON.stringify(after.slice(0, 100))}`);
}

/** The fields of a write, minus what the Collections body reserves (`attributes`, `Id`), names checked. */
function writableFields(fields: FieldValues): FieldValues {
  const out: FieldValues = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'attributes' || name.toLowerCase() === 'id') continue;
    out[apiName(name)] = value;
  }
  return out;
}

function codeOf(error: SaveResult['errors'][number]): string {
  return error.statusCode ?? error.errorCode ?? 'UNKNOWN';
}

/** Maps a Collections answer (same order as the input, per the docs) back to the inputs' refs. */
function mapSaveResults<I extends { ref: string }>(
  inputs: I[],
  body: unknown,
  idOf?: (input: I) => string,
): WriteOutcome[] {
  const parsed = saveResultsSchema.safeParse(body);
  if (!parsed.success) {
    return inputs.map((i) => ({
      ref: i.ref,
      ok: false,
      category: 'other',
      message: 'Salesforce answered the collection call with an unexpected body',
      retryable: true,
    }));
  }
  return inputs.map((input, n): WriteOutcome => {
    const result = parsed.data[n];
    if (!result) {
      return {
        ref: input.ref,
        ok: false,
        category: 'other',
        message: 'no result from Salesforce for this input',
        retryable: true,
      };
    }
    if (result.success) {
      const id = result.id ?? idOf?.(input);
      if (id) return { ref: input.ref, ok: true, id };
    }
    const first = result.errors[0];
    const code = first ? codeOf(first) : 'UNKNOWN';
    const { category, retryable } = salesforceCategory(code);
    const fields = first?.fields?.length ? ` [${first.fields.join(', ')}]` : '';
    return {
      ref: input.ref,
      ok: false,
      category,
      message: `${code}: ${first?.message ?? 'failed'}${fields}`,
      retryable,
    };
  });
}

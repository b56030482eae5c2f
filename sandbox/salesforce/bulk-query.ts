/**
 * Bulk API 2.0 query jobs under `/services/data/vNN.N/jobs/query`: create, status, results (CSV in
 * result sets chained by `Sforce-Locator`), abort, delete and list. A job runs asynchronously but
 * deterministically: it answers `UploadComplete` when created, `InProgress` at its first status poll
 * and `JobComplete` at its `pollsToComplete`-th, when the query runs over the org (the same row
 * selection as `/query`). Jobs live 7 days on the sandbox's clock, as Salesforce keeps them.
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_bulk_api_2_0.htm
 */
import { DailyCounter } from '../common/index.ts';
import { SalesforceApiError, jsonParserError, notFound } from './errors.ts';
import { selectRows } from './rest-query.ts';
import { type ApiRequest, type ApiResponse, asObject, base } from './rest-request.ts';
import { type ParsedQuery, parseSoql } from './soql.ts';
import type { FieldDef } from './schema.ts';
import { INTEGRATION_USER_ID, type OrgStore } from './store.ts';
import { sfDateTime } from './values.ts';

/** Salesforce deletes query jobs (and their results) 7 days after creation. */
export const BULK_JOB_LIFETIME_MS = 7 * 86_400_000;
/** Records per result set when the request gives no `maxRecords` (Salesforce picks one by size). */
export const DEFAULT_RESULT_SET_SIZE = 50_000;
/** Jobs per page of `GET /jobs/query` ("up to 1,000 result rows per request"). */
const LIST_PAGE = 1000;

const DELIMITERS = { COMMA: ',', TAB: '\t', PIPE: '|', SEMICOLON: ';', CARET: '^', BACKQUOTE: '`' } as const;
const LINE_ENDINGS = { LF: '\n', CRLF: '\r\n' } as const;
type Delimiter = keyof typeof DELIMITERS;
type LineEnding = keyof typeof LINE_ENDINGS;
type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';

interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  query: ParsedQuery;
  apiVersion: string;
  columnDelimiter: Delimiter;
  lineEnding: LineEnding;
  createdAt: number;
  modifiedAt: number;
  state: JobState;
  polls: number;
  /** The rows, once the job completed: the query's answer at that moment. */
  rows?: Record<string, unknown>[];
}

/** Options of the query-job resource. */
export interface BulkQueryOptions {
  store: OrgStore;
  now: () => number;
  /** Status polls until a job completes (default 2: `InProgress` at the first, `JobComplete` at the second). */
  pollsToComplete?: number;
}

/** The org's Bulk API 2.0 query jobs. */
export class BulkQueryJobs {
  readonly #jobs = new Map<string, QueryJob>();
  readonly #store: OrgStore;
  readonly #now: () => number;
  readonly #pollsToComplete: number;
  /** `DailyBulkV2QueryJobs` of the limits resource. */
  readonly daily: DailyCounter;
  #seq = 0;

  constructor(o: BulkQueryOptions) {
    this.#store = o.store;
    this.#now = o.now;
    this.#pollsToComplete = Math.max(1, o.pollsToComplete ?? 2);
    this.daily = new DailyCounter(10_000, o.now);
  }

  /** POST `/jobs/query`: validates the body and the SOQL now; the query runs while the job is polled. */
  create(r: ApiRequest): ApiResponse {
    const body = asObject(r.body);
    const operation = body.operation;
    if (operation !== 'query' && operation !== 'queryAll')
      throw invalidJob(`operation must be query or queryAll, got ${JSON.stringify(operation ?? null)}`);
    if (typeof body.query !== 'string' || body.query.trim() === '') throw invalidJob('query is required');
    if (body.contentType !== undefined && body.contentType !== 'CSV')
      throw jsonParserError(
        `Cannot deserialize value of type ContentType from String "${String(body.contentType)}"`,
      );
    const columnDelimiter = enumValue(body.columnDelimiter, DELIMITERS, 'COMMA', 'ColumnDelimiterEnum');
    const lineEnding = enumValue(body.lineEnding, LINE_ENDINGS, 'LF', 'LineEndingEnum');
    const query = parseSoql(body.query);
    // "Bulk API 2.0 doesn't support SOQL queries that include ... OFFSET ... Aggregate Functions such as COUNT()."
    if (query.count)
      throw unsupported('Aggregate queries (COUNT()) are not supported by Bulk API 2.0 query jobs');
    if (query.offset !== undefined) throw unsupported('OFFSET is not supported by Bulk API 2.0 query jobs');
    this.#expire();
    if (!this.daily.tryAcquire())
      throw new SalesforceApiError(400, 'LIMIT_EXCEEDED', 'Daily limit of Bulk API 2.0 query jobs exceeded');
    const at = this.#now();
    const job: QueryJob = {
      id: `750SB${String(++this.#seq).padStart(10, '0')}AAA`,
      operation,
      query,
      apiVersion: r.version,
      columnDelimiter,
      lineEnding,
      createdAt: at,
      modifiedAt: at,
      state: 'UploadComplete',
      polls: 0,
    };
    this.#jobs.set(job.id, job);
    return { status: 200, body: this.#summary(job) };
  }

  /** GET `/jobs/query/{id}`: each poll moves the job along, until `JobComplete`. */
  status(id: string): ApiResponse {
    const job = this.#job(id);
    if (job.state === 'UploadComplete' || job.state === 'InProgress') {
      job.polls++;
      job.modifiedAt = this.#now();
      if (job.polls >= this.#pollsToComplete) {
        job.rows = selectRows(this.#store, job.query, job.operation === 'queryAll');
        job.state = 'JobComplete';
      } else job.state = 'InProgress';
    }
    return { status: 200, body: this.#info(job) };
  }

  /** GET `/jobs/query/{id}/results?locator=&maxRecords=`: one result set as CSV. */
  results(r: ApiRequest, id: string): ApiResponse {
    const job = this.#job(id);
    if (job.apiVersion !== r.version)
      throw new SalesforceApiError(
        409,
        'INVALIDVERSION',
        `Job ${id} was created in API version ${job.apiVersion}: get its results with the same version`,
      );
    if (job.state !== 'JobComplete' || !job.rows)
      throw new SalesforceApiError(
        412,
        'JOB_NOT_COMPLETE',
        `can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: ${job.state}`,
      );
    const size = maxRecords(r.query.get('maxRecords'));
    const start = offsetOf(r.query.get('locator'), job.rows.length);
    const rows = job.rows.slice(start, start + size);
    const next = start + rows.length;
    return {
      status: 200,
      text: toCsv(job, rows),
      headers: {
        'content-type': 'text/csv',
        'sforce-numberofrecords': String(rows.length),
        // "If there are no more records to retrieve, the value is the string null."
        'sforce-locator': next < job.rows.length ? locatorOf(next) : 'null',
      },
    };
  }

  /** PATCH `/jobs/query/{id}` with `{"state":"Aborted"}`: only a job still running can be aborted. */
  abort(r: ApiRequest, id: string): ApiResponse {
    const job = this.#job(id);
    if (asObject(r.body).state !== 'Aborted')
      throw new SalesforceApiError(
        400,
        'INVALIDJOBSTATE',
        'A query job can only be changed to state Aborted',
      );
    if (job.state !== 'UploadComplete' && job.state !== 'InProgress')
      throw new SalesforceApiError(
        400,
        'INVALIDJOBSTATE',
        `Aborting a job in state ${job.state} is not allowed`,
      );
    job.state = 'Aborted';
    job.modifiedAt = this.#now();
    return { status: 200, body: this.#summary(job) };
  }

  /** DELETE `/jobs/query/{id}`: a finished job (complete, aborted or failed) and its results. */
  remove(id: string): ApiResponse {
    const job = this.#job(id);
    if (job.state === 'UploadComplete' || job.state === 'InProgress')
      throw new SalesforceApiError(
        400,
        'INVALIDJOBSTATE',
        `Deleting a job in state ${job.state} is not allowed`,
      );
    this.#jobs.delete(id);
    return { status: 204 };
  }

  /** GET `/jobs/query?jobType=&queryLocator=`: the org's jobs, 1,000 per page. */
  list(r: ApiRequest): ApiResponse {
    this.#expire();
    const jobType = r.query.get('jobType');
    const all = jobType && jobType !== 'V2Query' ? [] : [...this.#jobs.values()];
    const start = offsetOf(r.query.get('queryLocator'), all.length);
    const page = all.slice(start, start + LIST_PAGE);
    const next = start + page.length;
    return {
      status: 200,
      body: {
        done: next >= all.length,
        records: page.map((j) => this.#summary(j)),
        nextRecordsUrl: next < all.length ? `${base(r)}/jobs/query?queryLocator=${locatorOf(next)}` : null,
      },
    };
  }

  /** Fail a running job (the sandbox's stand-in for a query that times out on the platform). */
  fail(id: string): void {
    const job = this.#job(id);
    job.state = 'Failed';
    job.modifiedAt = this.#now();
  }

  /** Forget every job (reset, restart). */
  reset(): void {
    this.#jobs.clear();
  }

  #job(id: string): QueryJob {
    this.#expire();
    const job = this.#jobs.get(id);
    if (!job) throw notFound('The requested resource does not exist');
    return job;
  }

  #expire(): void {
    const now = this.#now();
    for (const [id, job] of this.#jobs)
      if (now - job.createdAt >= BULK_JOB_LIFETIME_MS) this.#jobs.delete(id);
  }

  #summary(job: QueryJob): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: job.query.object.name,
      createdById: INTEGRATION_USER_ID,
      createdDate: sfDateTime(job.createdAt),
      systemModstamp: sfDateTime(job.modifiedAt),
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(job.apiVersion),
      jobType: 'V2Query',
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
    };
  }

  #info(job: QueryJob): Record<string, unknown> {
    return {
      ...this.#summary(job),
      numberRecordsProcessed: job.rows?.length ?? 0,
      retries: 0,
      totalProcessingTime: job.rows ? Math.max(0, job.modifiedAt - job.createdAt) : 0,
      isPkChunkingSupported: true,
    };
  }
}

const invalidJob = (message: string) => new SalesforceApiError(400, 'INVALIDJOB', message);
const unsupported = (message: string) => new SalesforceApiError(400, 'API_ERROR', message);

function enumValue<T extends Record<string, string>>(
  v: unknown,
  values: T,
  fallback: keyof T & string,
  type: string,
): keyof T & string {
  if (v === undefined) return fallback;
  if (typeof v === 'string' && Object.hasOwn(values, v)) return v;
  throw jsonParserError(`Cannot deserialize value of type ${type} from String "${String(v)}"`);
}

function maxRecords(raw: string | null): number {
  if (raw === null) return DEFAULT_RESULT_SET_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new SalesforceApiError(
      400,
      'INVALIDPARAMETER',
      `maxRecords must be a positive integer, got ${raw}`,
    );
  return n;
}

/**
 * Locators look like Salesforce's ("a pseudorandom string ... for example MTAwMDA"): the base64 of
 * the next row's offset, without padding. They stay valid as long as the job exists.
 */
function locatorOf(offset: number): string {
  return Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
}

function offsetOf(locator: string | null, size: number): number {
  if (locator === null || locator === '') return 0;
  const text = /^[A-Za-z0-9+/]+$/.test(locator) ? Buffer.from(locator, 'base64').toString('utf8') : '';
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n <= 0 || n >= size || locatorOf(n) !== locator)
    throw new SalesforceApiError(400, 'INVALID_LOCATOR', `Invalid locator: ${locator}`);
  return n;
}

/**
 * The result set as Bulk API 2.0 writes it: a header row with the fields in the order the query
 * asked (API 50.0+), every value in double quotes (a quote doubled), the job's delimiter and line
 * ending; a blank (null) value is an empty quoted field — Salesforce stores no empty strings, so
 * blank and null are one thing; booleans `true`/`false`; datetimes in UTC as `...000Z`.
 */
function toCsv(job: QueryJob, rows: Record<string, unknown>[]): string {
  const sep = DELIMITERS[job.columnDelimiter];
  const eol = LINE_ENDINGS[job.lineEnding];
  const fields = job.query.fields;
  const line = (values: string[]) => values.map((v) => `"${v.replaceAll('"', '""')}"`).join(sep) + eol;
  let out = line(fields.map((f) => f.name));
  for (const row of rows) out += line(fields.map((f) => csvValue(f, row[f.name])));
  return out;
}

function csvValue(field: FieldDef, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (field.type === 'datetime' && typeof v === 'string') {
    const ms = Date.parse(v.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
    return Number.isNaN(ms) ? v : new Date(ms).toISOString();
  }
  return String(v);
}

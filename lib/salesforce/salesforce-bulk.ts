/**
 * Large reads through Bulk API 2.0 query jobs, with jsforce's own client (`QueryJobV2`): create the
 * job, poll it (backing off, bounded) until `JobComplete`, then read its CSV result sets one at a time
 * (`maxRecords`, the next set named by `Sforce-Locator`). Each CSV row is typed back from the
 * object's describe, so a record read here is the record the SOQL path returns (docs/design.md#bulk-reads).
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_bulk_api_2_0.htm
 */
import { setTimeout as delay } from 'node:timers/promises';
import { QueryJobV2 } from 'jsforce/lib/api/bulk2.js';
import { z } from 'zod';
import { BULK_RESULT_SET_SIZE } from '../domain/read-cost.ts';
import { BulkQueryUnavailableError } from '../errors.ts';
import type { BulkCursor, BulkPollProgress } from '../ports.ts';
import { limitedCall, withTimeout } from '../rate-limit/index.ts';
import { classifySalesforceFailure, SalesforceRequestError } from './salesforce-errors.ts';
import type { SalesforceRequest, SalesforceRequestOptions } from './salesforce-request.ts';

/** How a Bulk read polls and pages; every bound has a default. */
export interface BulkReadOptions {
  /** Records per result set (`maxRecords`): one set is held in memory at a time (default 10,000). */
  resultSetSize?: number;
  /** First wait between status polls; doubled after each poll (default 1 s). */
  pollFirstDelayMs?: number;
  /** Longest wait between polls (default 30 s). */
  pollMaxDelayMs?: number;
  /** Total waiting after which the job is aborted and the read falls back to SOQL (default 30 min). */
  pollMaxWaitMs?: number;
  /** How waiting is done (tests pass an instant one; the sandbox completes a job on its Nth poll). */
  sleep?: (ms: number) => Promise<void>;
}

/** What the Bulk reader needs from the adapter: how its requests go (limiter, lane, bounds), the describe call. */
export type BulkReadDeps = SalesforceRequestOptions & { request: SalesforceRequest };

const jobInfoSchema = z.looseObject({
  id: z.string().min(1),
  state: z.string(),
  numberRecordsProcessed: z.number().optional(),
});
const describeSchema = z.looseObject({
  fields: z.array(z.looseObject({ name: z.string(), type: z.string() })),
});

/**
 * jsforce 3.10's `QueryJobV2.result()` reads every result set in one go without `maxRecords`, and its
 * locator cannot be set: a stored position could not be resumed. Its request helper (the same request
 * `result()` makes, with jsforce's auth, session refresh and error parsing) takes our locator and size.
 */
interface QueryJobRequests {
  createQueryRequest(request: {
    method: 'GET';
    path: string;
    headers: Record<string, string>;
  }): Promise<unknown>;
  locator?: string;
}

/** Bulk API 2.0 query jobs through jsforce, each call in the limiter's lane like every REST call. */
export class SalesforceBulkReads {
  readonly #deps: BulkReadDeps;
  readonly #opts: Required<BulkReadOptions>;
  /** Field types per object from describe, once per adapter: CSV carries only strings. */
  readonly #types = new Map<string, Promise<Map<string, string>>>();

  constructor(deps: BulkReadDeps, opts: BulkReadOptions = {}) {
    this.#deps = deps;
    this.#opts = {
      resultSetSize: opts.resultSetSize ?? BULK_RESULT_SET_SIZE,
      pollFirstDelayMs: opts.pollFirstDelayMs ?? 1000,
      pollMaxDelayMs: opts.pollMaxDelayMs ?? 30_000,
      pollMaxWaitMs: opts.pollMaxWaitMs ?? 30 * 60_000,
      sleep: opts.sleep ?? ((ms) => delay(ms).then(() => undefined)),
    };
  }

  /** Creates the job (`UploadComplete`): its id is worth storing at once, so a crash resumes it. */
  async create(soql: string): Promise<string> {
    const job = new QueryJobV2(this.#deps.connection, {
      bodyParams: { operation: 'query', query: soql, columnDelimiter: 'COMMA', lineEnding: 'LF' },
      pollingOptions: this.#deps.connection.bulk2,
    });
    // Not repeated on an ambiguous failure: a second create would leave an orphan job running.
    return jobInfoSchema.parse(await this.#call('bulk2.create', () => job.open(), false)).id;
  }

  /**
   * Polls a job until `JobComplete`, waiting longer each time (doubling, bounded); a job that ended
   * `Failed` or `Aborted`, is gone (404), or still runs after `pollMaxWaitMs` (then aborted) throws
   * BulkQueryUnavailableError. A job resumed after a crash may be complete already: one poll.
   */
  async waitComplete(jobId: string, onPoll?: (p: BulkPollProgress) => void | Promise<void>): Promise<void> {
    const job = this.#deps.connection.bulk2.job('query', { id: jobId });
    let wait = this.#opts.pollFirstDelayMs;
    let waited = 0;
    for (let polls = 1; ; polls++) {
      await this.#opts.sleep(wait);
      waited += wait;
      const info = jobInfoSchema.parse(
        await this.#call('bulk2.poll', () => job.check()).catch((error: unknown) => {
          throw gone(error, jobId) ?? error;
        }),
      );
      await onPoll?.({ jobId, state: info.state, polls, waitedMs: waited });
      if (info.state === 'JobComplete') return;
      if (info.state === 'Failed' || info.state === 'Aborted')
        throw new BulkQueryUnavailableError(jobId, `the job ended ${info.state}`);
      if (waited >= this.#opts.pollMaxWaitMs) {
        await this.#call('bulk2.abort', () => job.abort()).catch(() => undefined);
        throw new BulkQueryUnavailableError(
          jobId,
          `not complete after ${Math.round(waited / 1000)} s of polling; aborted`,
        );
      }
      wait = Math.min(wait * 2, this.#opts.pollMaxDelayMs);
    }
  }

  /** One result set, typed back to SOQL's shapes; `next` is the following set's locator, if any. */
  async resultSet(
    objectType: string,
    cursor: BulkCursor,
  ): Promise<{ rows: Record<string, unknown>[]; next?: string }> {
    const types = await this.#fieldTypes(objectType);
    const job = this.#deps.connection.bulk2.job('query', { id: cursor.jobId }) as unknown as QueryJobRequests;
    if (typeof job.createQueryRequest !== 'function')
      throw new Error(
        'this jsforce has no QueryJobV2 request helper: crmsync needs jsforce 3.10.x (see package.json)',
      );
    const query = `maxRecords=${this.#opts.resultSetSize}${cursor.locator ? `&locator=${encodeURIComponent(cursor.locator)}` : ''}`;
    const body = await this.#call('bulk2.results', () =>
      job.createQueryRequest({
        method: 'GET',
        path: `/${cursor.jobId}/results?${query}`,
        headers: { Accept: 'text/csv' },
      }),
    ).catch((error: unknown) => {
      throw gone(error, cursor.jobId) ?? error;
    });
    // jsforce parses a text/csv answer into objects of strings (csv-parse, header row as keys).
    const rows = (Array.isArray(body) ? body : []) as Record<string, string>[];
    const next = job.locator && job.locator !== 'null' ? job.locator : undefined;
    return { rows: rows.map((row) => typedRecord(row, types)), ...(next ? { next } : {}) };
  }

  #fieldTypes(objectType: string): Promise<Map<string, string>> {
    let types = this.#types.get(objectType);
    if (!types) {
      types = this.#deps
        .request(
          'sobject.describe',
          { method: 'GET', url: `/sobjects/${objectType}/describe` },
          (body) => new Map(describeSchema.parse(body).fields.map((f) => [f.name.toLowerCase(), f.type])),
        )
        .catch((error: unknown) => {
          this.#types.delete(objectType);
          throw error;
        });
      this.#types.set(objectType, types);
    }
    return types;
  }

  #call<T>(op: string, call: () => Promise<T>, idempotent = true): Promise<T> {
    const d = this.#deps;
    return limitedCall<T>({
      limiter: d.limiter,
      op,
      lane: d.lane,
      maxAttempts: d.maxAttempts,
      idempotent,
      call: () => withTimeout(call(), d.timeoutMs, `salesforce ${op}`),
      classify: (error) => classifySalesforceFailure(error, op, d.orgLimitPauseMs),
    });
  }
}

/** A job that no longer exists (deleted, or expired 7 days after creation) answers 404 NOT_FOUND. */
function gone(error: unknown, jobId: string): BulkQueryUnavailableError | undefined {
  if (error instanceof SalesforceRequestError && error.category === 'not-found')
    return new BulkQueryUnavailableError(jobId, 'the job no longer exists (expired or deleted)', error);
  return undefined;
}

/**
 * A CSV row as the SOQL JSON would have it: an empty field is null (Salesforce stores no blank
 * strings), booleans and numbers typed by the describe, datetimes in the REST form `...+0000`.
 */
function typedRecord(row: Record<string, string>, types: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(row)) {
    const type = types.get(name.toLowerCase());
    if (raw === '') out[name] = null;
    else if (type === 'boolean') out[name] = raw === 'true';
    else if (type === 'int' || type === 'double' || type === 'currency' || type === 'percent')
      out[name] = Number(raw);
    else if (type === 'datetime') out[name] = restDateTime(raw);
    else out[name] = raw;
  }
  return out;
}

function restDateTime(raw: string): string {
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString().replace('Z', '+0000');
}

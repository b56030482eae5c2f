import type { Connection } from 'jsforce';
import { z } from 'zod';
import type { SalesforceObject } from '../domain/notice.ts';
import { type QueryResult, queryResultSchema } from './salesforce-records.ts';
import { chunks, type SalesforceRequest } from './salesforce-request.ts';
import { chunkForInClause, encodeQueryParam, inClause, selectQuery } from './salesforce-soql.ts';

/** Composite takes at most 5 query subrequests per call (REST API "Composite"). */
const COMPOSITE_QUERIES = 5;

export interface PlannedQuery {
  soql: string;
  /** queryAll: include deleted and merged records. */
  all: boolean;
}

/**
 * SOQL reads for the Salesforce adapter: one query paged through `nextRecordsUrl`, several at once
 * through Composite, and `IN (...)` queries chunked so each URL stays short.
 */
export class SalesforceQueries {
  readonly #request: SalesforceRequest;
  readonly #conn: Connection;

  constructor(request: SalesforceRequest, connection: Connection) {
    this.#request = request;
    this.#conn = connection;
  }

  /** One page of a query (`/queryAll` when `all`, to see deleted and merged records). */
  async query(op: string, soql: string, all: boolean): Promise<QueryResult> {
    const path = all ? 'queryAll' : 'query';
    const body = await this.#request(op, { method: 'GET', url: `/${path}?q=${encodeQueryParam(soql)}` });
    return queryResultSchema.parse(body);
  }

  async queryMore(nextRecordsUrl: string): Promise<QueryResult> {
    const body = await this.#request('soql.queryMore', { method: 'GET', url: locatorUrl(nextRecordsUrl) });
    return queryResultSchema.parse(body);
  }

  /** Runs a query and follows `nextRecordsUrl` to the end. */
  async #queryAll(op: string, soql: string, all: boolean): Promise<QueryResult['records']> {
    return this.#drain(await this.query(op, soql, all));
  }

  async #drain(first: QueryResult): Promise<QueryResult['records']> {
    let page = first;
    const records = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
      page = await this.queryMore(page.nextRecordsUrl);
      records.push(...page.records);
    }
    return records;
  }

  /**
   * Runs several queries with as few calls as possible: one alone as a plain query, more through
   * Composite, which takes up to 5 query subrequests and counts as one call toward API limits
   * (REST API "Composite": "The entire series of requests counts as a single call").
   */
  async queries(op: string, queries: PlannedQuery[]): Promise<QueryResult['records'][]> {
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
  planIn(
    objectType: SalesforceObject | 'Account' | 'User' | 'ContactHistory' | 'LeadHistory',
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

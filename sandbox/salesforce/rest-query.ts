/**
 * `/query`, `/queryAll` and their `nextRecordsUrl` pages: SOQL run over the store, paged by cursors.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
 */
import { SalesforceApiError } from './errors.ts';
import type { QueryCursors, QueryPage } from './query-cursors.ts';
import { type ApiRequest, type ApiResponse, base, header, toRecordBody } from './rest-request.ts';
import { type ParsedQuery, parseSoql } from './soql.ts';
import { candidateIds, compareBy, matches } from './soql-eval.ts';
import type { OrgStore } from './store.ts';

/** GET `/query?q=` (or `/queryAll?q=`, which also returns deleted records): the first page. */
export function runQuery(
  store: OrgStore,
  cursors: QueryCursors,
  defaultPageSize: number,
  r: ApiRequest,
  all: boolean,
): ApiResponse {
  const soql = r.query.get('q');
  if (!soql) throw new SalesforceApiError(400, 'MALFORMED_QUERY', 'unexpected token: <EOF>');
  const q = parseSoql(soql);
  const sliced = selectRows(store, q, all);
  if (q.count) return { status: 200, body: { totalSize: sliced.length, done: true, records: [] } };
  const names = q.fields.map((f) => f.name);
  const records = sliced.map((f) => toRecordBody(q.object, f, names, base(r)));
  const first = cursors.open(records, pageSize(r, defaultPageSize), r.token ?? '');
  return { status: 200, body: withUrl(first, base(r)) };
}

/**
 * The rows a parsed query selects, filtered, ordered and cut by LIMIT/OFFSET (`all`: deleted records
 * too). Shared by `/query` and Bulk API 2.0 query jobs, so both paths answer the same records.
 */
export function selectRows(store: OrgStore, q: ParsedQuery, all: boolean): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const ids = candidateIds(q.where);
  const source = ids
    ? [...new Set(ids)].map((id) => store.get(id)).filter((x) => x !== undefined && x.type === q.object.name)
    : store.all(q.object.name);
  for (const rec of source) {
    if (!rec) continue;
    if (!all && rec.fields.IsDeleted === true) continue;
    if (q.where && !matches(q.where, rec.fields)) continue;
    rows.push(rec.fields);
  }
  if (q.orderBy.length > 0) rows.sort(compareBy(q.orderBy));
  return rows.slice(q.offset ?? 0, q.limit !== undefined ? (q.offset ?? 0) + q.limit : undefined);
}

/** GET `/query/{locator}`: the next page of an open cursor. */
export function queryMore(cursors: QueryCursors, r: ApiRequest, locator: string): ApiResponse {
  return { status: 200, body: withUrl(cursors.more(locator), base(r)) };
}

function pageSize(r: ApiRequest, defaultPageSize: number): number {
  // Sforce-Query-Options: batchSize=N (200..2000) — a request hint, not a guarantee.
  const opt = header(r.headers, 'sforce-query-options');
  const m = opt ? /batchSize=(\d+)/i.exec(opt) : null;
  if (m) return Math.min(2000, Math.max(200, Number(m[1])));
  return defaultPageSize;
}

function withUrl(page: QueryPage, baseUrl: string): Record<string, unknown> {
  const body: Record<string, unknown> = { totalSize: page.totalSize, done: page.done };
  if (page.locator) body.nextRecordsUrl = `${baseUrl}/query/${page.locator}`;
  body.records = page.records;
  return body;
}

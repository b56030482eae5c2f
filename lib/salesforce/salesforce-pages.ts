import type { SalesforceObject } from '../domain/notice.ts';
import type { BulkCursor, BulkPageHooks, SalesforceRecord } from '../ports.ts';
import type { SalesforceBulkReads } from './salesforce-bulk.ts';
import type { SalesforceQueries } from './salesforce-queries.ts';
import { selectFields, soqlRecordSchema, toSalesforceRecord } from './salesforce-records.ts';
import { apiName, isSalesforceId, selectQuery, soqlDateTime, soqlString } from './salesforce-soql.ts';

/** What selects the records of `queryPage` and `bulkQueryPage`. */
export interface PageOptions {
  modifiedSinceMs?: number;
  afterId?: string | null;
  includeConverted?: boolean;
}

/**
 * Reads that walk a whole object (import, polling, the company resync's Account ids): by SOQL pages,
 * or through one Bulk API 2.0 query job read a result set at a time (docs/design.md#bulk-reads).
 */
export class SalesforcePageReads {
  constructor(
    private readonly queries: SalesforceQueries,
    private readonly bulk: SalesforceBulkReads,
  ) {}

  async queryPage(
    objectType: SalesforceObject,
    fields: string[],
    options: PageOptions & { after?: string },
  ): Promise<{ records: SalesforceRecord[]; after?: string; total?: number }> {
    const page = options.after
      ? await this.queries.queryMore(options.after)
      : await this.queries.query(
          'soql.query',
          pageQuery(objectType, selectFields(objectType, fields), options),
          false,
        );
    const records = page.records.map((r) => toSalesforceRecord(objectType, r, fields));
    // totalSize of a first page is the query's whole size: what decides SOQL pages vs a Bulk job.
    const total = !options.after && page.totalSize !== undefined ? { total: page.totalSize } : {};
    return !page.done && page.nextRecordsUrl
      ? { records, after: page.nextRecordsUrl, ...total }
      : { records, ...total };
  }

  /** The records `queryPage` with `afterId` reads (the same SOQL, by Id), one result set per call. */
  async bulkQueryPage(
    objectType: SalesforceObject,
    fields: string[],
    options: PageOptions & BulkPageHooks,
  ): Promise<{ records: SalesforceRecord[]; cursor?: BulkCursor }> {
    const soql = () =>
      pageQuery(objectType, selectFields(objectType, fields), {
        ...options,
        afterId: options.afterId ?? null,
      });
    const set = await this.#bulkSet(objectType, soql, options);
    const records = set.rows.map((r) => toSalesforceRecord(objectType, soqlRecordSchema.parse(r), fields));
    return set.cursor ? { records, cursor: set.cursor } : { records };
  }

  /** Accounts with an Id above `afterId`: `SELECT COUNT()` (totalSize, no records), one call. */
  async countAccounts(afterId: string | null): Promise<number> {
    const soql = `SELECT COUNT() FROM ${apiName('Account')}${afterId ? ` WHERE ${idAfter(afterId)}` : ''}`;
    return (await this.queries.query('soql.count', soql, false)).totalSize ?? 0;
  }

  /** Account ids above `afterId` by Id, one result set per call (the company resync's scan). */
  async bulkAccountIdPage(
    options: BulkPageHooks & { afterId: string | null },
  ): Promise<{ ids: string[]; cursor?: BulkCursor }> {
    const soql = () =>
      selectQuery('Account', ['Id'], options.afterId ? idAfter(options.afterId) : undefined, 'Id ASC');
    const set = await this.#bulkSet('Account', soql, options);
    const ids = set.rows.map((r) => soqlRecordSchema.parse(r).Id);
    return set.cursor ? { ids, cursor: set.cursor } : { ids };
  }

  /**
   * One result set: of the job the cursor names, or of a new job for `soql`, told to `onCreated` (to
   * be stored) before it is polled. A cursor without a locator names a job whose first set is next:
   * it is polled until complete (a resumed job may be complete already: one poll).
   */
  async #bulkSet(
    objectType: string,
    soql: () => string,
    options: BulkPageHooks,
  ): Promise<{ rows: Record<string, unknown>[]; cursor?: BulkCursor }> {
    let cursor = options.cursor;
    if (!cursor) {
      cursor = { jobId: await this.bulk.create(soql()), locator: null };
      await options.onCreated?.(cursor);
    }
    if (cursor.locator === null) await this.bulk.waitComplete(cursor.jobId, options.onPoll);
    const set = await this.bulk.resultSet(objectType, cursor);
    // A finished job is not deleted: that would cost a call, and Salesforce removes it after 7 days.
    return set.next
      ? { rows: set.rows, cursor: { jobId: cursor.jobId, locator: set.next } }
      : { rows: set.rows };
  }
}

function idAfter(afterId: string): string {
  if (!isSalesforceId(afterId))
    throw new Error(`afterId must be a Salesforce id (15 or 18 characters), got "${afterId}"`);
  return `Id > ${soqlString(afterId)}`;
}

/**
 * The SOQL of a page read: by Id after `afterId` (import, resumable) or by modification time
 * (polling); converted leads only when polling, unless `includeConverted` says otherwise.
 */
function pageQuery(objectType: SalesforceObject, select: string[], options: PageOptions): string {
  const where: string[] = [];
  if (options.modifiedSinceMs !== undefined)
    where.push(`SystemModstamp > ${soqlDateTime(options.modifiedSinceMs)}`);
  const byId = options.afterId !== undefined;
  if (options.afterId) where.push(idAfter(options.afterId));
  const includeConverted = options.includeConverted ?? options.modifiedSinceMs !== undefined;
  if (objectType === 'Lead' && !includeConverted) where.push('IsConverted = false');
  const order = byId ? 'Id ASC' : 'SystemModstamp ASC';
  return selectQuery(objectType, select, where.length > 0 ? where.join(' AND ') : undefined, order);
}

/**
 * What a large Salesforce read costs in API calls, SOQL pages against a Bulk API 2.0 query job, and
 * where the job starts to cost fewer (docs/design.md#bulk-reads). Pure arithmetic on documented sizes.
 */

/** Records per SOQL page: `Sforce-Query-Options: batchSize` caps at 2,000, the default page size. */
export const SOQL_PAGE_SIZE = 2000;
/** Records per Bulk result set crmsync asks for (`maxRecords`): one set is held in memory at a time. */
export const BULK_RESULT_SET_SIZE = 10_000;
/**
 * Status polls a job is expected to need: polls wait 1, 2, 4, 8, 16 s (doubling), so 5 polls cover a
 * job that takes half a minute, which is what a query of some 20,000 rows takes on a loaded org.
 */
export const EXPECTED_BULK_POLLS = 5;

/** Calls to read `records` by SOQL pages (at least one: an empty answer is still a call). */
export function soqlReadCalls(records: number, pageSize = SOQL_PAGE_SIZE): number {
  return Math.max(1, Math.ceil(records / pageSize));
}

/**
 * Calls to read `records` by a Bulk API 2.0 query job: 1 create + `polls` status polls + 1 per result
 * set + 1 describe of the object (CSV carries strings only; the describe types them back).
 */
export function bulkReadCalls(
  records: number,
  polls = EXPECTED_BULK_POLLS,
  resultSetSize = BULK_RESULT_SET_SIZE,
): number {
  return 1 + polls + Math.max(1, Math.ceil(records / resultSetSize)) + 1;
}

/**
 * The largest record count for which SOQL pages cost no more calls than a Bulk job: above it a Bulk
 * job always costs fewer. (With the defaults: 18,000 — 9 SOQL pages against 1 + 5 + 2 + 1 = 9 calls.)
 */
export function bulkBreakEven(
  polls = EXPECTED_BULK_POLLS,
  pageSize = SOQL_PAGE_SIZE,
  resultSetSize = BULK_RESULT_SET_SIZE,
): number {
  // The SOQL cost grows by 1 per page, the Bulk cost by 1 per result set: past a few result sets the
  // gap only widens, so the last crossing lies well under this bound.
  const bound = (polls + 3) * resultSetSize * 2;
  let last = 0;
  for (let r = pageSize; r <= bound; r += pageSize)
    if (soqlReadCalls(r, pageSize) <= bulkReadCalls(r, polls, resultSetSize)) last = r;
  return last;
}

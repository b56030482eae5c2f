import type { SalesforceObject } from '../domain/notice.ts';
import { BulkQueryUnavailableError } from '../errors.ts';
import type { BulkCursor, SalesforceRecord } from '../ports.ts';
import type { SyncDeps } from './sync-deps.ts';

/**
 * How an import reads, for its progress output: SOQL pages, or a Bulk API 2.0 job (its id, last
 * state and polls), and why it went back to SOQL pages if it did.
 */
export interface ImportReadNote {
  via: 'soql' | 'bulk';
  jobId?: string;
  state?: string;
  polls?: number;
  /** The Bulk job could not be used (failed, aborted, too slow, expired): read on by SOQL from the last Id. */
  fellBack?: string;
}

/**
 * Where an import's reading stands. `afterId` (the last record done) and `bulk` (the next result set
 * of a running Bulk job) are stored in the checkpoint; the rest lives for one run.
 */
export interface ImportReadState {
  afterId: string | null;
  bulk?: BulkCursor;
  /** The SOQL query locator of the next page (expires: never stored). */
  after?: string;
  /** The next read creates a Bulk job for the records after `afterId`. */
  bulkNext?: boolean;
  /** A Bulk job failed in this run: read on by SOQL pages, do not start another. */
  bulkFailed?: boolean;
}

/**
 * The next page of an import, read the cheaper way (docs/design.md#bulk-reads). The first SOQL page
 * tells how many records the query has (totalSize); when more than `salesforce.bulkQuery.threshold`
 * remain after it, the rest is read through one Bulk API 2.0 query job, ordered by Id like the SOQL
 * pages, one result set per page. A job that cannot be used — it failed, was aborted, took too long,
 * or expired before a paused import resumed (Salesforce deletes jobs after 7 days) — is left, and
 * the import reads on by SOQL pages after the last Id it finished: nothing is read twice or skipped.
 */
export async function readImportPage(
  deps: Pick<SyncDeps, 'salesforce' | 'config'>,
  object: SalesforceObject,
  state: ImportReadState,
  onNote: (note: ImportReadNote) => void,
): Promise<{ records: SalesforceRecord[]; more: boolean }> {
  const bulkRead = deps.salesforce.bulkQueryPage?.bind(deps.salesforce);
  if (bulkRead && (state.bulk || state.bulkNext) && !state.bulkFailed) {
    try {
      const page = await bulkRead(object, ['Email'], {
        ...(state.bulk ? { cursor: state.bulk } : { afterId: state.afterId }),
        onPoll: (p) => onNote({ via: 'bulk', jobId: p.jobId, state: p.state, polls: p.polls }),
      });
      const jobId = state.bulk?.jobId ?? page.cursor?.jobId;
      state.bulkNext = false;
      if (page.cursor) state.bulk = page.cursor;
      else delete state.bulk;
      onNote({ via: 'bulk', ...(jobId ? { jobId } : {}), state: 'JobComplete' });
      return { records: page.records, more: page.cursor !== undefined };
    } catch (error) {
      if (!(error instanceof BulkQueryUnavailableError)) throw error;
      delete state.bulk;
      state.bulkNext = false;
      state.bulkFailed = true;
      onNote({ via: 'soql', fellBack: error.message });
    }
  }
  const page = await deps.salesforce.queryPage(
    object,
    ['Email'],
    state.after ? { after: state.after } : { afterId: state.afterId },
  );
  if (page.after) state.after = page.after;
  else delete state.after;
  const remaining = (page.total ?? 0) - page.records.length;
  if (bulkRead && page.after && !state.bulkFailed && remaining > deps.config.salesforce.bulkQuery.threshold) {
    // Decided by the call count: the rest costs fewer calls as one Bulk job than as SOQL pages.
    delete state.after;
    state.bulkNext = true;
  }
  if (!state.bulkNext) onNote({ via: 'soql' });
  return { records: page.records, more: page.after !== undefined };
}

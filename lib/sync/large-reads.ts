import type { SalesforceObject } from '../domain/notice.ts';
import { BulkQueryUnavailableError } from '../errors.ts';
import type { BulkCursor, BulkPageHooks, SalesforceRecord } from '../ports.ts';
import type { SyncDeps } from './sync-deps.ts';

/**
 * How a large read reads, for its progress output: SOQL pages, or a Bulk API 2.0 job (its id, last
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

/** A stored Bulk cursor when it has the expected shape (checkpoints are opaque JSON in the store). */
export function asBulkCursor(v: unknown): BulkCursor | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { jobId, locator } = v as Partial<BulkCursor>;
  return typeof jobId === 'string' && (typeof locator === 'string' || locator === null)
    ? { jobId, locator }
    : undefined;
}

/** The Bulk half of a reader's state: `bulk` (the next result set of the running job) is stored. */
export interface BulkReadState {
  bulk?: BulkCursor;
  /** The next read creates a Bulk job for the records after the last Id done. */
  bulkNext?: boolean;
  /** A Bulk job failed in this run: read on by SOQL pages, do not start another. */
  bulkFailed?: boolean;
}

/**
 * Where an import's reading stands. `afterId` (the last record done) and `bulk` are stored in the
 * checkpoint; the rest lives for one run.
 */
export interface ImportReadState extends BulkReadState {
  afterId: string | null;
  /** The SOQL query locator of the next page (expires: never stored). */
  after?: string;
}

/**
 * The next result set when the state says a Bulk job is running or due; undefined otherwise, or when
 * the job cannot be used — it failed, was aborted, took too long, or expired before a paused run
 * resumed (Salesforce deletes jobs after 7 days). Then the state turns to SOQL pages after the last
 * Id done for the rest of the run: nothing is read twice or skipped.
 */
export async function readBulkStep<T>(
  state: BulkReadState,
  onNote: (note: ImportReadNote) => void,
  storeJob: ((cursor: BulkCursor) => Promise<void>) | undefined,
  read: (hooks: BulkPageHooks) => Promise<{ items: T[]; cursor?: BulkCursor }>,
): Promise<{ items: T[]; more: boolean } | undefined> {
  if (!(state.bulk || state.bulkNext) || state.bulkFailed) return undefined;
  try {
    const page = await read({
      ...(state.bulk ? { cursor: state.bulk } : {}),
      onPoll: async (p) => {
        onNote({ via: 'bulk', jobId: p.jobId, state: p.state, polls: p.polls });
        // Stored again at each poll: a run waiting on a long job shows it is alive, not stalled.
        if (state.bulk) await storeJob?.(state.bulk);
      },
      // The job's id is stored before it is polled: a crash while it runs resumes it, not a new one.
      onCreated: async (cursor) => {
        state.bulk = cursor;
        state.bulkNext = false;
        await storeJob?.(cursor);
      },
    });
    const jobId = state.bulk?.jobId ?? page.cursor?.jobId;
    state.bulkNext = false;
    if (page.cursor) state.bulk = page.cursor;
    else delete state.bulk;
    onNote({ via: 'bulk', ...(jobId ? { jobId } : {}), state: 'JobComplete' });
    return { items: page.items, more: page.cursor !== undefined };
  } catch (error) {
    if (!(error instanceof BulkQueryUnavailableError)) throw error;
    delete state.bulk;
    state.bulkNext = false;
    state.bulkFailed = true;
    onNote({ via: 'soql', fellBack: error.message });
    return undefined;
  }
}

/**
 * The next page of an import, read the cheaper way (docs/design.md#bulk-reads). The first SOQL page
 * tells how many records the query has (totalSize); when more than `salesforce.bulkQuery.threshold`
 * remain after it, the rest is read through one Bulk API 2.0 query job, ordered by Id like the SOQL
 * pages, one result set per page ({@link readBulkStep}).
 */
export async function readImportPage(
  deps: Pick<SyncDeps, 'salesforce' | 'config'>,
  object: SalesforceObject,
  state: ImportReadState,
  onNote: (note: ImportReadNote) => void,
  /** Stores the job's position: when it is created and at each poll (docs/design.md#bulk-reads). */
  storeJob?: (cursor: BulkCursor) => Promise<void>,
): Promise<{ records: SalesforceRecord[]; more: boolean }> {
  const bulkRead = deps.salesforce.bulkQueryPage?.bind(deps.salesforce);
  if (bulkRead) {
    const set = await readBulkStep(state, onNote, storeJob, async (hooks) => {
      const page = await bulkRead(object, ['Email'], { afterId: state.afterId, ...hooks });
      return { items: page.records, ...(page.cursor ? { cursor: page.cursor } : {}) };
    });
    if (set) return { records: set.items, more: set.more };
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

/** Where the company resync's Account scan stands: `after` (the last Id done) and `bulk` are stored. */
export interface AccountIdReadState extends BulkReadState {
  after?: string;
  /** The Accounts left were counted in this run (once: a COUNT is a call). */
  counted?: boolean;
}

/**
 * The next page of Account ids for the company resync, by Id: `accountIdPage` (2,000 ids a call),
 * or — when its first page is full and a `SELECT COUNT()` says more than the threshold remain — one
 * Bulk API 2.0 job for the rest, a result set per page, falling back as {@link readBulkStep} says.
 */
export async function readAccountIdPage(
  deps: Pick<SyncDeps, 'salesforce' | 'config'>,
  state: AccountIdReadState,
  onNote: (note: ImportReadNote) => void,
  storeJob?: (cursor: BulkCursor) => Promise<void>,
): Promise<{ ids: string[]; more: boolean }> {
  const sf = deps.salesforce;
  const bulkRead = sf.bulkAccountIdPage?.bind(sf);
  if (bulkRead) {
    const set = await readBulkStep(state, onNote, storeJob, async (hooks) => {
      const page = await bulkRead({ afterId: state.after ?? null, ...hooks });
      return { items: page.ids, ...(page.cursor ? { cursor: page.cursor } : {}) };
    });
    if (set) return { ids: set.items, more: set.more };
  }
  const page = await sf.accountIdPage(state.after);
  if (bulkRead && sf.countAccounts && page.after && !state.counted && !state.bulkFailed) {
    state.counted = true;
    // One call to learn the size: a full first page may be all there is, or the first of 500.
    const remaining = await sf.countAccounts(page.after);
    if (remaining > deps.config.salesforce.bulkQuery.threshold) state.bulkNext = true;
  }
  if (!state.bulkNext) onNote({ via: 'soql' });
  return { ids: page.ids, more: page.after !== undefined };
}

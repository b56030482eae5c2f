import type { SalesforceObject } from '../domain/notice.ts';
import type { BulkCursor } from '../ports.ts';
import { accountImportAllowed, accountImportStep, companySyncOffError } from './company-import.ts';
import { importContactPage } from './import-contact-page.ts';
import { asBulkCursor, type ImportReadNote, type ImportReadState, readImportPage } from './large-reads.ts';
import { currentSettings, type SyncDeps } from './sync-deps.ts';

/** What an import covers: Leads and Contacts (R7) and Accounts (C2, C8), each with its own checkpoint. */
export type ImportObject = SalesforceObject | 'Account';

/** The order `stalledImports` looks for unfinished imports in (each keeps its place, `seq`). */
const IMPORT_OBJECTS: readonly ImportObject[] = ['Lead', 'Contact', 'Account'];

export interface ImportResult {
  object: ImportObject;
  /** Salesforce records read. */
  read: number;
  /** HubSpot contacts created with the email only. */
  created: number;
  /** Records linked to an existing HubSpot contact with the same email. */
  linked: number;
  /** Already linked by an earlier (possibly interrupted) import: skipped, which makes it resumable. */
  alreadyLinked: number;
  /**
   * Linked to a HubSpot contact that no longer exists (deleted in HubSpot, deletes `ignore`): the stale
   * link is removed and the record imported like an unlinked one — matched by email or created again,
   * as HubSpot's own import re-creates contacts that do not exist (docs/design.md#stale-link).
   */
  relinked: number;
  /**
   * Of those, segment members (or all, with no segment) still email-only from an earlier import: that
   * run may have stopped after storing their link and before queueing their sync, so it is queued again
   * (a notice already queued costs one read and writes nothing: the three-way merge).
   */
  resumed: number;
  /** Records without a usable email: a contact cannot be matched or created without one. */
  withoutEmail: number;
  /**
   * Records whose email belongs to a HubSpot contact already linked to another Salesforce record: one
   * HubSpot contact links to one Salesforce record, so they are left unlinked (their sync decisions
   * will say `duplicate-email`). Import Contacts before Leads to have the Contact preferred.
   */
  sharedEmail: number;
  /** Sync notices queued (R7: the gate syncs members fully, others stay email-only). */
  queued: number;
  /** The first {@link MAX_ERRORS_KEPT} records that could not be imported, and why. */
  errors: { salesforceId: string; message: string }[];
  /** False when the run paused (`shouldPause`) with its checkpoint; the next run resumes it. */
  done: boolean;
  /** How this run reads: SOQL pages or a Bulk API 2.0 job (docs/design.md#bulk-reads). */
  reading?: ImportReadNote;
}

/** What a page adds to: the counts of a result (the Account import counts `read`, `alreadyLinked`, `queued`). */
export type ImportCounts = Omit<ImportResult, 'object' | 'done' | 'reading'>;

/** An import's counts before its first page. */
export function noImportCounts(): ImportCounts {
  return {
    read: 0,
    created: 0,
    linked: 0,
    alreadyLinked: 0,
    relinked: 0,
    resumed: 0,
    withoutEmail: 0,
    sharedEmail: 0,
    queued: 0,
    errors: [],
  };
}

export interface ImportOptions {
  /**
   * Asked after each page: true pauses the import with its checkpoint stored (a Lambda near its time
   * limit); the next `importFromSalesforce` of the object resumes after the last page done.
   */
  shouldPause?: () => boolean;
}

/** Errors kept in the result and the checkpoint: enough to show what is wrong, bounded in memory. */
export const MAX_ERRORS_KEPT = 100;

/** The store's checkpoint name of an object's (one) running import. */
export const importCheckpointName = (object: ImportObject) => `import:${object}`;

/**
 * Where an import stands: the last Salesforce Id of the last page done, the next result set of its
 * Bulk job if it reads through one, and the counts so far.
 */
type ImportCheckpoint = Omit<ImportResult, 'done' | 'reading'> & {
  afterId: string | null;
  bulk?: BulkCursor;
  /** The object's place in the import that started it (Contacts before Leads, say): continued in that order. */
  seq: number;
  /**
   * When the run started: stable across pauses and crashes, it names the run in the Account notices'
   * event ids, so a page queued again after a crash carries the same ids and the processor drops it.
   */
  startedAt: number;
  /** When the checkpoint was last stored: a run in progress stores one every page. */
  updatedAt: number;
};

/** The stored checkpoint when it has the expected shape (the store keeps it as opaque JSON). */
function asImportCheckpoint(
  v: Record<string, unknown> | undefined,
  object: ImportObject,
): ImportCheckpoint | undefined {
  if (!v || v['object'] !== object) return undefined;
  const afterId = v['afterId'];
  if (afterId !== null && typeof afterId !== 'string') return undefined;
  const seq = typeof v['seq'] === 'number' ? v['seq'] : 0;
  const updatedAt = typeof v['updatedAt'] === 'number' ? v['updatedAt'] : 0;
  const startedAt = typeof v['startedAt'] === 'number' ? v['startedAt'] : updatedAt;
  const counts = [
    'read',
    'created',
    'linked',
    'alreadyLinked',
    'resumed',
    'withoutEmail',
    'sharedEmail',
    'queued',
  ] as const;
  if (!counts.every((k) => typeof v[k] === 'number') || !Array.isArray(v['errors'])) return undefined;
  const n = (k: (typeof counts)[number]) => v[k] as number;
  const bulk = asBulkCursor(v['bulk']);
  return {
    object,
    afterId,
    ...(bulk ? { bulk } : {}),
    seq,
    startedAt,
    updatedAt,
    read: n('read'),
    created: n('created'),
    linked: n('linked'),
    alreadyLinked: n('alreadyLinked'),
    relinked: typeof v['relinked'] === 'number' ? v['relinked'] : 0,
    resumed: n('resumed'),
    withoutEmail: n('withoutEmail'),
    sharedEmail: n('sharedEmail'),
    queued: n('queued'),
    errors: (v['errors'] as ImportResult['errors']).slice(0, MAX_ERRORS_KEPT),
  };
}

function emptyCheckpoint(object: ImportObject, seq: number, at: number): ImportCheckpoint {
  return { object, afterId: null, seq, startedAt: at, updatedAt: at, ...noImportCounts() };
}

/**
 * Records that an import of these objects (in this order) is to run, unless one of them is already
 * pending: so a run that pauses before it reaches the later objects still finds them when it is
 * continued (`pendingImports`), in another invocation.
 */
export async function planImport(
  deps: Pick<SyncDeps, 'store' | 'now'>,
  objects: ImportObject[],
): Promise<void> {
  for (const [seq, object] of objects.entries()) {
    const name = importCheckpointName(object);
    if (!asImportCheckpoint(await deps.store.getCheckpoint(name), object))
      await deps.store.putCheckpoint(name, { ...emptyCheckpoint(object, seq, deps.now()) });
  }
}

/**
 * A run stores its checkpoint every page (seconds apart): one untouched this long has no run behind
 * it (paused or crashed), so continuing it cannot race the run that wrote it.
 */
export const IMPORT_STALLED_MS = 2 * 60_000;

/** The objects whose import started, is not done and has no run in progress, in their import order. */
export async function stalledImports(deps: Pick<SyncDeps, 'store' | 'now'>): Promise<ImportObject[]> {
  const found: ImportCheckpoint[] = [];
  for (const object of IMPORT_OBJECTS) {
    const cp = asImportCheckpoint(await deps.store.getCheckpoint(importCheckpointName(object)), object);
    if (cp && deps.now() - cp.updatedAt >= IMPORT_STALLED_MS) found.push(cp);
  }
  return found.sort((a, b) => a.seq - b.seq).map((cp) => cp.object);
}

/**
 * Reads and imports the next page of one object, advancing its own read state; answers the last Id
 * it read (the checkpoint's position), whether more pages follow, and the Bulk job's next result set.
 */
export type ImportPageStep = (
  onNote: (note: ImportReadNote) => void,
  storeJob: (job: BulkCursor) => Promise<void>,
) => Promise<{ lastId: string | undefined; more: boolean; bulk: BulkCursor | undefined }>;

/**
 * Imports existing Salesforce records: Leads and Contacts into HubSpot contacts (R7,
 * lib/sync/import-contact-page.ts), Accounts as notices for the account lane (C2, C8,
 * lib/sync/company-import.ts). It streams: page by page (ordered by Id, by SOQL or one Bulk API 2.0
 * job above the threshold, docs/design.md#bulk-reads) it reads records, imports them and stores a
 * checkpoint — the last Id done and the counts — so memory holds one page, and a run that stops (a
 * crash, an error, `shouldPause`) resumes after the last page done, never from the start.
 */
export async function importFromSalesforce(
  deps: SyncDeps,
  object: ImportObject,
  onProgress?: (soFar: ImportResult) => void,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const name = importCheckpointName(object);
  if (object === 'Account' && !(await accountImportAllowed(deps))) {
    // A planned Account import would otherwise be continued, and refused, at every scheduled refresh.
    await deps.store.putCheckpoint(name, null);
    throw companySyncOffError();
  }
  const resumed = asImportCheckpoint(await deps.store.getCheckpoint(name), object);
  const cp: ImportCheckpoint = resumed ?? emptyCheckpoint(object, 0, deps.now());
  // Stored before the first page: a crash in it resumes the same run (the same `startedAt`).
  if (!resumed) await deps.store.putCheckpoint(name, { ...cp });
  let reading: ImportReadNote | undefined;
  const resultOf = (done: boolean): ImportResult => {
    const { afterId: _position, bulk: _bulk, seq: _seq, startedAt: _run, updatedAt: _at, ...counts } = cp;
    return { ...counts, errors: [...cp.errors], done, ...(reading ? { reading: { ...reading } } : {}) };
  };
  const step =
    object === 'Account'
      ? accountImportStep(deps, cp, `import:${cp.startedAt}`)
      : await contactImportStep(deps, object, cp);
  let more: boolean;
  do {
    const page = await step(
      (note) => {
        reading = { ...reading, ...note };
        if (note.state && note.state !== 'JobComplete') onProgress?.(resultOf(false));
      },
      (job) => deps.store.putCheckpoint(name, { ...cp, bulk: job, updatedAt: deps.now() }),
    );
    more = page.more;
    cp.afterId = page.lastId ?? cp.afterId;
    if (page.bulk) cp.bulk = page.bulk;
    else delete cp.bulk;
    cp.errors = cp.errors.slice(0, MAX_ERRORS_KEPT);
    cp.updatedAt = deps.now();
    if (more) await deps.store.putCheckpoint(name, { ...cp });
    // Every count so far, not only records read: the CLI shows created/linked as pages go by.
    onProgress?.(resultOf(false));
    if (more && options.shouldPause?.()) return resultOf(false);
  } while (more);
  await deps.store.putCheckpoint(name, null);
  return resultOf(true);
}

/** The Lead/Contact page step: `readImportPage` (SOQL or Bulk), then links and queues (R7). */
async function contactImportStep(
  deps: SyncDeps,
  object: SalesforceObject,
  cp: ImportCheckpoint,
): Promise<ImportPageStep> {
  const segmentId = (await currentSettings(deps)).inclusionSegmentId;
  // A resumed run goes on with its Bulk job's next result set, or by SOQL after the stored Id.
  const state: ImportReadState = { afterId: cp.afterId, ...(cp.bulk ? { bulk: cp.bulk } : {}) };
  return async (onNote, storeJob) => {
    const page = await readImportPage(deps, object, state, onNote, storeJob);
    await importContactPage(
      deps,
      segmentId,
      page.records.filter((r) => !r.isConverted),
      cp,
    );
    const lastId = page.records.at(-1)?.id;
    if (lastId) state.afterId = lastId;
    return { lastId, more: page.more, bulk: state.bulk };
  };
}

/**
 * Continues stalled imports (paused at a Lambda's time limit, or crashed) object after object within
 * `shouldPause`: the scheduled segment refresh runs it, as it continues a resync.
 */
export async function continueImports(deps: SyncDeps, shouldPause: () => boolean): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const object of await stalledImports(deps)) {
    if (object === 'Account' && !(await accountImportAllowed(deps))) {
      // Company sync turned off since the import started (C1): it is dropped, not refused every time.
      await deps.store.putCheckpoint(importCheckpointName(object), null);
      continue;
    }
    const result = await importFromSalesforce(deps, object, undefined, { shouldPause });
    results.push(result);
    if (!result.done) break;
  }
  return results;
}

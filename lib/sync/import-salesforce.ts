import { normalizeEmail } from '../domain/identity.ts';
import type { ChangeNotice, SalesforceObject } from '../domain/notice.ts';
import type { BulkCursor, PairState, SalesforceRecord } from '../ports.ts';
import { asBulkCursor, type ImportReadNote, type ImportReadState, readImportPage } from './large-reads.ts';
import { currentSettings, type SyncDeps } from './sync-deps.ts';

export interface ImportResult {
  object: SalesforceObject;
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

/** An import's counts before its first page (the Account import, lib/sync/company-import.ts, starts there too). */
export function noImportCounts(): Omit<ImportResult, 'object' | 'done'> {
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
export const importCheckpointName = (object: SalesforceObject) => `import:${object}`;

/**
 * Where an import stands: the last Salesforce Id of the last page done, the next result set of its
 * Bulk job if it reads through one, and the counts so far.
 */
type ImportCheckpoint = Omit<ImportResult, 'done' | 'reading'> & {
  afterId: string | null;
  bulk?: BulkCursor;
  /** The object's place in the import that started it (Contacts before Leads, say): continued in that order. */
  seq: number;
  /** When the checkpoint was last stored: a run in progress stores one every page. */
  updatedAt: number;
};

/** The stored checkpoint when it has the expected shape (the store keeps it as opaque JSON). */
function asImportCheckpoint(
  v: Record<string, unknown> | undefined,
  object: SalesforceObject,
): ImportCheckpoint | undefined {
  if (!v || v['object'] !== object) return undefined;
  const afterId = v['afterId'];
  if (afterId !== null && typeof afterId !== 'string') return undefined;
  const seq = typeof v['seq'] === 'number' ? v['seq'] : 0;
  const updatedAt = typeof v['updatedAt'] === 'number' ? v['updatedAt'] : 0;
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

function emptyCheckpoint(object: SalesforceObject, seq: number, at = 0): ImportCheckpoint {
  return { object, afterId: null, seq, updatedAt: at, ...noImportCounts() };
}

/**
 * Records that an import of these objects (in this order) is to run, unless one of them is already
 * pending: so a run that pauses before it reaches the later objects still finds them when it is
 * continued (`pendingImports`), in another invocation.
 */
export async function planImport(
  deps: Pick<SyncDeps, 'store' | 'now'>,
  objects: SalesforceObject[],
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
export async function stalledImports(deps: Pick<SyncDeps, 'store' | 'now'>): Promise<SalesforceObject[]> {
  const found: ImportCheckpoint[] = [];
  for (const object of ['Lead', 'Contact'] as const) {
    const cp = asImportCheckpoint(await deps.store.getCheckpoint(importCheckpointName(object)), object);
    if (cp && deps.now() - cp.updatedAt >= IMPORT_STALLED_MS) found.push(cp);
  }
  return found.sort((a, b) => a.seq - b.seq).map((cp) => cp.object);
}

/**
 * Import existing Salesforce leads/contacts into HubSpot (R7). It streams: page by page (ordered by
 * Id) it reads records, links or creates their HubSpot contacts, queues their notices and stores a
 * checkpoint — the last Id done and the counts — so memory holds one page, and a run that stops (a
 * crash, an error, `shouldPause`) resumes after the last page done, never from the start.
 *
 * Per page: records already linked are skipped (members an interrupted page linked but never queued
 * are queued again); the rest are matched by email to an existing HubSpot contact or created with
 * the email only; the pair is stored as `emailOnly`; then an `import` notice is queued for each,
 * and the gate decides: members of the segment (or everyone, with no segment) sync fully, the
 * others keep every other property empty.
 */
export async function importFromSalesforce(
  deps: SyncDeps,
  object: SalesforceObject,
  onProgress?: (soFar: ImportResult) => void,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const name = importCheckpointName(object);
  const resumed = asImportCheckpoint(await deps.store.getCheckpoint(name), object);
  const cp: ImportCheckpoint = resumed ?? emptyCheckpoint(object, 0);
  const segmentId = (await currentSettings(deps)).inclusionSegmentId;
  let reading: ImportReadNote | undefined;
  const resultOf = (done: boolean): ImportResult => {
    const { afterId: _position, bulk: _bulk, seq: _seq, updatedAt: _at, ...counts } = cp;
    return { ...counts, errors: [...cp.errors], done, ...(reading ? { reading: { ...reading } } : {}) };
  };
  // A resumed run goes on with its Bulk job's next result set, or by SOQL after the stored Id.
  const state: ImportReadState = { afterId: cp.afterId, ...(cp.bulk ? { bulk: cp.bulk } : {}) };
  let more: boolean;
  do {
    const page = await readImportPage(
      deps,
      object,
      state,
      (note) => {
        reading = { ...reading, ...note };
        if (note.state && note.state !== 'JobComplete') onProgress?.(resultOf(false));
      },
      (job) => deps.store.putCheckpoint(name, { ...cp, bulk: job, updatedAt: deps.now() }),
    );
    more = page.more;
    await importPage(
      deps,
      segmentId,
      page.records.filter((r) => !r.isConverted),
      cp,
    );
    cp.afterId = page.records.at(-1)?.id ?? cp.afterId;
    state.afterId = cp.afterId;
    if (state.bulk) cp.bulk = state.bulk;
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

/**
 * Continues stalled imports (paused at a Lambda's time limit, or crashed) object after object within
 * `shouldPause`: the scheduled segment refresh runs it, as it continues a resync.
 */
export async function continueImports(deps: SyncDeps, shouldPause: () => boolean): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const object of await stalledImports(deps)) {
    const result = await importFromSalesforce(deps, object, undefined, { shouldPause });
    results.push(result);
    if (!result.done) break;
  }
  return results;
}

async function importPage(
  deps: SyncDeps,
  segmentId: string | null,
  records: SalesforceRecord[],
  result: Omit<ImportResult, 'done'>,
): Promise<void> {
  result.read += records.length;
  const existing = await deps.store.getPairsBySalesforceIds(records.map((r) => r.id));
  await dropLinksToDeletedContacts(deps, existing, result);
  const todo: { record: SalesforceRecord; email: string }[] = [];
  const unfinished: PairState[] = [];
  for (const record of records) {
    const linked = existing.get(record.id);
    if (linked) {
      result.alreadyLinked++;
      if (linked.origin === 'import' && linked.emailOnly) unfinished.push(linked);
      continue;
    }
    const email = normalizeEmail(
      typeof record.fields['Email'] === 'string' ? record.fields['Email'] : undefined,
    );
    if (!email) {
      result.withoutEmail++;
      continue;
    }
    todo.push({ record, email });
  }
  await resumeUnfinished(deps, segmentId, unfinished, result);
  if (todo.length === 0) return;

  // Match by email first, so no duplicate is created in HubSpot.
  const found = await deps.hubspot.findContactsByEmail([...new Set(todo.map((t) => t.email))], ['email']);
  const byEmail = new Map(found.map((c) => [normalizeEmail(c.properties['email'] ?? undefined) ?? '', c.id]));
  const toCreate = [...new Set(todo.filter((t) => !byEmail.has(t.email)).map((t) => t.email))];
  if (toCreate.length > 0) {
    const outcomes = await deps.hubspot.createContacts(
      toCreate.map((email) => ({ ref: email, properties: { email } })),
    );
    for (const o of outcomes) {
      if (o.ok) {
        byEmail.set(o.ref, o.id);
        result.created++;
      } else {
        for (const t of todo.filter((x) => x.email === o.ref))
          result.errors.push({ salesforceId: t.record.id, message: o.message });
      }
    }
  }

  const at = deps.now();
  const hubspotIds = [...new Set(todo.map((t) => byEmail.get(t.email)).filter((id): id is string => !!id))];
  const pairsByHubSpot = await deps.store.getPairsByHubSpotIds(hubspotIds);
  const notices: ChangeNotice[] = [];
  for (const { record, email } of todo) {
    const hubspotId = byEmail.get(email);
    if (!hubspotId) continue;
    // One HubSpot contact links to one Salesforce record: a second record with the same email is
    // left unlinked (and counted, so the user sees it).
    if (pairsByHubSpot.has(hubspotId)) {
      result.sharedEmail++;
      continue;
    }
    const pair: PairState = {
      hubspotId,
      salesforceId: record.id,
      salesforceType: record.objectType,
      snapshot: { email },
      version: 0,
      lastSyncedAt: at,
      origin: 'import',
      emailOnly: true,
    };
    try {
      pairsByHubSpot.set(hubspotId, await deps.store.putPair(pair, 0));
      if (found.some((c) => c.id === hubspotId)) result.linked++;
    } catch (error) {
      result.errors.push({ salesforceId: record.id, message: (error as Error).message });
      continue;
    }
    notices.push(importNotice(record.id, record.objectType, at));
  }
  if (notices.length > 0) {
    await deps.queue.send(notices);
    result.queued += notices.length;
  }
}

/**
 * A link to a HubSpot contact that no longer exists must not block the import (docs/design.md#stale-link):
 * one batch read of the linked contacts per page; a contact the read does not return (deleted, or
 * merged away — HubSpot answers a merged id with its survivor) loses its link, conditionally on the
 * pair's version, and its record is imported as unlinked: matched by email (a merge survivor with the
 * same email is found so) or created again. A pair that changed meanwhile is left as it is.
 */
async function dropLinksToDeletedContacts(
  deps: SyncDeps,
  existing: Map<string, PairState>,
  result: Omit<ImportResult, 'done'>,
): Promise<void> {
  if (existing.size === 0) return;
  const alive = new Set(
    (await deps.hubspot.readContacts([...new Set([...existing.values()].map((p) => p.hubspotId))], ['email']))
      .filter((c) => !c.archived)
      .map((c) => c.id),
  );
  for (const [salesforceId, pair] of existing) {
    if (alive.has(pair.hubspotId)) continue;
    try {
      await deps.store.deletePair(pair.hubspotId, pair.version);
      existing.delete(salesforceId);
      result.relinked++;
    } catch (error) {
      result.errors.push({ salesforceId, message: (error as Error).message });
    }
  }
}

function importNotice(salesforceId: string, objectType: SalesforceObject, at: number): ChangeNotice {
  return {
    source: 'salesforce',
    objectType,
    recordId: salesforceId,
    kind: 'import',
    eventId: `import:${salesforceId}:${at}`,
    occurredAt: at,
  };
}

/**
 * Links stored by an earlier run are skipped, but that run may have stopped between storing them and
 * queueing their sync. A member (or anyone, with no segment) that is still email-only never got its
 * full sync: queue it again. Non-members stay email-only by design (R7), so they need nothing.
 */
async function resumeUnfinished(
  deps: SyncDeps,
  segmentId: string | null,
  pairs: PairState[],
  result: Omit<ImportResult, 'done'>,
): Promise<void> {
  if (pairs.length === 0) return;
  const members = segmentId
    ? await deps.store.getMembers(
        segmentId,
        pairs.map((p) => p.hubspotId),
      )
    : new Set(pairs.map((p) => p.hubspotId));
  const at = deps.now();
  const notices = pairs
    .filter((p) => members.has(p.hubspotId))
    .map((p) => importNotice(p.salesforceId, p.salesforceType, at));
  if (notices.length === 0) return;
  await deps.queue.send(notices);
  result.resumed += notices.length;
  result.queued += notices.length;
}

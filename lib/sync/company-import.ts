import type { ChangeNotice } from '../domain/notice.ts';
import { CrmSyncError } from '../errors.ts';
import type { BulkCursor } from '../ports.ts';
import type { ImportCounts, ImportPageStep } from './import-salesforce.ts';
import { type AccountIdReadState, readAccountIdPage } from './large-reads.ts';
import { companySyncEnabled, type SyncDeps } from './sync-deps.ts';

/**
 * The Account import (C2, C8: "an existing account syncs when it is edited, imported, or resynced")
 * is `importFromSalesforce(deps, 'Account')` (lib/sync/import-salesforce.ts): the same run as the
 * Lead/Contact import — a checkpoint after each page, paused at `shouldPause` and continued by the
 * schedule, resumed after a crash — with this file's page step. Each account not linked yet gets an
 * `import` notice, and the processor's account lane links it to the company its Contacts' HubSpot
 * twins share (C3 b) or creates its company (C2) with every mapped value. An account already linked
 * is counted and skipped. Unlike the contact import (R7) nothing is written at import time and no
 * segment applies: accounts are not gated by the contact segment.
 *
 * Import Contacts before Accounts: C3 (b) matches an account through its Contacts' links.
 */

/** C1: with company sync off an Account import would create no company, so it does not start at all. */
export async function accountImportAllowed(deps: Pick<SyncDeps, 'store' | 'config'>): Promise<boolean> {
  return companySyncEnabled(await deps.store.getSettings(), deps.config);
}

/** Why an Account import does not start with company sync off (C1), and how to turn it on. */
export function companySyncOffError(): CrmSyncError {
  return new CrmSyncError(
    'company sync is off (C1): an Account import would create no company. Set "companies": { "enabled": true } in the config (the run-time setting overrides it), then import again.',
  );
}

/**
 * The Account page step: Account ids by Id after the last one done (`readAccountIdPage`: 2,000 a
 * SOQL page, or the rest through one Bulk API 2.0 job when a `SELECT COUNT()` finds more than
 * `salesforce.bulkQuery.threshold` left, docs/design.md#bulk-reads), then a notice per unlinked one.
 *
 * `run` names the run in the event ids (`<run>:<account id>`): a page that was queued but not yet
 * checkpointed when the run crashed is queued again with the same ids, which the processor drops as
 * duplicates, so an Account is synced once per run.
 */
export function accountImportStep(
  deps: SyncDeps,
  /** The run's counts (added to, page by page) and where it stands: resumed from the checkpoint. */
  counts: ImportCounts & { afterId: string | null; bulk?: BulkCursor },
  run: string,
): ImportPageStep {
  const state: AccountIdReadState = {
    ...(counts.afterId ? { after: counts.afterId } : {}),
    ...(counts.bulk ? { bulk: counts.bulk } : {}),
  };
  return async (onNote, storeJob) => {
    const page = await readAccountIdPage(deps, state, onNote, storeJob);
    const linked = await deps.store.getCompanyPairsByAccountIds(page.ids);
    const at = deps.now();
    const notices: ChangeNotice[] = page.ids
      .filter((id) => !linked.has(id))
      .map((id) => ({
        source: 'salesforce',
        objectType: 'Account',
        recordId: id,
        kind: 'import',
        eventId: `${run}:${id}`,
        occurredAt: at,
      }));
    if (notices.length > 0) await deps.queue.send(notices);
    counts.read += page.ids.length;
    counts.alreadyLinked += linked.size;
    counts.queued += notices.length;
    const lastId = page.ids.at(-1);
    if (lastId) state.after = lastId;
    return { lastId, more: page.more, bulk: state.bulk };
  };
}

import type { ChangeNotice } from '../domain/notice.ts';
import { CrmSyncError } from '../errors.ts';
import { type ImportResult, noImportCounts } from './import-salesforce.ts';
import { companySyncEnabled, type SyncDeps } from './sync-deps.ts';

/** The import's counts, shaped as the contact import's (the CLI and the dashboard show both alike). */
export type AccountImportResult = Omit<ImportResult, 'object' | 'done'> & { object: 'Account' };

/**
 * Import of existing Salesforce Accounts (C2, C8: "an existing account syncs when it is edited,
 * imported, or resynced"), page by page: each account not linked yet gets an `import` notice, and
 * the processor's account lane links it to the company its Contacts' HubSpot twins share (C3 b) or
 * creates its company (C2) with every mapped value. An account already linked is counted and
 * skipped, so an interrupted import simply runs again. Unlike the contact import (R7) nothing is
 * written at import time and no segment applies: accounts are not gated by the contact segment.
 *
 * Import Contacts before Accounts: C3 (b) matches an account through its Contacts' links.
 */
export async function importAccounts(
  deps: SyncDeps,
  onProgress?: (soFar: AccountImportResult) => void,
): Promise<AccountImportResult> {
  // C1: with company sync off an account import creates no company, so it does not start at all.
  if (!companySyncEnabled(await deps.store.getSettings(), deps.config)) {
    throw new CrmSyncError(
      'company sync is off (C1): an Account import would create no company. Set "companies": { "enabled": true } in the config (the run-time setting overrides it), then import again.',
    );
  }
  const result: AccountImportResult = { object: 'Account', ...noImportCounts() };
  const at = deps.now();
  let after: string | undefined;
  do {
    const page = await deps.salesforce.accountIdPage(after);
    const linked = await deps.store.getCompanyPairsByAccountIds(page.ids);
    const notices: ChangeNotice[] = page.ids
      .filter((id) => !linked.has(id))
      .map((id) => ({
        source: 'salesforce',
        objectType: 'Account',
        recordId: id,
        kind: 'import',
        eventId: `import:${id}:${at}`,
        occurredAt: at,
      }));
    if (notices.length > 0) await deps.queue.send(notices);
    result.read += page.ids.length;
    result.alreadyLinked += linked.size;
    result.queued += notices.length;
    onProgress?.({ ...result, errors: [] });
    after = page.after;
  } while (after);
  return result;
}

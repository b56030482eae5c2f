import type { ChangeNotice } from '../domain/notice.ts';
import type { BulkCursor } from '../ports.ts';
import { type AccountIdReadState, asBulkCursor, readAccountIdPage } from './large-reads.ts';
import {
  type ResyncOptions,
  type ResyncResult,
  type ResyncRunner,
  resyncCheckpoint,
  runResync,
} from './resync.ts';
import { companySyncEnabled, currentSettings, type ProgressListener, type SyncDeps } from './sync-deps.ts';

/**
 * The company half of a resync (C8: "resync and import cover companies"; docs/design.md#companies-
 * accounts-and-owners). With company sync on (C1), every Salesforce Account gets a `resync` notice
 * — the processor's account lane links it (C3), creates its company (C2) or merges it (C7) — and
 * then every HubSpot company *not linked yet* gets one, which the lane hands to C4 (an Account only
 * when one of its contacts calls for it). A linked company is covered by its account's notice, so
 * it is not queued twice. Companies follow C4, never the contact segment.
 *
 * Like the contact resync it streams page by page with a checkpoint after each page, so it pauses
 * (`shouldPause`) and resumes — after a crash too — from the next page; event ids are
 * `<run>:<record id>`, so a page sent twice across a crash is dropped as a duplicate by the processor.
 */

/** The store's checkpoint name of the running company resync. */
export const COMPANY_RESYNC_CHECKPOINT = 'company-resync';

/** Where a company resync stands: the phase, the position of its next page and what it queued. */
export interface CompanyResyncCheckpoint {
  run: string;
  at: number;
  phase: 'accounts' | 'companies';
  after?: string;
  /** The Account scan's Bulk API 2.0 job, when it reads through one (docs/design.md#bulk-reads). */
  bulk?: BulkCursor;
  accounts: number;
  companies: number;
}

export interface CompanyResyncResult {
  /** Account notices queued (every account). */
  accounts: number;
  /** Company notices queued (companies with no account linked). */
  companies: number;
  done: boolean;
}

function asCheckpoint(v: Record<string, unknown> | undefined): CompanyResyncCheckpoint | undefined {
  if (!v || typeof v['run'] !== 'string' || typeof v['at'] !== 'number') return undefined;
  if (v['phase'] !== 'accounts' && v['phase'] !== 'companies') return undefined;
  if (typeof v['accounts'] !== 'number' || typeof v['companies'] !== 'number') return undefined;
  const cp: CompanyResyncCheckpoint = {
    run: v['run'],
    at: v['at'],
    phase: v['phase'],
    accounts: v['accounts'],
    companies: v['companies'],
  };
  if (typeof v['after'] === 'string') cp.after = v['after'];
  const bulk = asBulkCursor(v['bulk']);
  if (bulk) cp.bulk = bulk;
  return cp;
}

/** The unfinished company resync's checkpoint, or undefined. */
export async function companyResyncCheckpoint(
  deps: Pick<SyncDeps, 'store'>,
): Promise<CompanyResyncCheckpoint | undefined> {
  return asCheckpoint(await deps.store.getCheckpoint(COMPANY_RESYNC_CHECKPOINT));
}

/**
 * Queues a resync notice for every account, then for every unlinked company (see above). With
 * company sync off it reads nothing and queues nothing (C1).
 */
export async function runCompanyResync(
  deps: SyncDeps,
  onQueued?: (queued: number) => void,
  options: ResyncOptions = {},
): Promise<CompanyResyncResult> {
  const resumed = await companyResyncCheckpoint(deps);
  if (!companySyncEnabled(await deps.store.getSettings(), deps.config)) {
    if (resumed) await deps.store.putCheckpoint(COMPANY_RESYNC_CHECKPOINT, null);
    return { accounts: 0, companies: 0, done: true };
  }
  const at = deps.now();
  let cp: CompanyResyncCheckpoint = resumed ?? {
    run: `company-resync:${at}`,
    at,
    phase: 'accounts',
    accounts: 0,
    companies: 0,
  };
  const notice = (objectType: 'Account' | 'company', id: string): ChangeNotice => ({
    source: objectType === 'Account' ? 'salesforce' : 'hubspot',
    objectType,
    recordId: id,
    kind: 'resync',
    eventId: `${cp.run}:${id}`,
    occurredAt: cp.at,
  });
  /** Stores the position of the next page (or the next phase); true when the run should pause. */
  const checkpoint = async (next: Partial<CompanyResyncCheckpoint>): Promise<boolean> => {
    const { after: _done, bulk: _job, ...rest } = cp;
    cp = { ...rest, ...next };
    await deps.store.putCheckpoint(COMPANY_RESYNC_CHECKPOINT, { ...cp });
    return options.shouldPause?.() ?? false;
  };
  await deps.store.putCheckpoint(COMPANY_RESYNC_CHECKPOINT, { ...cp });
  const result = () => ({ accounts: cp.accounts, companies: cp.companies });

  // By Id: 2,000 a page, or the rest through one Bulk API 2.0 job when that costs fewer calls.
  const scan: AccountIdReadState = {
    ...(cp.after ? { after: cp.after } : {}),
    ...(cp.bulk ? { bulk: cp.bulk } : {}),
  };
  while (cp.phase === 'accounts') {
    const page = await readAccountIdPage(
      deps,
      scan,
      () => {},
      (job) => deps.store.putCheckpoint(COMPANY_RESYNC_CHECKPOINT, { ...cp, bulk: job }),
    );
    if (page.ids.length > 0) await deps.queue.send(page.ids.map((id) => notice('Account', id)));
    const accounts = cp.accounts + page.ids.length;
    onQueued?.(accounts + cp.companies);
    const last = page.ids.at(-1) ?? scan.after;
    if (last) scan.after = last;
    const next =
      page.more && last
        ? { after: last, accounts, ...(scan.bulk ? { bulk: scan.bulk } : {}) }
        : { phase: 'companies' as const, accounts };
    if (await checkpoint(next)) return { ...result(), done: false };
  }
  for (;;) {
    const page = await deps.hubspot.companyIdPage(cp.after);
    const linked = await deps.store.getCompanyPairsByCompanyIds(page.ids);
    const unlinked = page.ids.filter((id) => !linked.has(id));
    if (unlinked.length > 0) await deps.queue.send(unlinked.map((id) => notice('company', id)));
    cp = { ...cp, companies: cp.companies + unlinked.length };
    onQueued?.(cp.accounts + cp.companies);
    if (!page.after) break;
    if (await checkpoint({ after: page.after })) return { ...result(), done: false };
  }
  await deps.store.putCheckpoint(COMPANY_RESYNC_CHECKPOINT, null);
  return { ...result(), done: true };
}

/** The company half's counts as the resync progress shows them. */
export function companyCounts(r: CompanyResyncResult): { accounts: number; companies: number } {
  return { accounts: r.accounts, companies: r.companies };
}

/** A resync of contacts (R5) and then of companies: what the schedule, the CLI and the dashboard run. */
export interface FullResyncResult extends ResyncResult {
  /** The company half; absent when the contact half paused before reaching it. */
  companies?: CompanyResyncResult;
}

/**
 * Resyncs the segment (R5), then the companies (C8). A company resync left unfinished (paused or
 * interrupted) is resumed first, without resyncing the contacts again; the progress counts contact
 * and company notices together.
 */
export async function runResyncWithCompanies(
  deps: SyncDeps,
  onProgress?: ProgressListener,
  options: ResyncOptions = {},
): Promise<FullResyncResult> {
  const settings = await currentSettings(deps);
  let contacts: ResyncResult;
  if (await companyResyncCheckpoint(deps)) {
    contacts = { segmentId: settings.inclusionSegmentId, queued: 0, done: true };
  } else {
    contacts = await runResync(deps, onProgress, options);
    if (!contacts.done) return contacts;
  }
  const companies = await runCompanyResync(
    deps,
    (queued) => onProgress?.({ phase: 'queueing company resync notices', done: contacts.queued + queued }),
    options,
  );
  return {
    ...contacts,
    queued: contacts.queued + companies.accounts + companies.companies,
    done: companies.done,
    companies,
  };
}

/**
 * The resync the schedules, the CLI and the dashboard run: contacts then companies. Pending while
 * either half has a checkpoint, so the scheduled segment refresh continues a paused company half too.
 */
export const RESYNC_WITH_COMPANIES: ResyncRunner = {
  pending: async (deps) => Boolean((await resyncCheckpoint(deps)) ?? (await companyResyncCheckpoint(deps))),
  run: runResyncWithCompanies,
};

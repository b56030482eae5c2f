import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_ID_PAGE } from '../../lib/salesforce/salesforce-crm.ts';
import {
  COMPANY_RESYNC_CHECKPOINT,
  RESYNC_WITH_COMPANIES,
  runCompanyResync,
  runResyncWithCompanies,
} from '../../lib/sync/company-resync.ts';
import { importFromSalesforce } from '../../lib/sync/import-salesforce.ts';
import { runScheduledRefresh } from '../../lib/sync/resync.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import type { TestStack } from '../support/test-stack.ts';
import { takeQueued } from './queued.ts';
import { startSyncStack } from './sync-stack.ts';

/**
 * C8 "resync and import cover companies", through the real adapters against the sandboxes and the
 * local SQS: what the company half of a resync and the Account import queue, page by page.
 */
const ACCOUNTS = ACCOUNT_ID_PAGE + 50;

describe('company resync and Account import queue accounts and companies page by page (C8)', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  const accounts: string[] = [];
  const companies: string[] = [];
  let linkedCompany: string;
  const take = () => takeQueued(stack.sqs!.client, stack.queueUrl!);

  beforeAll(async () => {
    // One page of accounts and 50 more: two pages, the second one short.
    ({ stack, deps } = await startSyncStack());
    for (let i = 0; i < ACCOUNTS; i++)
      accounts.push(await stack.salesforceSandbox.userCreate('Account', { Name: `Account ${i}` }));
    for (let i = 0; i < 130; i++)
      companies.push(await stack.hubspotSandbox.userCreateCompany({ name: `Company ${i}` }));
    linkedCompany = companies[0]!;
    await stack.store.putCompanyPair(
      {
        companyId: linkedCompany,
        accountId: accounts[0]!,
        snapshot: {},
        version: 0,
        lastSyncedAt: 0,
        origin: 'matched-by-contacts',
      },
      0,
    );
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await setCompanySync(deps, true);
    await take();
  });

  it('C1: with company sync off, the company resync reads nothing and queues nothing', async () => {
    await setCompanySync(deps, false);
    const { result, calls } = await stack.measure(() => runCompanyResync(deps));
    expect(result).toEqual({ accounts: 0, companies: 0, done: true });
    expect(calls.hubspot.reads + calls.salesforce.reads).toBe(0);
    expect(await take()).toEqual([]);
  });

  it('C8: every account and every company not linked yet gets one resync notice; a linked company is covered by its account', async () => {
    const progress: number[] = [];
    const { result, calls } = await stack.measure(() =>
      runCompanyResync(deps, (queued) => progress.push(queued)),
    );
    expect(result).toEqual({ accounts: ACCOUNTS, companies: 129, done: true });
    const notices = await take();
    const accountNotices = notices.filter((n) => n.objectType === 'Account');
    const companyNotices = notices.filter((n) => n.objectType === 'company');
    expect(new Set(accountNotices.map((n) => n.recordId))).toEqual(new Set(accounts));
    expect(new Set(companyNotices.map((n) => n.recordId))).toEqual(new Set(companies.slice(1)));
    expect(notices.every((n) => n.kind === 'resync')).toBe(true);
    expect(accountNotices.every((n) => n.source === 'salesforce')).toBe(true);
    expect(companyNotices.every((n) => n.source === 'hubspot')).toBe(true);
    expect(new Set(notices.map((n) => n.eventId)).size).toBe(notices.length);
    // Page by page: 2 SOQL pages of accounts (by Id) and, the first page being full, one SELECT COUNT()
    // of the accounts left (too few for a Bulk job, docs/design.md#bulk-reads); 2 pages of 100
    // companies; no record read one by one.
    expect(calls.salesforce.reads).toBe(3);
    expect(calls.hubspot.reads).toBe(2);
    expect(progress).toEqual([ACCOUNT_ID_PAGE, ACCOUNTS, ACCOUNTS + 99, ACCOUNTS + 129]);
    expect(await stack.store.getCheckpoint(COMPANY_RESYNC_CHECKPOINT)).toBeUndefined();
  });

  it('C8: a paused company resync resumes from its next page, and the scheduled refresh continues it', async () => {
    const first = await runCompanyResync(deps, undefined, { shouldPause: () => true });
    expect(first).toEqual({ accounts: ACCOUNT_ID_PAGE, companies: 0, done: false });
    // The checkpoint keeps the last account id of the page, not a query locator (which expires).
    const checkpoint = await stack.store.getCheckpoint(COMPANY_RESYNC_CHECKPOINT);
    expect(checkpoint).toMatchObject({ phase: 'accounts', accounts: ACCOUNT_ID_PAGE });
    expect(accounts).toContain(checkpoint?.['after']);
    expect(await RESYNC_WITH_COMPANIES.pending(deps)).toBe(true);
    const continued = await runScheduledRefresh(deps, 60_000, RESYNC_WITH_COMPANIES);
    expect(continued).toMatchObject({
      resync: { done: true, companies: { accounts: ACCOUNTS, companies: 129 } },
    });
    const notices = await take();
    // Every record once: the resumed run queued only the pages the first one had not.
    expect(notices).toHaveLength(ACCOUNTS + 129);
    expect(new Set(notices.map((n) => n.recordId)).size).toBe(ACCOUNTS + 129);
    expect(await RESYNC_WITH_COMPANIES.pending(deps)).toBe(false);
  });

  it('R5/C8: the full resync queues the contacts (R5) then the accounts and unlinked companies, and counts them apart', async () => {
    const contacts = stack.hubspotSandbox.seed({ contacts: 3, seed: 5 });
    const result = await runResyncWithCompanies(deps);
    expect(result).toMatchObject({
      segmentId: null,
      queued: contacts.length + ACCOUNTS + 129,
      done: true,
      companies: { accounts: ACCOUNTS, companies: 129, done: true },
    });
    const notices = await take();
    expect(notices.filter((n) => n.objectType === 'contact').map((n) => n.recordId)).toEqual(contacts);
    expect(notices).toHaveLength(contacts.length + ACCOUNTS + 129);
  });

  it('C1: with company sync off, the Account import refuses to start and says how to turn it on', async () => {
    await setCompanySync(deps, false);
    await expect(importFromSalesforce(deps, 'Account')).rejects.toThrow(
      /company sync is off \(C1\).*"companies"/,
    );
    expect(await take()).toEqual([]);
  });

  it('C2/C8: the Account import queues an import notice for each account not linked yet, page by page', async () => {
    const pages: number[] = [];
    const { result, calls } = await stack.measure(() =>
      importFromSalesforce(deps, 'Account', (p) => pages.push(p.read)),
    );
    expect(result).toMatchObject({
      object: 'Account',
      read: ACCOUNTS,
      alreadyLinked: 1,
      queued: ACCOUNTS - 1,
    });
    expect(pages).toEqual([ACCOUNT_ID_PAGE, ACCOUNTS]);
    const notices = await take();
    expect(new Set(notices.map((n) => n.recordId))).toEqual(new Set(accounts.slice(1)));
    expect(notices.every((n) => n.kind === 'import' && n.objectType === 'Account')).toBe(true);
    // Nothing is written at import time: the processor links or creates each company (C3, C2).
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
  });
});

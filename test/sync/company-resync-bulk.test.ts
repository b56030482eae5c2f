import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_ID_PAGE } from '../../lib/salesforce/salesforce-crm.ts';
import { COMPANY_RESYNC_CHECKPOINT, runCompanyResync } from '../../lib/sync/company-resync.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import type { TestStack } from '../support/test-stack.ts';
import { takeQueued } from './queued.ts';
import { startSyncStack } from './sync-stack.ts';

const V = '/services/data/v{version}';
const ACCOUNTS = ACCOUNT_ID_PAGE + 50;

/**
 * The Salesforce side of a big resync (C8) reads the Account ids through one Bulk API 2.0 job when
 * a SELECT COUNT() after its first full page says more than the threshold remain
 * (docs/design.md#bulk-reads). Here: threshold 10, result sets of 20.
 */
describe('C8 company resync: the Account scan goes Bulk above the threshold, resumable', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  let accounts: string[];
  const take = () => takeQueued(stack.sqs!.client, stack.queueUrl!);

  beforeEach(async () => {
    ({ stack, deps } = await startSyncStack({
      config: (c) => {
        c.salesforce.bulkQuery = { threshold: 10, resultSetSize: 20, pollFirstDelayMs: 0 };
      },
    }));
    accounts = [];
    for (let i = 0; i < ACCOUNTS; i++)
      accounts.push(await stack.salesforceSandbox.userCreate('Account', { Name: `Account ${i}` }));
    await setCompanySync(deps, true);
  });
  afterEach(async () => {
    await stack?.close();
  });

  it('C8: 2,050 accounts are 1 SOQL page, 1 COUNT, then 1 Bulk job of 3 result sets; every account queued once', async () => {
    const before = stack.salesforceSandbox.counters();
    const result = await runCompanyResync(deps);
    const after = stack.salesforceSandbox.counters();
    const n = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    expect(result).toMatchObject({ accounts: ACCOUNTS, done: true });
    expect([n(`GET ${V}/query`), n(`POST ${V}/jobs/query`), n(`GET ${V}/jobs/query/{id}/results`)]).toEqual([
      2, 1, 3,
    ]);
    const notices = (await take()).filter((x) => x.objectType === 'Account');
    expect(notices).toHaveLength(ACCOUNTS);
    expect(new Set(notices.map((x) => x.recordId))).toEqual(new Set(accounts));
  });

  it('C8: paused in the middle of the job, it resumes at the stored locator, without a new job or a repeated account', async () => {
    let pages = 0;
    const first = await runCompanyResync(deps, undefined, { shouldPause: () => ++pages === 2 });
    expect(first).toMatchObject({ accounts: ACCOUNT_ID_PAGE + 20, done: false });
    expect(await stack.store.getCheckpoint(COMPANY_RESYNC_CHECKPOINT)).toMatchObject({
      phase: 'accounts',
      bulk: { jobId: expect.stringMatching(/^750/), locator: expect.any(String) },
    });
    const firstRun = (await take()).filter((x) => x.objectType === 'Account');

    const before = stack.salesforceSandbox.counters();
    const second = await runCompanyResync(deps);
    const after = stack.salesforceSandbox.counters();
    const n = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    expect(second).toMatchObject({ accounts: ACCOUNTS, done: true });
    expect([n(`GET ${V}/query`), n(`POST ${V}/jobs/query`), n(`GET ${V}/jobs/query/{id}/results`)]).toEqual([
      0, 0, 2,
    ]);
    const secondRun = (await take()).filter((x) => x.objectType === 'Account');
    expect(secondRun).toHaveLength(30);
    expect(new Set([...firstRun, ...secondRun].map((x) => x.recordId))).toEqual(new Set(accounts));
  });
});

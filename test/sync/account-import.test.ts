import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { RetryableError } from '../../lib/errors.ts';
import type { ChangeQueue, SyncStore } from '../../lib/ports.ts';
import { ACCOUNT_ID_PAGE } from '../../lib/salesforce/salesforce-crm.ts';
import {
  continueImports,
  IMPORT_STALLED_MS,
  importCheckpointName,
  importFromSalesforce,
  type ImportResult,
  planImport,
} from '../../lib/sync/import-salesforce.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import type { TestStack } from '../support/test-stack.ts';
import { manualClock, takeQueued } from './queued.ts';
import { startSyncStack } from './sync-stack.ts';

const V = '/services/data/v{version}';
const CREATE_JOB = `POST ${V}/jobs/query`;
const RESULTS = `GET ${V}/jobs/query/{id}/results`;
const SOQL = `GET ${V}/query`;
const CHECKPOINT = importCheckpointName('Account');

/**
 * C8 "an existing account syncs when it is imported": the Account import streams like the
 * Lead/Contact import (docs/design.md#bulk-reads) — through the real adapters against the Salesforce
 * sandbox and the local SQS. One full SOQL page of Account ids and 50 more; the Bulk tests use a
 * threshold of 10, so the 50 left after the first page are read through one job, in sets of 20.
 */
const ACCOUNTS = ACCOUNT_ID_PAGE + 50;

describe('C8 Account import: checkpointed page by page, resumable, Bulk API 2.0 above the threshold', () => {
  let stack: TestStack;
  let base: SyncDeps;
  const accounts: string[] = [];
  const clock = manualClock(Date.UTC(2026, 5, 1, 8, 0, 0));
  const take = () => takeQueued(stack.sqs!.client, stack.queueUrl!);
  /** The notices' record ids, sorted (SQS does not keep order). */
  const ids = (notices: ChangeNotice[]) => notices.map((n) => n.recordId).sort();
  /** The deps with this Bulk threshold (the stack's config is shared: each test picks its own). */
  const withThreshold = (threshold: number): SyncDeps => ({
    ...base,
    config: {
      ...base.config,
      salesforce: {
        ...base.config.salesforce,
        bulkQuery: { ...base.config.salesforce.bulkQuery, threshold },
      },
    },
  });
  const calls = (before: Record<string, number>) => {
    const after = stack.salesforceSandbox.counters();
    return (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
  };

  beforeAll(async () => {
    ({ stack, deps: base } = await startSyncStack(
      {
        salesforce: { now: clock.now },
        // The adapter reads result sets of 20 (its size is fixed when it is built); tests pick the threshold.
        config: (c) => {
          c.salesforce.bulkQuery = { threshold: 10, resultSetSize: 20, pollFirstDelayMs: 0 };
        },
      },
      clock.now,
    ));
    for (let i = 0; i < ACCOUNTS; i++)
      accounts.push(await stack.salesforceSandbox.userCreate('Account', { Name: `Account ${i}` }));
    accounts.sort();
    await setCompanySync(base, true);
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await base.store.putCheckpoint(CHECKPOINT, null);
    await take();
  });

  it('C8: a paused Account import keeps its checkpoint (the last Id done), and the schedule continues it after the last page', async () => {
    const deps = withThreshold(100_000);
    const first = await importFromSalesforce(deps, 'Account', undefined, { shouldPause: () => true });
    expect(first).toMatchObject({
      object: 'Account',
      read: ACCOUNT_ID_PAGE,
      queued: ACCOUNT_ID_PAGE,
      done: false,
    });
    const firstIds = ids(await take());
    const stored = await stack.store.getCheckpoint(CHECKPOINT);
    expect(stored).toMatchObject({ read: ACCOUNT_ID_PAGE });
    expect(firstIds).toContain(stored?.['afterId']);
    // Not continued while it may still be running; then the scheduled refresh picks it up.
    expect(await continueImports(deps, () => false)).toEqual([]);
    clock.advance(IMPORT_STALLED_MS);
    const [continued] = await continueImports(deps, () => false);
    expect(continued).toMatchObject({ object: 'Account', read: ACCOUNTS, queued: ACCOUNTS, done: true });
    // The continued run queued only the accounts after the checkpoint's Id: the other 50.
    const rest = ids(await take());
    expect(rest).toHaveLength(ACCOUNTS - ACCOUNT_ID_PAGE);
    expect([...firstIds, ...rest].sort()).toEqual(accounts);
    expect(await stack.store.getCheckpoint(CHECKPOINT)).toBeUndefined();
  });

  it('C8: above salesforce.bulkQuery.threshold the Account import reads the rest through one Bulk API 2.0 job, and shows it', async () => {
    const progress: ImportResult[] = [];
    const before = stack.salesforceSandbox.counters();
    const result = await importFromSalesforce(withThreshold(10), 'Account', (p) => progress.push(p));
    const n = calls(before);
    expect(result).toMatchObject({ read: ACCOUNTS, queued: ACCOUNTS, done: true });
    // One SOQL page of ids and one SELECT COUNT() of the 50 left, then 1 job read in 3 result sets.
    expect([n(SOQL), n(CREATE_JOB), n(RESULTS)]).toEqual([2, 1, 3]);
    expect(result.reading).toMatchObject({
      via: 'bulk',
      state: 'JobComplete',
      jobId: expect.stringMatching(/^750/),
    });
    expect(progress.map((p) => p.read)).toEqual(
      expect.arrayContaining([ACCOUNT_ID_PAGE, 2020, 2040, ACCOUNTS]),
    );
    expect(ids(await take())).toEqual(accounts);
  });

  it('C8: a crash in the middle of the Bulk results resumes at the stored result set: the job is not created again and no Account is queued twice', async () => {
    let sends = 0;
    const flaky: ChangeQueue = {
      send: async (notices: ChangeNotice[]) => {
        // The SOQL page and the first result set go through; the second result set's send fails.
        if (++sends === 3) throw new RetryableError('SQS throttled (test)', 'rate-limit');
        await base.queue.send(notices);
      },
    };
    const deps = withThreshold(10);
    await expect(importFromSalesforce({ ...deps, queue: flaky }, 'Account')).rejects.toThrow(RetryableError);
    const firstRun = await take();
    expect(firstRun).toHaveLength(ACCOUNT_ID_PAGE + 20);
    const stored = await stack.store.getCheckpoint(CHECKPOINT);
    expect(stored).toMatchObject({
      read: ACCOUNT_ID_PAGE + 20,
      bulk: { jobId: expect.stringMatching(/^750/) },
    });
    expect(ids(firstRun)).toContain(stored?.['afterId']);

    const before = stack.salesforceSandbox.counters();
    const second = await importFromSalesforce(deps, 'Account');
    const n = calls(before);
    expect([n(SOQL), n(CREATE_JOB), n(RESULTS)]).toEqual([0, 0, 2]);
    expect(second).toMatchObject({ read: ACCOUNTS, queued: ACCOUNTS, done: true });
    const secondRun = await take();
    expect(secondRun).toHaveLength(30);
    expect(ids([...firstRun, ...secondRun])).toEqual(accounts);
  });

  it('C8: a crash after a page was queued but before its checkpoint queues that page again with the same event ids, which the processor drops as duplicates', async () => {
    let puts = 0;
    const putCheckpoint = async (name: string, value: Record<string, unknown> | null) => {
      // The run's first checkpoint is stored; the one after the first page is lost in a crash.
      if (name === CHECKPOINT && ++puts === 2) throw new Error('process killed (test)');
      return base.store.putCheckpoint(name, value);
    };
    const crashingStore = new Proxy(base.store, {
      get: (target, key) =>
        key === 'putCheckpoint' ? putCheckpoint : Reflect.get(target, key, target).bind?.(target),
    }) as SyncStore;
    const deps = withThreshold(100_000);
    await expect(importFromSalesforce({ ...deps, store: crashingStore }, 'Account')).rejects.toThrow(
      'killed',
    );
    const firstRun = await take();
    expect(firstRun).toHaveLength(ACCOUNT_ID_PAGE);

    await importFromSalesforce(deps, 'Account');
    const secondRun = await take();
    expect(secondRun).toHaveLength(ACCOUNTS);
    // Same run, same event id per Account: the processor's duplicate check lets each through once.
    const eventIds = new Map<string, Set<string>>();
    for (const n of [...firstRun, ...secondRun])
      eventIds.set(n.recordId, (eventIds.get(n.recordId) ?? new Set()).add(n.eventId));
    expect(eventIds.size).toBe(ACCOUNTS);
    expect([...eventIds.values()].every((ids) => ids.size === 1)).toBe(true);
  });

  it('C1: with company sync off the Account import refuses to start and drops its planned checkpoint', async () => {
    await planImport(base, ['Account']);
    await setCompanySync(base, false);
    try {
      await expect(importFromSalesforce(base, 'Account')).rejects.toThrow(/company sync is off \(C1\)/);
      expect(await stack.store.getCheckpoint(CHECKPOINT)).toBeUndefined();
      expect(await take()).toEqual([]);
    } finally {
      await setCompanySync(base, true);
    }
  });
});

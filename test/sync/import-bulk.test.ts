import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { RetryableError } from '../../lib/errors.ts';
import type { ChangeQueue } from '../../lib/ports.ts';
import {
  IMPORT_STALLED_MS,
  importCheckpointName,
  importFromSalesforce,
  type ImportResult,
} from '../../lib/sync/import-salesforce.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { BULK_JOB_LIFETIME_MS } from '../../sandbox/salesforce/bulk-query.ts';
import type { TestStack } from '../support/test-stack.ts';
import { manualClock, takeQueued } from './queued.ts';
import { startSyncStack } from './sync-stack.ts';

const V = '/services/data/v{version}';
const CREATE_JOB = `POST ${V}/jobs/query`;
const POLL_JOB = `GET ${V}/jobs/query/{id}`;
const RESULTS = `GET ${V}/jobs/query/{id}/results`;
const SOQL = `GET ${V}/query`;
const QUERY_MORE = `GET ${V}/query/{locator}`;

/**
 * The import reads large objects through a Bulk API 2.0 job (docs/design.md#bulk-reads), decided by
 * the call count: here SOQL pages of 5 and Bulk result sets of 4, and a threshold of 6 records, so a
 * 23-record import reads one SOQL page, then the other 18 through one job.
 */
describe('R7 import through Bulk API 2.0 above the threshold: streamed, checkpointed, resumable', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  const clock = manualClock(Date.UTC(2026, 5, 1, 8, 0, 0));
  let leadIds: string[] = [];

  // A fresh stack per test: the sandbox's ids restart after a reset, and the store would remember links.
  beforeEach(async () => {
    ({ stack, deps } = await startSyncStack(
      {
        salesforce: { queryPageSize: 5, now: clock.now },
        config: (c) => {
          c.salesforce.bulkQuery = { threshold: 6, resultSetSize: 4, pollFirstDelayMs: 0 };
        },
      },
      clock.now,
    ));
    leadIds = [...stack.salesforceSandbox.seed({ leads: 23, contacts: 0, seed: 7 }).leadIds].sort();
  });
  afterEach(async () => {
    await stack?.close();
  });

  const calls = (before: Record<string, number>) => {
    const after = stack.salesforceSandbox.counters();
    return (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
  };

  it('R7: an import of 23 leads reads 1 SOQL page, then 1 Bulk job (create, 2 polls, 5 result sets); every lead queued once, in Id order', async () => {
    const before = stack.salesforceSandbox.counters();
    const progress: ImportResult[] = [];
    const result = await importFromSalesforce(deps, 'Lead', (p) => progress.push(p));
    const queued = await takeQueued(stack.sqs!.client, stack.queueUrl!);

    expect(result).toMatchObject({ read: 23, created: 23, queued: 23, done: true });
    expect(queued.map((n) => n.recordId).sort()).toEqual(leadIds);
    const n = calls(before);
    expect([n(SOQL), n(QUERY_MORE), n(CREATE_JOB), n(POLL_JOB), n(RESULTS)]).toEqual([1, 0, 1, 2, 5]);
    // The output shows the job being polled, then read.
    expect(progress.map((p) => p.reading?.state).filter(Boolean)).toContain('InProgress');
    expect(result.reading).toMatchObject({
      via: 'bulk',
      state: 'JobComplete',
      jobId: expect.stringMatching(/^750/),
    });
  });

  it('R7: below the threshold it stays on SOQL pages', async () => {
    const few = {
      ...deps,
      config: {
        ...deps.config,
        salesforce: {
          ...deps.config.salesforce,
          bulkQuery: { ...deps.config.salesforce.bulkQuery, threshold: 100 },
        },
      },
    };
    const before = stack.salesforceSandbox.counters();
    const result = await importFromSalesforce(few, 'Lead');
    await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(result).toMatchObject({ read: 23, queued: 23, done: true, reading: { via: 'soql' } });
    const n = calls(before);
    expect([n(SOQL), n(QUERY_MORE), n(CREATE_JOB)]).toEqual([1, 4, 0]);
  });

  it('R7: a crash in the middle of the Bulk results resumes at the stored locator: the job is not created again and no lead is queued twice', async () => {
    let sends = 0;
    const flaky: ChangeQueue = {
      send: async (notices: ChangeNotice[]) => {
        sends++;
        // The first SOQL page and the first result set go through; the second result set's send fails.
        if (sends === 3) throw new RetryableError('SQS throttled (test)', 'rate-limit');
        await stack.queue!.send(notices);
      },
    };
    await expect(importFromSalesforce({ ...deps, queue: flaky }, 'Lead')).rejects.toThrow(RetryableError);
    const firstRun = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(firstRun).toHaveLength(9);
    const stored = await stack.store.getCheckpoint(importCheckpointName('Lead'));
    expect(stored).toMatchObject({ afterId: leadIds[8], bulk: { jobId: expect.stringMatching(/^750/) } });

    const before = stack.salesforceSandbox.counters();
    const second = await importFromSalesforce(deps, 'Lead');
    const secondRun = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    const n = calls(before);
    expect([n(CREATE_JOB), n(POLL_JOB), n(SOQL)]).toEqual([0, 0, 0]);
    expect(n(RESULTS)).toBe(4);
    // The failed set's links were stored before its send failed: they are re-queued (email-only, R2), the
    // rest queued once; across both runs every lead is queued, none twice within a run.
    expect(second).toMatchObject({ read: 23, done: true });
    expect(new Set(secondRun.map((n) => n.recordId)).size).toBe(secondRun.length);
    expect(new Set([...firstRun, ...secondRun].map((n) => n.recordId))).toEqual(new Set(leadIds));
    expect(secondRun.map((n) => n.recordId)).not.toContain(leadIds[0]);
  });

  it('R7: a crash while the Bulk job runs resumes that job (its id stored at creation), not a new one', async () => {
    const crash = new Error('process killed while polling (test)');
    const first = importFromSalesforce(deps, 'Lead', (p) => {
      if (p.reading?.state === 'InProgress') throw crash;
    });
    await expect(first).rejects.toBe(crash);
    const stored = await stack.store.getCheckpoint(importCheckpointName('Lead'));
    expect(stored).toMatchObject({
      afterId: leadIds[4],
      bulk: { jobId: expect.stringMatching(/^750/), locator: null },
    });
    const firstRun = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(firstRun).toHaveLength(5);

    const before = stack.salesforceSandbox.counters();
    const resumed = await importFromSalesforce(deps, 'Lead');
    const secondRun = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    const n = calls(before);
    // The same job: polled once more (now complete), then its 5 result sets; no new job, no SOQL.
    expect([n(CREATE_JOB), n(POLL_JOB), n(RESULTS), n(SOQL)]).toEqual([0, 1, 5, 0]);
    expect(resumed).toMatchObject({ read: 23, created: 23, done: true });
    expect([...firstRun, ...secondRun].map((x) => x.recordId).sort()).toEqual(leadIds);
  });

  it('R7: while it waits on a long Bulk job the import stores a heartbeat at each poll, so it is never taken for stalled', async () => {
    const stored: { at: number; locator: unknown }[] = [];
    const store = new Proxy(stack.store, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key !== 'putCheckpoint') return typeof value === 'function' ? value.bind(target) : value;
        return async (name: string, cp: Record<string, unknown> | null) => {
          const bulk = cp?.['bulk'] as { locator: unknown } | undefined;
          if (bulk) stored.push({ at: cp?.['updatedAt'] as number, locator: bulk.locator });
          return target.putCheckpoint(name, cp);
        };
      },
    });
    let pollAt = 0;
    const result = await importFromSalesforce({ ...deps, store }, 'Lead', (p) => {
      // The job runs for minutes: longer than IMPORT_STALLED_MS between two pages.
      if (p.reading?.state === 'InProgress') pollAt = clock.advance(IMPORT_STALLED_MS + 60_000);
    });
    await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(result).toMatchObject({ read: 23, done: true });
    // Stored at creation and at each of the 2 polls (no locator yet: the first set comes next), the
    // poll after the long wait with that time.
    expect(stored.filter((x) => x.locator === null)).toHaveLength(3);
    expect(stored.some((x) => x.locator === null && x.at === pollAt)).toBe(true);
  });

  it('R7: resumed after the job expired (7 days), it reads on by SOQL pages after the last Id done, never from the start', async () => {
    let pages = 0;
    const paused = await importFromSalesforce(deps, 'Lead', undefined, { shouldPause: () => ++pages === 2 });
    expect(paused).toMatchObject({ read: 9, done: false });
    const firstRun = await takeQueued(stack.sqs!.client, stack.queueUrl!);

    clock.advance(BULK_JOB_LIFETIME_MS);
    const before = stack.salesforceSandbox.counters();
    const resumed = await importFromSalesforce(deps, 'Lead');
    const secondRun = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    const n = calls(before);
    // One results call answers 404 (the job is gone); then SOQL pages from the stored Id, no new job.
    expect([n(RESULTS), n(CREATE_JOB), n(SOQL)]).toEqual([1, 0, 1]);
    expect(resumed).toMatchObject({
      read: 23,
      created: 23,
      done: true,
      reading: { via: 'soql', fellBack: expect.stringMatching(/no longer exists/) },
    });
    expect(secondRun).toHaveLength(14);
    expect([...firstRun, ...secondRun].map((x) => x.recordId).sort()).toEqual(leadIds);
  });

  it('R7: a Bulk job that fails falls back to SOQL pages in the same run, without losing or repeating a lead', async () => {
    // The job fails on the Salesforce side while the import polls it (seen in the import's progress).
    const result = await importFromSalesforce(deps, 'Lead', (p) => {
      if (p.reading?.state === 'InProgress' && p.reading.jobId)
        stack.salesforceSandbox.failBulkQueryJob(p.reading.jobId);
    });
    const queued = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(result).toMatchObject({
      read: 23,
      queued: 23,
      done: true,
      reading: { via: 'soql', fellBack: expect.stringMatching(/Failed/) },
    });
    expect(queued.map((x) => x.recordId).sort()).toEqual(leadIds);
  });
});

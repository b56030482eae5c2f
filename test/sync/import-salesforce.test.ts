import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { RetryableError } from '../../lib/errors.ts';
import type { ChangeQueue, SalesforcePort } from '../../lib/ports.ts';
import { runJob } from '../../lib/admin/jobs.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { runScheduledRefresh } from '../../lib/sync/resync.ts';
import {
  continueImports,
  IMPORT_STALLED_MS,
  importCheckpointName,
  importFromSalesforce,
  planImport,
  stalledImports,
} from '../../lib/sync/import-salesforce.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { memoryJobProgress } from '../support/job-progress.ts';
import type { TestStack } from '../support/test-stack.ts';
import { takeQueued } from './queued.ts';
import { startSyncStack } from './sync-stack.ts';

describe('importFromSalesforce: paged, email only, resumable after an interruption', () => {
  let stack: TestStack;
  let deps: SyncDeps;
  const leads: { id: string; email: string }[] = [];

  beforeAll(async () => {
    // Small query pages, so that an import spans several pages and can stop between two.
    ({ stack, deps } = await startSyncStack({ salesforce: { queryPageSize: 2 } }));
    for (let i = 0; i < 5; i++) {
      const email = `import-${i}@example.com`;
      leads.push({
        id: await stack.salesforceSandbox.userCreate('Lead', {
          Email: email,
          FirstName: `F${i}`,
          LastName: `L${i}`,
          Company: 'Import Co',
        }),
        email,
      });
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('R7: an import that crashed between pages resumes after the last page done, not from the start: every record is linked once and gets its sync', async () => {
    // The queue fails on the second page: the run stops after storing that page's links.
    let sends = 0;
    const flaky: ChangeQueue = {
      send: async (notices: ChangeNotice[]) => {
        sends++;
        if (sends === 2) throw new RetryableError('SQS throttled (test)', 'rate-limit');
        await stack.queue!.send(notices);
      },
    };
    await expect(importFromSalesforce({ ...deps, queue: flaky }, 'Lead')).rejects.toThrow(RetryableError);
    const firstRun = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(firstRun).toHaveLength(2);

    const pagesRead: { afterId?: string | null; after?: string }[] = [];
    const second = await importFromSalesforce(
      { ...deps, salesforce: watchPages(deps.salesforce, pagesRead) },
      'Lead',
    );
    // It starts after the first page (its checkpoint), reads the other two pages only, and carries the
    // first page's counts. No segment (R2): the second page's links, still email-only, are queued again.
    expect(pagesRead).toHaveLength(2);
    expect(pagesRead[0]?.afterId).toBe(firstRun.at(-1)?.recordId);
    expect(second).toMatchObject({
      read: 5,
      created: 3,
      alreadyLinked: 2,
      resumed: 2,
      queued: 5,
      errors: [],
      done: true,
    });
    const queued = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(queued).toHaveLength(3);
    expect(new Set([...firstRun, ...queued].map((n) => n.recordId))).toEqual(new Set(leads.map((l) => l.id)));
    expect(
      queued.every((n) => n.kind === 'import' && n.source === 'salesforce' && n.objectType === 'Lead'),
    ).toBe(true);

    // One HubSpot contact per email, created with the email only.
    const contacts = await stack.hubspot.findContactsByEmail(
      leads.map((l) => l.email),
      ['email', 'firstname', 'lastname'],
    );
    expect(contacts).toHaveLength(5);
    expect(contacts.every((c) => c.properties.firstname === null && c.properties.lastname === null)).toBe(
      true,
    );

    // The processor then syncs them fully (no segment), and a third run has nothing left to do.
    const processed = await stack.process([...firstRun, ...queued]);
    expect(processed.batchItemFailures).toEqual([]);
    const synced = await stack.hubspot.findContactsByEmail(
      leads.map((l) => l.email),
      ['email', 'firstname', 'lastname'],
    );
    expect(synced.map((c) => c.properties.lastname).sort()).toEqual(['L0', 'L1', 'L2', 'L3', 'L4']);
    // Done: the checkpoint is gone, so a new import starts from the first record (and finds them linked).
    const third = await stack.measure(() => importFromSalesforce(deps, 'Lead'));
    expect(third.result).toMatchObject({ read: 5, created: 0, alreadyLinked: 5, resumed: 0, queued: 0 });
    expect(third.calls.hubspot.writes).toBe(0);
  });

  it('R7 streaming: page by page it reads, then queues that page (at most a page of notices in hand), through the real client', async () => {
    const steps: string[] = [];
    const pagesRead: { afterId?: string | null; after?: string }[] = [];
    const salesforce = watchPages(deps.salesforce, pagesRead, (n) => steps.push(`read ${n}`));
    const queue: ChangeQueue = {
      send: async (notices: ChangeNotice[]) => {
        steps.push(`queue ${notices.length}`);
        await stack.queue!.send(notices);
      },
    };
    for (let i = 0; i < 4; i++) {
      await stack.salesforceSandbox.userCreate('Contact', {
        Email: `stream-${i}@example.com`,
        LastName: `S${i}`,
      });
    }
    const result = await importFromSalesforce({ ...deps, salesforce, queue }, 'Contact');
    await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(result).toMatchObject({ read: 4, created: 4, queued: 4, done: true });
    // Query pages of 2 (the sandbox's page size here): each page is queued before the next is read.
    expect(steps).toEqual(['read 2', 'queue 2', 'read 2', 'queue 2']);
    expect(pagesRead.slice(1).every((p) => p.after !== undefined)).toBe(true);
  });

  it('R7 resumable: an import paused by its time budget leaves checkpoints; the scheduled continuation finishes it once stalled', async () => {
    for (let i = 0; i < 5; i++) {
      await stack.salesforceSandbox.userCreate('Lead', {
        Email: `pause-${i}@example.com`,
        LastName: `P${i}`,
        Company: 'Import Co',
      });
    }
    let clock = Date.now();
    const timed: SyncDeps = { ...deps, now: () => clock };
    await planImport(timed, ['Lead', 'Contact']);
    const paused = await importFromSalesforce(timed, 'Lead', undefined, { shouldPause: () => true });
    expect(paused.done).toBe(false);
    expect(paused.read).toBe(2);
    // A run in progress stores its checkpoint every page: not continued while it is fresh.
    expect(await stalledImports(timed)).toEqual([]);
    clock += IMPORT_STALLED_MS;
    expect(await stalledImports(timed)).toEqual(['Lead', 'Contact']);

    const continued = await continueImports(timed, () => false);
    expect(continued.map((r) => [r.object, r.done])).toEqual([
      ['Lead', true],
      ['Contact', true],
    ]);
    expect(continued[0]?.read).toBeGreaterThan(paused.read);
    expect(await stalledImports({ ...timed, now: () => clock + IMPORT_STALLED_MS })).toEqual([]);
    const hubspot = await stack.hubspot.findContactsByEmail(
      Array.from({ length: 5 }, (_, i) => `pause-${i}@example.com`),
      ['email'],
    );
    expect(hubspot).toHaveLength(5);
    await takeQueued(stack.sqs!.client, stack.queueUrl!);
  });

  it('R7: an admin-started import job pauses before the 15-minute Lambda limit; the scheduled refresh continues it once stalled', async () => {
    const { store: progressStore } = memoryJobProgress();
    let t = Date.now();
    const slowClock: SyncDeps = { ...deps, now: () => (t += 7 * 60_000) }; // every page takes minutes
    const paused = await runJob({ kind: 'import', objects: ['Lead'] }, slowClock, progressStore, silentLog);
    expect(paused).toMatchObject({ running: false, finishedAt: null });
    expect(await stack.store.getCheckpoint(importCheckpointName('Lead'))).toBeDefined();

    const later: SyncDeps = { ...deps, now: () => t + IMPORT_STALLED_MS };
    const continued = await runScheduledRefresh(later, 60_000);
    expect(continued).toMatchObject({ imports: [{ object: 'Lead', done: true }] });
    expect(await stack.store.getCheckpoint(importCheckpointName('Lead'))).toBeUndefined();
    await takeQueued(stack.sqs!.client, stack.queueUrl!);
  });

  it('reports records without an email, and skips converted leads', async () => {
    await stack.salesforceSandbox.userCreate('Lead', { LastName: 'No Email', Company: 'Import Co' });
    const converted = await stack.salesforceSandbox.userCreate('Lead', {
      Email: 'converted@example.com',
      LastName: 'Conv',
      Company: 'Import Co',
    });
    await stack.salesforceSandbox.convertLead(converted);
    const result = await importFromSalesforce(deps, 'Lead');
    expect(result).toMatchObject({ withoutEmail: 1, created: 0 });
    expect(await stack.hubspot.findContactsByEmail(['converted@example.com'], ['email'])).toEqual([]);
  });

  it('a record whose email is already linked to another Salesforce record is counted, not linked twice', async () => {
    const contactId = await stack.salesforceSandbox.userCreate('Contact', {
      Email: 'shared@example.com',
      LastName: 'Shared',
    });
    await stack.salesforceSandbox.userCreate('Lead', {
      Email: 'shared@example.com',
      LastName: 'Shared',
      Company: 'Import Co',
    });
    // Two new Contacts: this one, and the one the converted lead of the previous test became (the
    // streaming test's four are linked already).
    expect(await importFromSalesforce(deps, 'Contact')).toMatchObject({
      read: 6,
      alreadyLinked: 4,
      created: 2,
      sharedEmail: 0,
    });
    expect(await importFromSalesforce(deps, 'Lead')).toMatchObject({ created: 0, linked: 0, sharedEmail: 1 });
    const [contact] = await stack.hubspot.findContactsByEmail(['shared@example.com'], ['email']);
    expect((await stack.store.getPairsByHubSpotIds([contact!.id])).get(contact!.id)?.salesforceId).toBe(
      contactId,
    );
  });
});

/** The Salesforce port, with every `queryPage` call's position recorded (and told, with its record count). */
function watchPages(
  salesforce: SalesforcePort,
  calls: { afterId?: string | null; after?: string }[],
  onPage?: (records: number) => void,
): SalesforcePort {
  return new Proxy(salesforce, {
    get(target, key, receiver) {
      if (key !== 'queryPage') return Reflect.get(target, key, receiver);
      return async (...args: Parameters<SalesforcePort['queryPage']>) => {
        const { after, afterId } = args[2];
        calls.push({
          ...(after !== undefined ? { after } : {}),
          ...(afterId !== undefined ? { afterId } : {}),
        });
        const page = await target.queryPage(...args);
        onPage?.(page.records.length);
        return page;
      };
    },
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { RetryableError } from '../../lib/errors.ts';
import type { ChangeQueue } from '../../lib/ports.ts';
import { importFromSalesforce } from '../../lib/sync/import-salesforce.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
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

  it('R7: an import interrupted between pages resumes on the next run: every record is linked once and gets its sync', async () => {
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

    const second = await importFromSalesforce(deps, 'Lead');
    // No segment (R2): every link still email-only is queued again; the fifth record is new.
    expect(second).toMatchObject({
      read: 5,
      created: 1,
      alreadyLinked: 4,
      resumed: 4,
      queued: 5,
      errors: [],
    });
    const queued = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(new Set(queued.map((n) => n.recordId))).toEqual(new Set(leads.map((l) => l.id)));
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
    const third = await stack.measure(() => importFromSalesforce(deps, 'Lead'));
    expect(third.result).toMatchObject({ created: 0, alreadyLinked: 5, resumed: 0, queued: 0 });
    expect(third.calls.hubspot.writes).toBe(0);
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
    // Two Contacts: this one, and the one the converted lead of the previous test became.
    expect(await importFromSalesforce(deps, 'Contact')).toMatchObject({
      read: 2,
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

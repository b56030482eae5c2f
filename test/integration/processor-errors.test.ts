import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SALESFORCE_TOKEN } from '../../lib/local/adapters.ts';
import { createRateLimiters } from '../../lib/rate-limit/index.ts';
import { createSalesforceConnection } from '../../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../../lib/salesforce/salesforce-crm.ts';
import { processBatch } from '../../lib/sync/processor.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { asMessages, hubspotNotice, salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * docs/design.md#partial-batch-failure: only retryable failures come back in batchItemFailures, and only for their own
 * messages; permanent ones become recorded sync errors with a category and are acknowledged.
 */
describe('processor: partial batch failure', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 10);
  });
  afterAll(() => stack?.close());

  it('a record with a validation error is reported and does not block the rest of its batch', async () => {
    const ids = pairs.hubspotIds.slice(0, 5);
    const tooLong = 'T'.repeat(200); // Salesforce Title holds 128 characters: STRING_TOO_LONG
    for (const [i, id] of ids.entries()) {
      await stack.hubspotSandbox.userUpdateContact(id, { jobtitle: i === 0 ? tooLong : `Fine title ${i}` });
    }

    const result = await stack.process(ids.map((id) => hubspotNotice(id, { changedFields: ['jobtitle'] })));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ records: 5, synced: 4, errors: 1 });
    for (let i = 1; i < 5; i++) {
      expect(stack.salesforceSandbox.getRecord(pairs.salesforceIds[i]!)?.['Title']).toBe(`Fine title ${i}`);
    }
    const [latest] = await stack.store.listDecisions(`hubspot:${ids[0]}`, 1);
    expect(latest).toMatchObject({ outcome: 'error', category: 'validation' });
    expect(latest?.reason).toMatch(/Title/);
    const open = await stack.store.listSyncErrors?.({ category: 'validation' });
    expect(open?.map((e) => e.recordKey)).toContain(`hubspot:${ids[0]}`);

    // The user fixes the value: the next change syncs and closes the sync error.
    await stack.hubspotSandbox.userUpdateContact(ids[0]!, { jobtitle: 'Short again' });
    const fixed = await stack.process([hubspotNotice(ids[0]!, { changedFields: ['jobtitle'] })]);
    expect(fixed.summary.synced).toBe(1);
    expect(stack.salesforceSandbox.getRecord(pairs.salesforceIds[0]!)?.['Title']).toBe('Short again');
    const stillOpen = await stack.store.listSyncErrors?.({ category: 'validation' });
    expect(stillOpen?.map((e) => e.recordKey)).not.toContain(`hubspot:${ids[0]}`);
  });

  it('an unmapped picklist value is a sync error naming field and value; the other fields still sync', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[5]!, pairs.salesforceIds[5]!];
    // BAD_TIMING is a valid HubSpot lead status with no entry in the leadStatus value table.
    await stack.hubspotSandbox.userUpdateContact(hubspotId, {
      hs_lead_status: 'BAD_TIMING',
      jobtitle: 'Still synced',
    });

    const result = await stack.process([
      hubspotNotice(hubspotId, { changedFields: ['hs_lead_status', 'jobtitle'] }),
    ]);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary.errors).toBe(1);
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Still synced');
    const trace = await stack.store.listDecisions(`hubspot:${hubspotId}`, 5);
    const error = trace.find((d) => d.outcome === 'error');
    expect(error?.category).toBe('picklist-value-unmapped');
    expect(error?.reason).toMatch(/BAD_TIMING/);
  });

  it('malformed messages are recorded and acknowledged, never retried', async () => {
    const hubspotId = pairs.hubspotIds[6]!;
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Beside the poison' });
    const good = asMessages([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);
    const messages = [
      { messageId: 'poison-1', body: 'not json at all' },
      { messageId: 'poison-2', body: JSON.stringify({ source: 'hubspot', recordId: '1' }) },
      ...good,
    ];

    const result = await processBatch(messages, stack.processorDeps());

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ messages: 3, malformed: 2, synced: 1 });
    const [trace] = await stack.store.listDecisions('message:poison-1', 1);
    expect(trace).toMatchObject({ outcome: 'error' });
    expect(trace?.reason).toMatch(/malformed/);
  });

  it('a retryable failure returns only the messages of the records it touched', async () => {
    const [hubspotId] = [pairs.hubspotIds[7]!];
    const leadId = pairs.salesforceIds[8]!;
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Needs Salesforce' });
    await stack.salesforceSandbox.userUpdate('Lead', leadId, { Title: 'Needs HubSpot' });
    const toSalesforce = asMessages([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);
    const toHubSpot = asMessages([salesforceNotice('Lead', leadId, { changedFields: ['Title'] })]);
    // Salesforce answers the collection update with a 503, and this adapter gives up after one attempt
    // (as one near its Lambda's timeout would): the record is handed back to SQS.
    stack.salesforceSandbox.injectFault({
      kind: 'error',
      status: 503,
      match: 'PATCH /services/data/v{version}/composite/sobjects',
      count: 1,
    });
    const impatient = new SalesforceCrm({
      connection: createSalesforceConnection({
        instanceUrl: stack.salesforceSandbox.url,
        accessToken: SANDBOX_SALESFORCE_TOKEN,
        clientName: stack.config.salesforce.clientName,
      }),
      limiter: createRateLimiters(stack.config.budgets).salesforce,
      clientName: stack.config.salesforce.clientName,
      maxAttempts: 1,
    });

    const result = await processBatch(
      [...toSalesforce, ...toHubSpot],
      stack.processorDeps({ salesforce: impatient }),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: toSalesforce[0]!.messageId }]);
    expect(result.summary).toMatchObject({ synced: 1, retried: 1 });
    const [contact] = await stack.hubspot.readContacts([pairs.hubspotIds[8]!], ['jobtitle']);
    expect(contact?.properties['jobtitle']).toBe('Needs HubSpot');
    const [retryTrace] = await stack.store.listDecisions(`hubspot:${hubspotId}`, 1);
    expect(retryTrace).toMatchObject({ outcome: 'received', reason: 'retry' });

    // SQS redelivers it; Salesforce is back.
    const again = await processBatch(toSalesforce, stack.processorDeps());
    expect(again.batchItemFailures).toEqual([]);
    expect(stack.salesforceSandbox.getRecord(pairs.salesforceIds[7]!)?.['Title']).toBe('Needs Salesforce');
  });

  it('a HubSpot write refused for one record (email already taken) is a duplicate sync error; the batch goes on', async () => {
    const [taken] = await stack.hubspot.readContacts([pairs.hubspotIds[0]!], ['email']);
    await stack.salesforceSandbox.userUpdate('Lead', pairs.salesforceIds[9]!, {
      Email: taken!.properties['email'],
    });
    await stack.salesforceSandbox.userUpdate('Lead', pairs.salesforceIds[4]!, {
      Title: 'Unaffected neighbour',
    });

    const result = await stack.process([
      salesforceNotice('Lead', pairs.salesforceIds[9]!, { changedFields: ['Email'] }),
      salesforceNotice('Lead', pairs.salesforceIds[4]!, { changedFields: ['Title'] }),
    ]);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ synced: 1, errors: 1 });
    const [neighbour] = await stack.hubspot.readContacts([pairs.hubspotIds[4]!], ['jobtitle']);
    expect(neighbour?.properties['jobtitle']).toBe('Unaffected neighbour');
    const [latest] = await stack.store.listDecisions(`salesforce:${pairs.salesforceIds[9]}`, 1);
    expect(latest).toMatchObject({
      outcome: 'error',
      category: 'duplicate',
      detail: { stage: 'hubspot-write' },
    });
  });
});

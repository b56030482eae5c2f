import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PollerBatchReport, SqsPoller } from '../../lib/local/sqs-poller.ts';
import { processBatch } from '../../lib/sync/processor.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { hubspotNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * docs/design.md#api-budgets: a 429 storm slows the processor down (the rate limiter waits and retries, and
 * when it gives up the records go back to the queue) without losing a change. Driven end to end
 * through the local SQS: SqsChangeQueue sends, the local event-source poller receives and redelivers.
 */
describe('processor: a 429 storm', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    // A short visibility timeout: a message handed back becomes visible again after 1 s, as SQS does.
    stack = await startTestStack({ queue: { visibilityTimeoutSeconds: 1, maxReceiveCount: 5 } });
    pairs = await seedLinkedPairs(stack, 20);
  });
  afterAll(() => stack?.close());

  it('slows the processor down without losing a change', async () => {
    for (const [i, id] of pairs.hubspotIds.entries()) {
      await stack.hubspotSandbox.userUpdateContact(id, { jobtitle: `Stormy ${i}` });
    }
    await stack.queue!.send(pairs.hubspotIds.map((id) => hubspotNotice(id, { changedFields: ['jobtitle'] })));
    // Six 429s on HubSpot batch reads: more than the adapter's 5 attempts, so the first delivery is
    // handed back to SQS and the second one gets through.
    stack.hubspotSandbox.injectFault({
      kind: '429-storm',
      count: 6,
      policyName: 'SECONDLY',
      pathPrefix: '/crm/v3/objects/contacts/batch/read',
    });
    const reports: PollerBatchReport[] = [];
    const poller = new SqsPoller({
      client: stack.sqs!.client,
      queueUrl: stack.queueUrl!,
      batchSize: 200,
      batchingWindowMs: 0,
      handler: async (event) => processBatch(event.Records, stack.processorDeps()),
      onBatch: (report) => reports.push(report),
    });

    const { calls } = await stack.measure(() => drainUntilEmpty(stack, poller));

    expect(calls.hubspot.rateLimited).toBe(6);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports[0]?.failedIds.length).toBe(20);
    expect(reports.at(-1)?.failedIds).toEqual([]);
    pairs.salesforceIds.forEach((id, i) => {
      expect(stack.salesforceSandbox.getRecord(id)?.['Title']).toBe(`Stormy ${i}`);
    });
    expect(await queueDepth(stack, stack.dlqUrl!)).toBe(0);
  });
});

/** Messages on a queue, visible or in flight. */
async function queueDepth(stack: TestStack, queueUrl: string): Promise<number> {
  const out = await stack.sqs!.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.['ApproximateNumberOfMessages'] ?? 0) +
    Number(out.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0)
  );
}

/**
 * Drains the changes queue, then, while messages handed back are still in flight, waits for their
 * visibility timeout to lapse and drains again (what Lambda's event source mapping does). Bounded.
 */
async function drainUntilEmpty(stack: TestStack, poller: SqsPoller): Promise<void> {
  for (let round = 0; round < 100; round++) {
    await poller.drain();
    if ((await queueDepth(stack, stack.queueUrl!)) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the changes queue did not drain');
}

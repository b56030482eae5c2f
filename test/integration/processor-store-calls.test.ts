import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { hubspotNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * A processor bound by the CRMs, not by its own store (docs/store.md#cost-of-one-processor-batch):
 * processed-event marks and decisions go out in BatchWriteItem calls of 25; only pair claims stay
 * conditional single-item writes. Counted on the real DynamoDB client by a middleware.
 */
describe('processor: store calls per batch', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;
  const commands: { name: string; eventPuts: number }[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 200);
    stack.dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Item?: { pk?: { S?: string } } };
        const eventPuts = input.Item?.pk?.S?.startsWith('EVENT#') ? 1 : 0;
        commands.push({ name: context.commandName ?? '?', eventPuts });
        return next(args);
      },
      { step: 'initialize', name: 'countStoreCalls' },
    );
  });
  afterAll(() => stack?.close());

  it('200 events are marked processed with 8 BatchWriteItem calls, not 200 conditional puts', async () => {
    for (const [i, id] of pairs.hubspotIds.entries()) {
      await stack.hubspotSandbox.userUpdateContact(id, { jobtitle: `Store calls ${i}` });
    }
    const notices = pairs.hubspotIds.map((id) => hubspotNotice(id, { changedFields: ['jobtitle'] }));
    commands.length = 0;

    const result = await stack.process(notices);

    expect(result.summary).toMatchObject({ records: 200, synced: 200 });
    expect(commands.filter((c) => c.eventPuts > 0)).toEqual([]);
    const marked = await stack.store.filterProcessedEvents(
      notices.map((n) => n.eventId),
      Date.now(),
    );
    expect(marked.size).toBe(200);
    // 200 marks + 400 decision items (received + synced) + open-error clean-ups, 25 per call; and the
    // 200 update intents put before the writes and deleted at the commit (docs/design.md#unfinished-update).
    const batchWrites = commands.filter((c) => c.name === 'BatchWriteItemCommand').length;
    expect(batchWrites).toBeLessThanOrEqual(8 + 16 + 8 + 8 + 8);
    // Pair claims and commits stay conditional single-item writes: two per synced record, nothing else.
    expect(commands.filter((c) => c.name === 'PutItemCommand').length).toBeLessThanOrEqual(400);
  });
});

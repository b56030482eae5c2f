import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforcePort, SyncStore } from '../../lib/ports.ts';
import { processBatch } from '../../lib/sync/processor.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { asMessages, hubspotNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * docs/design.md#per-record-safety: a standard queue may hand two notices of one record to two processors at
 * once. Conditional writes on the pair's version let exactly one of them write; the other retries
 * and finds nothing to do.
 */
describe('processor: two processors racing on one record', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 2);
  });
  afterAll(() => stack?.close());

  it('produce one write; the loser retries and finds nothing to do', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[0]!, pairs.salesforceIds[0]!];
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Raced title' });
    // Two notices of the same change (say the webhook and the polling safety net), one per processor.
    const messagesA = asMessages([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);
    const messagesB = asMessages([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);
    // Both processors have read and planned before either writes anything (store or CRM): the worst
    // interleaving, forced whatever the processor's order of writes.
    const barrier = meetingPoint(2);
    const other = await stack.newPorts();
    const depsA = stack.processorDeps(
      beforeFirstWrite(barrier, { store: stack.store, salesforce: stack.salesforce }),
    );
    const depsB = stack.processorDeps(
      beforeFirstWrite(barrier, { store: stack.store, salesforce: other.salesforce }),
    );

    const { result, calls } = await stack.measure(() =>
      Promise.all([processBatch(messagesA, depsA), processBatch(messagesB, depsB)]),
    );

    expect(calls.salesforce.writes).toBe(1);
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Raced title');
    const [a, b] = result;
    expect([a.summary.synced, b.summary.synced].sort()).toEqual([0, 1]);
    const loser =
      a.summary.synced === 1 ? { result: b, messages: messagesB } : { result: a, messages: messagesA };
    expect(loser.result.batchItemFailures).toEqual([{ itemIdentifier: loser.messages[0]!.messageId }]);

    // SQS redelivers the loser's message: it reads the winner's result and writes nothing.
    const retry = await stack.measure(() => processBatch(loser.messages, stack.processorDeps()));
    expect(retry.result.batchItemFailures).toEqual([]);
    expect(retry.result.summary).toMatchObject({ noop: 1, synced: 0 });
    expect(retry.calls.salesforce.writes + retry.calls.hubspot.writes).toBe(0);
  });
});

/** Resolves for everyone once `parties` callers arrived. */
function meetingPoint(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    arrived++;
    if (arrived >= parties) release();
    return all;
  };
}

/** The real store and Salesforce adapter; the first write through either waits at the meeting point. */
function beforeFirstWrite(
  barrier: () => Promise<void>,
  real: { store: SyncStore; salesforce: SalesforcePort },
): { store: SyncStore; salesforce: SalesforcePort } {
  let first = true;
  const gate = async () => {
    if (first) {
      first = false;
      await barrier();
    }
  };
  const wrap = <T extends object>(target: T, writes: string[]): T =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const value = Reflect.get(t, prop, receiver);
        if (typeof value !== 'function') return value;
        if (typeof prop === 'string' && writes.includes(prop)) {
          return async (...args: unknown[]) => {
            await gate();
            return value.apply(t, args);
          };
        }
        return value.bind(t);
      },
    });
  return {
    store: wrap(real.store, ['putPair', 'deletePair']),
    salesforce: wrap(real.salesforce, ['createRecords', 'updateRecords', 'deleteRecords']),
  };
}

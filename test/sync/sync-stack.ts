import { selectSegment } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { startTestStack, type TestStack, type TestStackOptions } from '../support/test-stack.ts';

/** A started test stack with its changes queue, and the {@link SyncDeps} the sync jobs take from it. */
export interface SyncStack {
  stack: TestStack;
  deps: SyncDeps;
}

/**
 * Starts the test stack with the changes queue (the sync jobs only queue notices) and wires its
 * store, adapters, queue and config into {@link SyncDeps}. `now` defaults to the wall clock;
 * tests of time windows pass a manual clock. Close it with `stack.close()`.
 */
export async function startSyncStack(
  options: Omit<TestStackOptions, 'queue'> = {},
  now: () => number = () => Date.now(),
): Promise<SyncStack> {
  const stack = await startTestStack({ ...options, queue: true });
  const deps: SyncDeps = {
    store: stack.store,
    hubspot: stack.hubspot,
    salesforce: stack.salesforce,
    queue: stack.queue!,
    config: stack.config,
    now,
  };
  return { stack, deps };
}

/**
 * A sync stack with `contacts` seeded contacts and a chosen DYNAMIC segment "lifecycle stage MQL or
 * SQL" (about `segmentRate` of them), loaded as the starting point (R4); returns its stored members.
 */
export async function startSyncStackWithSegment(
  name: string,
  seed: { contacts: number; seed: number; segmentRate: number },
): Promise<SyncStack & { listId: string; members: string[] }> {
  const { stack, deps } = await startSyncStack();
  stack.hubspotSandbox.seed(seed);
  const { listId } = await stack.hubspot.createDynamicList(name, {
    property: 'lifecyclestage',
    operator: 'IS_ANY_OF',
    values: ['marketingqualifiedlead', 'salesqualifiedlead'],
  });
  await selectSegment(deps, listId);
  return { stack, deps, listId, members: await stack.store.listMembers(listId) };
}

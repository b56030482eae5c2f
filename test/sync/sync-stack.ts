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

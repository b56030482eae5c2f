import type { ScheduledEvent } from 'aws-lambda';
import type { SyncDeps } from '../sync/sync-deps.ts';
import { withMiddleware } from './middy-chain.ts';
import { createPowertools, type Powertools } from './powertools.ts';
import type { ScheduledDependencies } from './sync-dependencies.ts';

/**
 * The shape of every scheduled function (resync, segment refresh, poll): an EventBridge schedule
 * event in, one `lib/sync` function over the ports, its result logged and returned. An error is
 * rethrown so the invocation counts as failed and the function's Errors alarm fires. It is not
 * retried: EventBridge's retry policy covers only failed deliveries, never a Lambda target's
 * function error, and the stack sets the async-invoke retries to 0 (cdk/constructs/crmsync.ts), so
 * the next scheduled run is the retry. The counted API usage is flushed to the store either way,
 * so the daily budget stays exact, and each CRM's `ApiBudgetUsedPercent` is reported.
 */
export function createScheduledHandler<T extends object>(
  name: string,
  getDeps: () => Promise<ScheduledDependencies>,
  run: (deps: SyncDeps) => Promise<T>,
  powertools: Powertools = createPowertools(name),
) {
  return withMiddleware<ScheduledEvent, T>(
    async () => {
      const deps = await getDeps();
      try {
        const result = await run(deps);
        powertools.logger.info(`${name} done`, { result });
        return result;
      } finally {
        await deps.flushUsage(powertools.metrics);
      }
    },
    { powertools },
  );
}

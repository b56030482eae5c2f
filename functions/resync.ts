import { lazyOnce } from '../lib/lambda/lazy.ts';
import { createScheduledHandler } from '../lib/lambda/scheduled-handler.ts';
import { buildScheduledDependencies } from '../lib/lambda/sync-dependencies.ts';
import { runResync } from '../lib/sync/resync.ts';

/** Resync of the inclusion segment (R5) on its EventBridge schedule: queues a resync notice for every current member (every contact with no segment). */
export const handler = createScheduledHandler(
  'resync',
  lazyOnce(() => buildScheduledDependencies()),
  (deps) => runResync(deps),
);

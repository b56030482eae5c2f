import { lazyOnce } from '../lib/lambda/lazy.ts';
import { createScheduledHandler } from '../lib/lambda/scheduled-handler.ts';
import { buildScheduledDependencies } from '../lib/lambda/sync-dependencies.ts';
import { refreshSegment } from '../lib/sync/segment-refresh.ts';

/** Segment refresh on its EventBridge schedule: reloads the inclusion segment's membership, records joins and leaves, and queues a sync for every contact that joined (R4). */
export const handler = createScheduledHandler(
  'segment-refresh',
  lazyOnce(() => buildScheduledDependencies()),
  (deps) => refreshSegment(deps),
);

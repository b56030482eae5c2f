import { lazyOnce } from '../lib/lambda/lazy.ts';
import { createScheduledHandler } from '../lib/lambda/scheduled-handler.ts';
import { buildScheduledDependencies } from '../lib/lambda/sync-dependencies.ts';
import { RESYNC_WITH_COMPANIES } from '../lib/sync/company-resync.ts';
import { runScheduledRefresh } from '../lib/sync/resync.ts';

/**
 * Segment refresh on its EventBridge schedule: finds the joins since the last refresh (and, daily, the
 * leaves), queues a sync for every contact that joined (R4) — or first continues a resync that paused
 * at its time budget. 4 minutes of the function's 5.
 */
export const handler = createScheduledHandler(
  'segment-refresh',
  lazyOnce(() => buildScheduledDependencies()),
  (deps) => runScheduledRefresh(deps, 4 * 60_000, RESYNC_WITH_COMPANIES),
);

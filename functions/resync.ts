import { lazyOnce } from '../lib/lambda/lazy.ts';
import { createScheduledHandler } from '../lib/lambda/scheduled-handler.ts';
import { buildScheduledDependencies } from '../lib/lambda/sync-dependencies.ts';
import { runResyncWithCompanies } from '../lib/sync/company-resync.ts';
import { pauseAfter } from '../lib/sync/resync.ts';

/**
 * Resync of the inclusion segment (R5) on its EventBridge schedule: queues a resync notice for every
 * current member (every contact with no segment), page by page, then — with company sync on (C1) —
 * for every account and every company not linked yet (C8). It pauses with a checkpoint after 13
 * of its 15 minutes; the scheduled segment refresh continues it until it is done.
 */
export const handler = createScheduledHandler(
  'resync',
  lazyOnce(() => buildScheduledDependencies()),
  (deps) => runResyncWithCompanies(deps, undefined, { shouldPause: pauseAfter(deps.now, 13 * 60_000) }),
);

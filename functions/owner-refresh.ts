import { lazyOnce } from '../lib/lambda/lazy.ts';
import { createScheduledHandler } from '../lib/lambda/scheduled-handler.ts';
import { buildScheduledDependencies } from '../lib/lambda/sync-dependencies.ts';
import { runOwnerRefresh } from '../lib/sync/owner-directory.ts';

/**
 * Owner directory refresh on its EventBridge schedule (`schedules.ownerRefresh`, O2, O3): lists the
 * HubSpot owners and Salesforce users into the store, so a batch resolves owners without listing
 * them. Between runs an owner id the cache does not know refreshes it on the spot (at most every
 * 5 minutes, lib/sync/owner-directory.ts).
 */
export const handler = createScheduledHandler(
  'owner-refresh',
  lazyOnce(() => buildScheduledDependencies()),
  (deps) => runOwnerRefresh(deps),
);

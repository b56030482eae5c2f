import { lazyOnce } from '../lib/lambda/lazy.ts';
import { createScheduledHandler } from '../lib/lambda/scheduled-handler.ts';
import { buildScheduledDependencies } from '../lib/lambda/sync-dependencies.ts';
import { pollChanges } from '../lib/sync/poll.ts';

/** The polling safety net on its EventBridge schedule: HubSpot contacts and Salesforce leads and contacts modified since the last poll become notices, catching webhooks or events that never arrived. */
export const handler = createScheduledHandler(
  'poll',
  lazyOnce(() => buildScheduledDependencies()),
  (deps) => pollChanges(deps),
);

import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CrmSyncConfig } from '../config.ts';
import type { Log } from '../observability/observability.ts';
import type { SyncStore } from '../ports.ts';
import type { RateLimiter } from '../rate-limit/index.ts';
import type { RefreshResult } from '../sync/segment-refresh.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { createAdminServices } from '../admin/admin-services.ts';
import type { ImportTracker } from '../admin/import-tracker.ts';
import { recordReader } from '../admin/records.ts';
import { createIntake } from './api/intake.ts';
import { createPlayground } from './api/playground.ts';
import type { Scheduler } from './scheduler.ts';
import type { ResyncProgress, StackServices, StatusReport } from './services.ts';
import type { SyncStats } from './sync-stats.ts';

export interface StackServicesContext {
  mode: 'sandbox' | 'live';
  startedAt: number;
  config: CrmSyncConfig;
  /** The dashboard's dependencies: the `live` lane, since a person waits for each answer. */
  deps: SyncDeps;
  /** The store without the observing wrapper, for the optional dashboard queries. */
  rawStore: SyncStore;
  sqs: { client: SQSClient; queueUrl: string; dlqUrl: string };
  stats: SyncStats;
  scheduler: Scheduler;
  hubspotSandbox: HubSpotSandbox | undefined;
  salesforceSandbox: SalesforceSandbox | undefined;
  log: Log;
  urls: () => StatusReport['urls'];
  resync: { start: () => Promise<ResyncProgress>; progress: () => ResyncProgress };
  import: ImportTracker;
  refresh: {
    last: () => { at: number; result: RefreshResult } | undefined;
    /** Records a load done elsewhere (selecting a segment loads it). */
    record: (result: RefreshResult) => void;
  };
  clientSecret: string;
  /** The token the Salesforce outbound-message URL must end with. */
  outboundToken: string;
  limiters: { hubspot: RateLimiter; salesforce: RateLimiter };
}

/**
 * Puts the local server's services together over the running stack's pieces: the operator's API is
 * the one both hosts share (`lib/admin/admin-services.ts`), with resync and import run in this
 * process; intake and the sandboxes' playground are the local stack's own (`api/`).
 */
export function createStackServices(ctx: StackServicesContext): StackServices {
  const { deps } = ctx;
  const admin = createAdminServices({
    deps,
    rawStore: ctx.rawStore,
    sqs: ctx.sqs,
    log: ctx.log,
    status: {
      mode: ctx.mode,
      startedAt: ctx.startedAt,
      urls: ctx.urls,
      stats: ctx.stats,
      schedules: () => ctx.scheduler.states(),
      limiters: ctx.limiters,
    },
    jobs: {
      startResync: async () => {
        void ctx.resync.start();
        return ctx.resync.progress();
      },
      resyncProgress: () => ctx.resync.progress(),
      import: {
        start: async (objects) => ctx.import.start(objects),
        progress: async () => ctx.import.progress(),
      },
    },
    refresh: ctx.refresh,
  });
  return {
    ...admin,
    intake: createIntake(
      { queue: deps.queue, config: ctx.config, logger: ctx.log, metrics: ctx.stats.metricsSink() },
      { clientSecret: ctx.clientSecret, outboundToken: ctx.outboundToken },
    ),
    playground: createPlayground(deps, recordReader(deps), {
      hubspot: ctx.hubspotSandbox,
      salesforce: ctx.salesforceSandbox,
    }),
  };
}

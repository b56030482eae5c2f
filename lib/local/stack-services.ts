import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CrmSyncConfig } from '../config.ts';
import type { Log } from '../observability/observability.ts';
import type { SyncStore } from '../ports.ts';
import type { RateLimiter } from '../rate-limit/index.ts';
import type { RefreshResult } from '../sync/segment-refresh.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { fieldCatalog } from './api/fields.ts';
import { createIntake } from './api/intake.ts';
import { createPlayground } from './api/playground.ts';
import { recordReader, recordTrace, searchRecords } from './api/records.ts';
import { createSegments, SegmentListCache } from './api/segments.ts';
import { stackStatus } from './api/status.ts';
import type { ImportTracker } from './import-tracker.ts';
import { peekMessages, redrive } from './queue-admin.ts';
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
 * Puts the local server's services together over the running stack's pieces; each job lives in its
 * own file under `api/` (intake, status, records, segments, playground).
 */
export function createStackServices(ctx: StackServicesContext): StackServices {
  const { deps } = ctx;
  const reader = recordReader(deps);
  const lists = new SegmentListCache(deps.hubspot);
  const catalog = fieldCatalog(ctx.config);
  return {
    intake: createIntake(
      { queue: deps.queue, config: ctx.config, logger: ctx.log, metrics: ctx.stats.metricsSink() },
      { clientSecret: ctx.clientSecret, outboundToken: ctx.outboundToken },
    ),
    status: () =>
      stackStatus({
        ...ctx,
        resync: () => ctx.resync.progress(),
        lastRefresh: ctx.refresh.last,
        lists,
      }),
    fields: () => catalog,
    recordTrace: (side, id) => recordTrace(deps, reader, side, id),
    searchRecords: (query) => searchRecords(deps, reader, query),
    startResync: async () => {
      void ctx.resync.start();
      return ctx.resync.progress();
    },
    import: ctx.import,
    dlq: {
      list: (max) => peekMessages(ctx.sqs.client, ctx.sqs.dlqUrl, max),
      redrive: () => redrive(ctx.sqs.client, ctx.sqs.dlqUrl, ctx.sqs.queueUrl),
    },
    segments: createSegments(deps, lists, ctx.refresh.record),
    playground: createPlayground(deps, reader, {
      hubspot: ctx.hubspotSandbox,
      salesforce: ctx.salesforceSandbox,
    }),
  };
}

import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Log } from '../observability/observability.ts';
import type { SyncStore } from '../ports.ts';
import type { RefreshResult } from '../sync/segment-refresh.ts';
import { setCompanySync } from '../sync/segment-choice.ts';
import { currentSettings, type SyncDeps } from '../sync/sync-deps.ts';
import { companyTrace, searchCompanies } from './company-records.ts';
import { fieldCatalog } from './fields.ts';
import { peekMessages, redrive } from './queue-admin.ts';
import { isHubSpotId, recordReader, recordTrace, searchRecords } from './records.ts';
import { createSegments, SegmentListCache } from './segments.ts';
import type { AdminServices, ResyncProgress } from './services.ts';
import { type StatusSources, stackStatus } from './status.ts';
import { queueSyncNow } from './sync-now.ts';

/** How a host runs the long jobs: in its own process (local stack) or in a job function (AWS). */
export interface AdminJobs {
  /** Starts a resync (R5) unless one is running; resolves once it is started, with its progress. */
  startResync(): Promise<ResyncProgress>;
  resyncProgress(): ResyncProgress | Promise<ResyncProgress>;
  import: AdminServices['import'];
}

/** The pieces every host has: the sync dependencies, the queues, and what only the status reads. */
export interface AdminContext {
  /** The `live` lane with the changes queue: a person waits for each answer. */
  deps: SyncDeps;
  /** The store without any observing wrapper, for the optional dashboard queries. */
  rawStore: SyncStore;
  sqs: { client: SQSClient; queueUrl: string; dlqUrl: string };
  log: Log;
  jobs: AdminJobs;
  /** The host's own status facts: mode, start, URLs, counters, schedules, rate limiters. */
  status: Pick<StatusSources, 'mode' | 'startedAt' | 'urls' | 'stats' | 'schedules' | 'limiters'>;
  refresh: {
    last: () => { at: number; result: RefreshResult } | undefined;
    /** Records a load done elsewhere (selecting a segment loads it). */
    record: (result: RefreshResult) => void;
  };
}

/**
 * The operator's API over one host's pieces: the single implementation behind the local `/api/*`
 * and the deployed stack's admin API (docs/design.md#operating).
 */
export function createAdminServices(ctx: AdminContext): AdminServices {
  const { deps } = ctx;
  const reader = recordReader(deps);
  const lists = new SegmentListCache(deps.hubspot);
  const catalog = fieldCatalog(deps.config);
  return {
    status: () =>
      stackStatus({
        ...ctx.status,
        deps,
        rawStore: ctx.rawStore,
        sqs: ctx.sqs,
        log: ctx.log,
        resync: ctx.jobs.resyncProgress,
        lastRefresh: ctx.refresh.last,
        lists,
      }),
    fields: () => catalog,
    recordTrace: (side, id) => recordTrace(deps, reader, side, id),
    companyTrace: (object, id) => companyTrace(deps, object, id),
    searchRecords: async (query) => {
      const records = await searchRecords(deps, reader, query);
      // Contact and company ids are both digits: an id that names a contact means the contact (the
      // company is found by its domain, or by `GET /api/records/company/{id}`).
      if (records.length > 0 && isHubSpotId(query.trim())) return records;
      return [...records, ...(await searchCompanies(deps, query))];
    },
    syncNow: (side, id) => queueSyncNow(deps, side, id),
    startResync: () => ctx.jobs.startResync(),
    import: ctx.jobs.import,
    dlq: {
      list: (max) => peekMessages(ctx.sqs.client, ctx.sqs.dlqUrl, max),
      redrive: () => redrive(ctx.sqs.client, ctx.sqs.dlqUrl, ctx.sqs.queueUrl),
    },
    segments: createSegments(deps, lists, ctx.refresh.record),
    settings: {
      setCompanySync: async (enabled) => {
        await setCompanySync(deps, enabled);
        return currentSettings(deps);
      },
    },
  };
}

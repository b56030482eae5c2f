import { parseNoticeMessage } from '../aws/sqs-message.ts';
import type { CrmSyncConfig } from '../config.ts';
import type { ChangeNotice } from '../domain/notice.ts';
import { createHubSpotConnection } from '../hubspot/hubspot-client.ts';
import { HubSpotCrm } from '../hubspot/hubspot-crm.ts';
import type { HubSpotOAuthSettings } from '../hubspot/hubspot-oauth.ts';
import { API_BUDGET_METRIC } from '../observability/metric-catalogue.ts';
import type { Log, MetricsSink } from '../observability/observability.ts';
import type { ChangeQueue, SyncStore } from '../ports.ts';
import { createRateLimiters, type Lane, type RateLimiter } from '../rate-limit/index.ts';
import {
  createSalesforceConnection,
  type SalesforceRefreshSettings,
} from '../salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../salesforce/salesforce-crm.ts';
import type { ProcessorDeps } from '../sync/processor-types.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';

/**
 * The one composition root (docs/design.md#composition-root). `lib/composition/` builds every
 * dependency set crmsync runs with from config + CRM access + store + queue: the CRM adapters per
 * rate-limiter lane, the processor's and the jobs' here, the intake's in `intake.ts`. The Lambda
 * functions (`lib/lambda/sync-dependencies.ts`, `lib/lambda/dependencies.ts`) and the local stack
 * (`lib/local/runtime.ts`) each make those parts their own way (AWS clients and Secrets Manager;
 * dynalite, our local SQS (`lib/local/sqs-server.ts`) and the sandboxes) and then call this module, so the two hosts cannot drift:
 * resync, import, poll and segment refresh run in the `bulk` lane in both.
 */

/** Where and how to reach both CRMs: tokens from a secret (Lambda), the sandboxes' or the CLI's environment (local). */
export interface CrmAccess {
  hubspot: {
    /** A private-app token; optional with `oauth` (the first call then fetches one). */
    accessToken?: string;
    /** A HubSpot OAuth app: the access token is renewed before it expires and after a 401. */
    oauth?: HubSpotOAuthSettings;
    /** Defaults to the config's `hubspot.baseUrl` (itself defaulting to api.hubapi.com). */
    baseUrl?: string;
  };
  salesforce: {
    instanceUrl: string;
    /** Optional with `refresh`: the first call then fetches a session. */
    accessToken?: string;
    /** Lets jsforce renew the session whenever it expires. */
    refresh?: SalesforceRefreshSettings;
  };
}

/** Both CRM adapters in one rate-limiter lane. */
export interface CrmAdapters {
  hubspot: HubSpotCrm;
  salesforce: SalesforceCrm;
}

/** The CRM adapters of one process: one rate limiter per CRM, shared by both lanes. */
export interface CrmAdapterSet {
  /** `live` serves the processor and interactive calls; `bulk` only gets a slot when no live call waits. */
  lanes: Record<Lane, CrmAdapters>;
  limiters: { hubspot: RateLimiter; salesforce: RateLimiter };
  /**
   * Writes the counted API usage to the store (call before a Lambda invocation ends, or at shutdown),
   * then, given a sink, reports each CRM's `ApiBudgetUsedPercent` to it (`reportApiBudget`).
   */
  flushUsage: (metrics?: MetricsSink) => Promise<void>;
}

/**
 * Publishes `ApiBudgetUsedPercent` (lib/observability/metric-catalogue.ts) for each CRM this process
 * called today: the share of crmsync's daily API budget used, as the store's shared counter last
 * reported it plus this process's calls since. Its alarm fires above 80 % (docs/operations.md#metrics),
 * well before the limiter starts refusing calls at 100 %. A CRM not called today is left out rather
 * than reported as 0 %.
 */
export function reportApiBudget(limiters: CrmAdapterSet['limiters'], metrics: MetricsSink): void {
  for (const limiter of [limiters.hubspot, limiters.salesforce]) {
    const percent = limiter.dailyUsedPercent();
    if (percent === undefined) continue;
    metrics.addMetricWithDimensions(API_BUDGET_METRIC.name, API_BUDGET_METRIC.unit, percent, {
      [API_BUDGET_METRIC.dimension]: limiter.crm,
    });
  }
}

/**
 * Builds the HubSpot and Salesforce adapters (`@hubspot/api-client` and jsforce behind one rate
 * limiter per CRM, usage counted in `store` so every instance shares the daily budget) and a view of
 * them per lane.
 */
export function buildCrmAdapters(parts: {
  config: CrmSyncConfig;
  access: CrmAccess;
  /** Counts API usage per CRM and day across processes; without it, usage is counted per process. */
  store?: SyncStore;
  log: Log;
}): CrmAdapterSet {
  const { config, access, log } = parts;
  const limiters = createRateLimiters(config.budgets, {
    usage: parts.store,
    onFlushError: (error) =>
      log.warn('api usage flush failed', { error: error instanceof Error ? error.message : String(error) }),
  });
  const hubspot = new HubSpotCrm({
    ...createHubSpotConnection({
      accessToken: access.hubspot.accessToken,
      ...(access.hubspot.oauth ? { oauth: access.hubspot.oauth } : {}),
      baseUrl: access.hubspot.baseUrl ?? config.hubspot.baseUrl,
      onRefresh: () => log.info('hubspot access token refreshed'),
    }),
    limiter: limiters.hubspot,
  });
  const salesforce = new SalesforceCrm({
    connection: createSalesforceConnection({
      instanceUrl: access.salesforce.instanceUrl,
      accessToken: access.salesforce.accessToken,
      version: config.salesforce.apiVersion,
      clientName: config.salesforce.clientName,
      ...(access.salesforce.refresh ? { refresh: access.salesforce.refresh } : {}),
      onRefresh: ({ instanceUrl }) => log.info('salesforce session refreshed', { instanceUrl }),
    }),
    limiter: limiters.salesforce,
    clientName: config.salesforce.clientName,
    bulk: config.salesforce.bulkQuery,
  });
  return {
    lanes: {
      live: { hubspot: hubspot.withLane('live'), salesforce: salesforce.withLane('live') },
      bulk: { hubspot: hubspot.withLane('bulk'), salesforce: salesforce.withLane('bulk') },
    },
    limiters,
    flushUsage: async (metrics) => {
      await Promise.all([limiters.hubspot.flush(), limiters.salesforce.flush()]);
      if (metrics) reportApiBudget(limiters, metrics);
    },
  };
}

/** The queue message parser the processor takes: the queue adapter owns the envelope; a bad body throws. */
export function parseQueuedNotice(body: string): ChangeNotice {
  const parsed = parseNoticeMessage(body);
  if (!parsed.ok) throw parsed.error;
  return parsed.notice;
}

/** Everything past intake, over one adapter set. */
export interface SyncComposition extends CrmAdapterSet {
  config: CrmSyncConfig;
  store: SyncStore;
  /** The processor's dependencies: the `live` lane (resync and import yield to it). */
  processor: ProcessorDeps;
  /** Dependencies of the jobs (resync, import, poll, segment refresh): the `bulk` lane. */
  jobs(queue: ChangeQueue): SyncDeps;
}

/**
 * Composes the processor and the jobs over one adapter set. The queue is passed to `jobs` because
 * the processor's Lambda has no changes-queue URL: it only consumes, SQS deletes for it.
 */
export function composeSync(parts: {
  config: CrmSyncConfig;
  access: CrmAccess;
  store: SyncStore;
  log: Log;
  metrics?: MetricsSink;
  now?: () => number;
}): SyncComposition {
  const { config, store, log } = parts;
  const now = parts.now ?? Date.now;
  const adapters = buildCrmAdapters(parts);
  const { live, bulk } = adapters.lanes;
  return {
    ...adapters,
    config,
    store,
    processor: {
      store,
      ...live,
      config,
      parseNotice: parseQueuedNotice,
      now,
      log,
      ...(parts.metrics ? { metrics: parts.metrics } : {}),
    },
    jobs: (queue) => ({ store, ...bulk, queue, config, now }),
  };
}

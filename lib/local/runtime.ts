import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoSyncStore } from '../aws/dynamo-sync-store.ts';
import { CHANGES_MAX_RECEIVE_COUNT, CHANGES_VISIBILITY_TIMEOUT_SECONDS } from '../aws/queue-settings.ts';
import { SqsChangeQueue } from '../aws/sqs-change-queue.ts';
import { type CrmSyncConfig, loadConfigFile } from '../config.ts';
import { composeSync } from '../composition/sync.ts';
import { CrmSyncError } from '../errors.ts';
import type { Log } from '../observability/observability.ts';
import type { ChangeQueue, HubSpotPort, SalesforcePort, SyncStore } from '../ports.ts';
import type { RateLimiter } from '../rate-limit/index.ts';
import { pollChanges } from '../sync/poll.ts';
import { runOwnerRefresh } from '../sync/owner-directory.ts';
import { selectSegment, setCompanySync } from '../sync/segment-choice.ts';
import { refreshSegment, type RefreshResult } from '../sync/segment-refresh.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { type LiveCredentials, localCrmAccess } from './adapters.ts';
import { consoleLog } from './console-log.ts';
import { startDemoActivity } from './demo-activity.ts';
import { DEFAULT_DEMO, type DemoInfo, type DemoSize } from './demo-data.ts';
import { sandboxDataFiles, seedOrRestoreDemo } from './sandbox-data.ts';
import { startHttpServer } from './http-server.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { loadOutboundToken } from './outbound-token-file.ts';
import { ensureTable, startLocalDynamo, type LocalDynamo } from './local-dynamo.ts';
import { startLocalSqs, type LocalSqs } from './local-sqs.ts';
import { observeStore } from './observed-store.ts';
import { processorHandler } from './processor-handler.ts';
import { startSandboxes } from './sandboxes.ts';
import { ResyncTracker } from './resync-tracker.ts';
import { type ImportObject, type ImportProgress, ImportTracker } from '../admin/import-tracker.ts';
import { Scheduler } from './scheduler.ts';
import type { ResyncProgress, StatusReport } from './services.ts';
import { flushDeliveries } from './flush.ts';
import { SqsPoller } from './sqs-poller.ts';
import { createStackServices } from './stack-services.ts';
import { SyncStats } from './sync-stats.ts';

/** Options of `startLocalStack`. Defaults are what `crmsync dev` uses; tests pass port 0 and dataDir null. */
export interface LocalStackOptions {
  /** HTTP port of the dashboard and endpoints (default 3000; 0 picks a free one). */
  port?: number;
  host?: string;
  /** Where DynamoDB data persists (default `.crmsync`); null keeps it in memory. */
  dataDir?: string | null;
  /** The configuration (default: crmsync.config.json when present, else the example). */
  config?: CrmSyncConfig;
  configPath?: string;
  /** Sandbox ports (default 4101 / 4102; 0 picks free ones). Ignored in live mode. */
  sandboxPorts?: { hubspot?: number; salesforce?: number };
  /** Demo data size; false starts empty sandboxes. */
  demo?: DemoSize | false;
  /** Real CRMs instead of the sandboxes; changes are then detected by polling. */
  live?: LiveCredentials;
  /**
   * Arm the in-process schedules (default true). Expressions override the config's; by default the
   * local stack refreshes the segment every minute so that a contact moved into the demo segment
   * syncs soon, and polls every minute in live mode.
   */
  schedules?: boolean | Partial<Record<LocalScheduleName, string>>;
  /** Run the poller in the background (default true). Tests may set false and call `flush()`. */
  backgroundPolling?: boolean;
  /** The event source mapping's settings (defaults: the config's batch size and window; the stack's visibility timeout and receive count). */
  queue?: {
    batchSize?: number;
    batchingWindowMs?: number;
    visibilityTimeoutSeconds?: number;
    maxReceiveCount?: number;
    /** Invocations in flight (default 1: in one process they share one adapter set; docs/design.md#local-threads). */
    maxConcurrency?: number;
  };
  /** Resync the segment on a first start (an empty store), so the demo links its records (default true). */
  firstRunResync?: boolean;
  /** Simulated users edit linked segment members every few seconds (`crmsync dev --activity`). Sandbox mode only. */
  activity?: boolean | { everyMs: number };
  /** Logger for handlers and the processor (default: warnings and errors to stderr). */
  log?: Log;
  /** Progress lines for a person watching the terminal. */
  say?: (line: string) => void;
}

/** A running local stack. */
export interface LocalStack {
  mode: 'sandbox' | 'live';
  /** The dashboard and endpoints, e.g. http://127.0.0.1:3000. */
  url: string;
  urls: StatusReport['urls'];
  /** The outbound-message endpoint URL, token included (configure it in Salesforce). */
  salesforceOutboundUrl: string;
  config: CrmSyncConfig;
  hubspotSandbox: HubSpotSandbox | undefined;
  salesforceSandbox: SalesforceSandbox | undefined;
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  store: SyncStore;
  queue: ChangeQueue;
  /** Notices a previous run acknowledged and left queued, found at start (0 on a clean start). */
  recovered: number;
  /** The SQS client and queue URLs (the local SQS), for tools and tests that look at the queues directly. */
  sqs: { client: SQSClient; queueUrl: string; dlqUrl: string };
  /** The DynamoDB client of the store (dynalite), for tools that count or inspect store calls. */
  dynamo: DynamoDBClient;
  demo: DemoInfo | undefined;
  /** True when the store was empty at start. */
  firstRun: boolean;
  /** The rate limiter per CRM that every adapter of this process shares: its counters tell calls by lane. */
  limiters: { hubspot: RateLimiter; salesforce: RateLimiter };
  /** Delivers every pending sandbox webhook / outbound message / CDC event and processes the queue until quiet. */
  flush(): Promise<{ rounds: number; delivered: number; processed: number }>;
  /** Refreshes the segment membership now (as the schedule does). */
  refreshSegment(): Promise<RefreshResult>;
  /** Imports existing Salesforce records (R7), as `crmsync import salesforce` does; resolves when done. */
  importSalesforce(objects?: ImportObject[]): Promise<ImportProgress>;
  /** Polls both CRMs for changes now (as the poll schedule does; live mode's change detection). */
  poll(): Promise<void>;
  /** Refreshes the cached owner directory now (as the `ownerRefresh` schedule does; O2, O3). */
  refreshOwners(): Promise<void>;
  /** Starts a resync (as the dashboard's button does); resolves when its notices are queued. */
  resync(): Promise<ResyncProgress>;
  status(): Promise<StatusReport>;
  close(): Promise<void>;
}

/** The config's schedules the local stack arms as timers (`schedules` overrides their expressions). */
type LocalScheduleName = 'segmentRefresh' | 'resync' | 'poll' | 'ownerRefresh';

/** A port the stack needs is taken. */
export class PortInUseError extends CrmSyncError {}

const TABLE = 'crmsync-store';
const QUEUE = 'crmsync-changes';

/**
 * Starts the whole sync on one machine (docs/design.md#local-stack): the sandboxes with demo data (or the real
 * CRMs), dynalite and the local SQS journalled under `.crmsync/`, the intake handlers and the dashboard behind
 * one HTTP server, a poller playing Lambda's SQS event source mapping, and the schedules as timers.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const say = opts.say ?? (() => {});
  const log = opts.log ?? consoleLog('warn');
  const live = opts.live;
  const baseConfig = opts.config ?? (await loadDefaultConfig(opts.configPath));
  const cleanup: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  };

  try {
    // ── store and queue ──
    let dynamo: LocalDynamo;
    let dataDir: string | undefined;
    if (opts.dataDir === null) dynamo = await startLocalDynamo({ thread: true });
    else {
      dataDir = resolve(opts.dataDir ?? '.crmsync', live ? 'live' : 'sandbox');
      await mkdir(dataDir, { recursive: true });
      const lock = await lockDataDir(dataDir);
      cleanup.push(() => lock.release());
      dynamo = await startLocalDynamo({ path: join(dataDir, 'dynamodb'), thread: true });
    }
    cleanup.push(() => dynamo.close());
    await ensureTable(dynamo.client, TABLE);
    // The queue journals beside the store: a notice answered 200 survives a hard kill (docs/design.md#local-stack).
    const journal = dataDir ? { journalPath: join(dataDir, 'queue.jsonl') } : {};
    const sqs: LocalSqs = await startLocalSqs({ thread: true, ...journal });
    cleanup.push(() => sqs.close());
    const q = opts.queue ?? {};
    const { queueUrl, dlqUrl } = await sqs.createQueues(QUEUE, {
      maxReceiveCount: q.maxReceiveCount ?? CHANGES_MAX_RECEIVE_COUNT,
      visibilityTimeoutSeconds: q.visibilityTimeoutSeconds ?? CHANGES_VISIBILITY_TIMEOUT_SECONDS,
    });
    if (sqs.recovered.messages > 0) {
      const parts = sqs.recovered.queues.map((r) => `${r.messages} on ${r.name}`).join(', ');
      say(
        `recovered ${sqs.recovered.messages} queued notices from the last run (${parts}); processing them now`,
      );
      log.info('queue recovered', { recovered: sqs.recovered.messages });
    }

    // ── CRMs ──
    let hubspotSandbox: HubSpotSandbox | undefined;
    let salesforceSandbox: SalesforceSandbox | undefined;
    let config = baseConfig;
    if (!live) {
      const sandboxes = await startSandboxes(
        baseConfig,
        { hubspot: opts.sandboxPorts?.hubspot ?? 4101, salesforce: opts.sandboxPorts?.salesforce ?? 4102 },
        sandboxDataFiles(dataDir),
      );
      cleanup.push(() => sandboxes.close());
      ({ hubspot: hubspotSandbox, salesforce: salesforceSandbox, config } = sandboxes);
    }

    const stats = new SyncStats();
    const rawStore = new DynamoSyncStore({ client: dynamo.client, tableName: TABLE });
    const store = observeStore(rawStore, { onDecisions: (d) => stats.onDecisions(d) });
    const queue = new SqsChangeQueue({ client: sqs.client, queueUrl });
    // One composition root for both hosts: the processor in the `live` lane, the jobs (resync,
    // import, poll, segment refresh) in the `bulk` lane, exactly as the Lambda functions run them.
    const sync = composeSync({ config, access: localCrmAccess(config, live), store, log });
    const { limiters } = sync;
    const { hubspot, salesforce } = sync.lanes.live;
    // Runs before the store closes (cleanup is in reverse): today's API usage is kept.
    cleanup.push(() => sync.flushUsage());
    const jobs = sync.jobs(queue);
    const { now } = jobs;
    /** What the dashboard does while someone waits for it (trace, search, choosing a segment): live lane. */
    const deps: SyncDeps = { ...jobs, hubspot, salesforce };
    const firstRun = (await store.getSettings()) === undefined;

    // ── demo data ──
    let demo: DemoInfo | undefined;
    if (hubspotSandbox && salesforceSandbox && opts.demo !== false) {
      const seeded = await seedOrRestoreDemo({
        hubspot: hubspotSandbox,
        salesforce: salesforceSandbox,
        hubspotPort: hubspot,
        config,
        size: opts.demo ?? DEFAULT_DEMO,
        infoFile: sandboxDataFiles(dataDir)?.demo,
      });
      demo = seeded.demo;
      if (seeded.restored) say(`sandboxes: records kept from the last run under ${dataDir}`);
      else if (demo)
        say(
          `demo data: ${demo.hubspotIds.length} HubSpot contacts, ${demo.leadIds.length + demo.salesforceOnlyLeadIds.length} Salesforce leads, ${demo.contactIds.length} contacts; segment "${demo.segment.name}" (list ${demo.segment.listId})`,
        );
    }

    // ── processor behind the SQS poller (Lambda's event source mapping) ──
    const resync = new ResyncTracker(jobs);
    const importer = new ImportTracker(jobs);
    const poller = new SqsPoller({
      client: sqs.client,
      queueUrl,
      batchSize: q.batchSize ?? config.processing.batchSize,
      batchingWindowMs: q.batchingWindowMs ?? config.processing.batchingWindowSeconds * 1000,
      maxConcurrency: q.maxConcurrency ?? 1,
      handler: processorHandler(sync.processor),
      onBatch: (report) => {
        stats.onBatch({
          at: report.at,
          bodies: report.records.map((r) => r.body),
          failed: report.failedIds.length,
          threw: report.error !== undefined,
        });
        resync.onProcessed(report.records, report.failedIds);
        if (report.error) log.error('processor invocation failed', { error: errorText(report.error) });
      },
      onError: (error) => log.warn('queue receive failed', { error: errorText(error) }),
    });
    if (opts.backgroundPolling !== false) poller.start();
    cleanup.push(() => poller.stop());

    // ── segment refresh ──
    let lastRefresh: { at: number; result: RefreshResult } | undefined;
    const recordRefresh = (result: RefreshResult) => {
      lastRefresh = { at: now(), result };
      return result;
    };
    const doRefresh = async () => recordRefresh(await refreshSegment(jobs));

    // ── schedules ──
    const scheduler = new Scheduler();
    cleanup.push(() => scheduler.stop());
    const overrides = typeof opts.schedules === 'object' ? opts.schedules : {};
    const armed = opts.schedules !== false;
    const expr = (name: LocalScheduleName, local: string | undefined) =>
      armed ? (overrides[name] ?? local ?? config.schedules[name]) : 'off';
    scheduler.add('segment-refresh', expr('segmentRefresh', 'rate(1 minute)'), doRefresh);
    scheduler.add('resync', expr('resync', undefined), () => resync.start());
    scheduler.add('poll', expr('poll', live ? 'rate(1 minute)' : undefined), () => pollChanges(jobs));
    scheduler.add('owner-refresh', expr('ownerRefresh', undefined), () => runOwnerRefresh(jobs));

    // ── settings on a first start: the demo segment, loaded (R4: loading syncs nobody) ──
    // The demo shows companies and owners: company sync on (C1; the example config leaves it off).
    if (firstRun && demo) await setCompanySync(jobs, true);
    if (firstRun && demo && config.hubspot.inclusionSegmentId !== null) {
      recordRefresh(await selectSegment(jobs, demo.segment.listId));
    } else {
      await doRefresh().catch((error: unknown) =>
        log.warn('segment refresh failed', { error: errorText(error) }),
      );
    }

    // ── HTTP server and delivery wiring ──
    let urls: StatusReport['urls'] = {
      dashboard: '',
      hubspot: live ? (config.hubspot.baseUrl ?? 'https://api.hubapi.com') : (hubspotSandbox?.url ?? ''),
      salesforce: live ? live.salesforceInstanceUrl : (salesforceSandbox?.url ?? ''),
    };
    // Outbound messages authenticate with a token in the URL, as in AWS (lib/salesforce/outbound-token.ts).
    const outboundToken = await loadOutboundToken(dataDir);
    const services = createStackServices({
      mode: live ? 'live' : 'sandbox',
      startedAt: now(),
      config,
      deps,
      rawStore,
      sqs: { client: sqs.client, queueUrl, dlqUrl },
      stats,
      scheduler,
      hubspotSandbox,
      salesforceSandbox,
      log,
      urls: () => urls,
      resync,
      import: importer,
      refresh: { last: () => lastRefresh, record: recordRefresh },
      clientSecret: live ? (live.hubspotClientSecret ?? '') : (hubspotSandbox?.clientSecret ?? ''),
      outboundToken,
      limiters,
    });
    const http = await startHttpServer({ port: opts.port ?? 3000, host: opts.host, services });
    cleanup.push(() => http.close());
    urls = { ...urls, dashboard: http.url };
    hubspotSandbox?.setWebhookUrl(`${http.url}/webhooks/hubspot`);
    salesforceSandbox?.configure({
      outboundUrl: `${http.url}/webhooks/salesforce/${outboundToken}`,
      cdcUrl: `${http.url}/events/salesforce`,
    });

    if (firstRun && demo && opts.firstRunResync !== false) {
      const progress = await resync.start();
      say(
        `first run: resync of the demo segment queued ${progress.enqueued} members (records already in sync are only linked)`,
      );
    }

    if (opts.activity && hubspotSandbox && salesforceSandbox) {
      const activity = startDemoActivity({
        hubspot: hubspotSandbox,
        salesforce: salesforceSandbox,
        store,
        everyMs: typeof opts.activity === 'object' ? opts.activity.everyMs : undefined,
        onError: (error) => log.warn('demo activity failed', { error: errorText(error) }),
      });
      cleanup.push(async () => activity.stop());
    }

    // Live mode has no webhooks: look for changes at once, then on the poll schedule.
    if (live && armed) void scheduler.runNow('poll');

    const flush = () => flushDeliveries({ hubspotSandbox, salesforceSandbox, poller });

    return {
      mode: live ? 'live' : 'sandbox',
      url: http.url,
      urls,
      salesforceOutboundUrl: `${http.url}/webhooks/salesforce/${outboundToken}`,
      config,
      hubspotSandbox,
      salesforceSandbox,
      hubspot,
      salesforce,
      store,
      queue,
      sqs: { client: sqs.client, queueUrl, dlqUrl },
      dynamo: dynamo.client,
      limiters,
      recovered: sqs.recovered.messages,
      demo,
      firstRun,
      flush,
      refreshSegment: doRefresh,
      poll: () => scheduler.runNow('poll'),
      refreshOwners: () => scheduler.runNow('owner-refresh'),
      importSalesforce: (objects = ['Lead', 'Contact']) => {
        importer.start(objects);
        return importer.settled();
      },
      resync: () => resync.start(),
      status: () => services.status(),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    const e = error as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE') {
      throw new PortInUseError(
        `port ${e.port ?? '?'} is already in use (another crmsync dev or sandbox?): stop it, or choose another port`,
        { cause: error },
      );
    }
    throw error;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `crmsync.config.json` when present, else the example (which the demo is built for). */
async function loadDefaultConfig(path?: string): Promise<CrmSyncConfig> {
  if (path) return loadConfigFile(path);
  if (existsSync('crmsync.config.json')) return loadConfigFile('crmsync.config.json');
  return loadConfigFile(fileURLToPath(new URL('../../crmsync.config.example.json', import.meta.url)));
}

import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CrmSyncConfig } from '../config.ts';
import type { SalesforceObject } from '../domain/notice.ts';
import { CrmSyncError, RetryableError } from '../errors.ts';
import { handleHubSpotWebhook } from '../hubspot/webhook-intake.ts';
import { ReplayGuard } from '../hubspot/webhook-replay.ts';
import { type HttpResult, jsonResult } from '../http/http.ts';
import type { Log } from '../observability/observability.ts';
import type { Decision, HubSpotList, SyncStore } from '../ports.ts';
import { utcDay } from '../rate-limit/clock.ts';
import type { RateLimiter } from '../rate-limit/index.ts';
import { handleSalesforceCdc } from '../salesforce/cdc-intake.ts';
import { handleSalesforceOutbound } from '../salesforce/outbound-intake.ts';
import { clearSegment, listActiveSegments, selectSegment } from '../sync/segment-choice.ts';
import type { RefreshResult } from '../sync/segment-refresh.ts';
import { currentSettings, type SyncDeps } from '../sync/sync-deps.ts';
import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import type { ImportTracker } from './import-tracker.ts';
import { peekMessages, queueDepth, redrive } from './queue-admin.ts';
import type { Scheduler } from './scheduler.ts';
import type {
  PlaygroundRecord,
  RecordHit,
  RecordTrace,
  ResyncProgress,
  StackServices,
  StatusReport,
} from './services.ts';
import type { StatsSnapshot, SyncStats } from './sync-stats.ts';
import { compareMappedFields } from './trace-fields.ts';

export interface StackServicesContext {
  mode: 'sandbox' | 'live';
  startedAt: number;
  config: CrmSyncConfig;
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
    run: () => Promise<RefreshResult>;
    last: () => { at: number; result: RefreshResult } | undefined;
    /** Records a load done elsewhere (selecting a segment loads it). */
    record: (result: RefreshResult) => void;
  };
  clientSecret: string;
  limiters: { hubspot: RateLimiter; salesforce: RateLimiter };
}

/** Salesforce key prefixes: 00Q is a Lead, 003 a Contact (https://help.salesforce.com/s/articleView?id=000385203). */
function salesforceObjectOf(id: string): SalesforceObject | undefined {
  if (id.startsWith('00Q')) return 'Lead';
  if (id.startsWith('003')) return 'Contact';
  return undefined;
}

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** Implements the local server's services over the running stack's pieces. */
export function createStackServices(ctx: StackServicesContext): StackServices {
  const { deps, config, log } = ctx;
  const { store, hubspot, salesforce } = deps;
  const metrics = ctx.stats.metricsSink();
  const replayGuard = new ReplayGuard();
  const hsProps = [
    ...new Set([
      'email',
      'lifecyclestage',
      'hs_lead_status',
      ...config.mappings.Lead.map((m) => m.hubspot),
      ...config.mappings.Contact.map((m) => m.hubspot),
    ]),
  ];
  const sfFields = (object: SalesforceObject) => [
    ...new Set(['Email', ...config.mappings[object].map((m) => m.salesforce)]),
  ];
  let listCache: { id: string; list: HubSpotList | undefined; at: number } | undefined;

  async function segmentList(id: string): Promise<HubSpotList | undefined> {
    if (listCache && listCache.id === id && Date.now() - listCache.at < 30_000) return listCache.list;
    const list = await hubspot.getList(id).catch(() => undefined);
    listCache = { id, list, at: Date.now() };
    return list;
  }

  async function counts(): Promise<StatsSnapshot> {
    const local = ctx.stats.snapshot();
    // The store keeps per-day counters and open sync errors: they survive a restart, so prefer them.
    if (!ctx.rawStore.countDecisions) return local;
    try {
      const today = Date.parse(`${utcDay(Date.now())}T00:00:00Z`);
      const [c, errors] = await Promise.all([
        ctx.rawStore.countDecisions(today),
        ctx.rawStore.listSyncErrors
          ? ctx.rawStore.listSyncErrors({ limit: 200 })
          : Promise.resolve(undefined),
      ]);
      const byOutcome = { ...local.decisions };
      for (const key of Object.keys(byOutcome) as (keyof typeof byOutcome)[])
        byOutcome[key] = Math.max(byOutcome[key], c.byOutcome[key] ?? 0);
      let errorsByCategory = local.errorsByCategory;
      if (errors) {
        const grouped = new Map<string, string[]>();
        for (const e of errors) grouped.set(e.category, [...(grouped.get(e.category) ?? []), e.recordKey]);
        errorsByCategory = [...grouped.entries()]
          .map(([category, records]) => ({ category, count: records.length, records }))
          .sort((a, b) => b.count - a.count);
      }
      const recent = ctx.rawStore.recentDecisions
        ? (await ctx.rawStore.recentDecisions(60)).filter((d) => d.outcome !== 'received').slice(0, 40)
        : local.recent;
      // The store's byReason mixes skip and no-op reasons (some carry record ids): the breakdown of
      // skips comes from the decisions seen since start, the totals from the store.
      return { ...local, decisions: byOutcome, errorsByCategory, recent };
    } catch (error) {
      log.warn('dashboard counts from the store failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      return local;
    }
  }

  async function status(): Promise<StatusReport> {
    const settings = await currentSettings(deps);
    const day = utcDay(Date.now());
    const [stats, main, dlq, hsUsed, sfUsed] = await Promise.all([
      counts(),
      queueDepth(ctx.sqs.client, ctx.sqs.queueUrl),
      queueDepth(ctx.sqs.client, ctx.sqs.dlqUrl),
      store.getApiUsage('hubspot', day),
      store.getApiUsage('salesforce', day),
    ]);
    let segment: StatusReport['segment'] = null;
    if (settings.inclusionSegmentId) {
      const id = settings.inclusionSegmentId;
      const last = ctx.refresh.last();
      // The last refresh counted the members; read the stored membership only when it did not.
      const [list, members] = await Promise.all([
        segmentList(id),
        last && last.result.segment?.listId === id
          ? last.result.members
          : store.listMembers(id).then((m) => m.length),
      ]);
      segment = {
        id,
        name: list?.name ?? null,
        processingType: list?.processingType ?? null,
        members,
        lastRefreshAt: last && last.result.segment?.listId === id ? last.at : null,
        loaded: settings.segmentLoaded,
      };
    }
    const budget = (crm: 'hubspot' | 'salesforce', stored: number) => {
      // The limiter counts locally and flushes to the store every few seconds: show the larger.
      const c = ctx.limiters[crm].counters();
      return {
        today: Math.max(stored, c.dailyUsed),
        budget: Math.floor(config.budgets[crm].dailyLimit * config.budgets[crm].dailyShare),
        dailyLimit: config.budgets[crm].dailyLimit,
        maxRequestsPer10s: config.budgets[crm].maxRequestsPer10s,
        sinceStart: c.total,
        rateLimited: c.rateLimited,
        waits: c.waits,
      };
    };
    return {
      mode: ctx.mode,
      startedAt: ctx.startedAt,
      urls: ctx.urls(),
      segment,
      settings,
      stats,
      apiUsage: { hubspot: budget('hubspot', hsUsed), salesforce: budget('salesforce', sfUsed) },
      queue: { visible: main.visible, inFlight: main.inFlight, dlq: dlq.visible + dlq.inFlight },
      schedules: ctx.scheduler.states(),
      resync: ctx.resync.progress(),
    };
  }

  async function readSalesforce(id: string) {
    const object = salesforceObjectOf(id);
    if (!object) return undefined;
    const [record] = await salesforce.readRecords(object, [id], sfFields(object));
    return record;
  }

  async function recordTrace(side: 'hubspot' | 'salesforce', id: string): Promise<RecordTrace | undefined> {
    const settings = await currentSettings(deps);
    let hubspotId: string | undefined;
    let salesforceId: string | undefined;
    if (side === 'hubspot') {
      if (!/^\d{1,20}$/.test(id)) return undefined;
      hubspotId = id;
      salesforceId = (await store.getPairsByHubSpotIds([id])).get(id)?.salesforceId;
    } else {
      if (!SALESFORCE_ID.test(id)) return undefined;
      salesforceId = id;
      hubspotId = (await store.getPairsBySalesforceIds([id])).get(id)?.hubspotId;
    }
    const [contacts, sfRecord, pairs] = await Promise.all([
      hubspotId ? hubspot.readContacts([hubspotId], hsProps) : Promise.resolve([]),
      salesforceId ? readSalesforce(salesforceId) : Promise.resolve(undefined),
      hubspotId ? store.getPairsByHubSpotIds([hubspotId]) : Promise.resolve(new Map()),
    ]);
    const contact = contacts[0];
    if (side === 'hubspot' && !contact) return undefined;
    if (side === 'salesforce' && !sfRecord) return undefined;
    const keys = [
      hubspotId ? `hubspot:${hubspotId}` : undefined,
      salesforceId ? `salesforce:${salesforceId}` : undefined,
    ].filter((k): k is string => k !== undefined);
    const lists = await Promise.all(keys.map((k) => store.listDecisions(k, 50)));
    const decisions: Decision[] = lists.flat().sort((a, b) => b.at - a.at);
    const listId = settings.inclusionSegmentId;
    // The linked object's mappings; an unlinked contact would become config.creation's object.
    const pair = (hubspotId ? pairs.get(hubspotId) : undefined) ?? null;
    const traceObject: SalesforceObject =
      sfRecord?.objectType ?? pair?.salesforceType ?? config.creation.salesforceObject;
    const inSegment =
      listId && hubspotId ? (await store.getMembers(listId, [hubspotId])).has(hubspotId) : null;
    return {
      side,
      id,
      hubspot: contact ? { id: contact.id, properties: contact.properties } : null,
      salesforce: sfRecord
        ? { id: sfRecord.id, objectType: sfRecord.objectType, fields: sfRecord.fields }
        : null,
      pair,
      inSegment,
      decisions,
      fields: compareMappedFields(
        config.mappings[traceObject],
        contact?.properties,
        sfRecord?.fields,
        config.picklists,
      ),
    };
  }

  async function searchRecords(query: string): Promise<RecordHit[]> {
    const q = query.trim();
    const hits: RecordHit[] = [];
    const hsHit = (c: { id: string; properties: Record<string, string | null> }): RecordHit => ({
      side: 'hubspot',
      id: c.id,
      objectType: 'contact',
      label:
        `${c.properties.firstname ?? ''} ${c.properties.lastname ?? ''}`.trim() ||
        (c.properties.email ?? c.id),
      email: c.properties.email ?? null,
    });
    const sfHit = (r: {
      id: string;
      objectType: SalesforceObject;
      fields: Record<string, unknown>;
    }): RecordHit => ({
      side: 'salesforce',
      id: r.id,
      objectType: r.objectType,
      label: `${String(r.fields.FirstName ?? '')} ${String(r.fields.LastName ?? '')}`.trim() || r.id,
      email: typeof r.fields.Email === 'string' ? r.fields.Email : null,
    });
    if (q.includes('@')) {
      const [contacts, records] = await Promise.all([
        hubspot.findContactsByEmail([q], hsProps),
        salesforce.findByEmail([q], { Lead: sfFields('Lead'), Contact: sfFields('Contact') }),
      ]);
      hits.push(...contacts.map(hsHit), ...records.map(sfHit));
    } else if (/^\d{1,20}$/.test(q)) {
      hits.push(...(await hubspot.readContacts([q], hsProps)).map(hsHit));
    } else if (SALESFORCE_ID.test(q)) {
      const record = await readSalesforce(q);
      if (record) hits.push(sfHit(record));
    }
    return hits;
  }

  function requireSandbox<T>(sandbox: T | undefined): T {
    if (!sandbox) throw new CrmSyncError('the playground edits sandbox records; it is off in live mode');
    return sandbox;
  }

  async function samples(side: 'hubspot' | 'salesforce', limit: number): Promise<PlaygroundRecord[]> {
    // Prefer linked members of the segment: an edit to them visibly syncs.
    const settings = await currentSettings(deps);
    const members = settings.inclusionSegmentId
      ? (await store.listMembers(settings.inclusionSegmentId)).slice(0, 200)
      : [];
    const pairs = members.length ? [...(await store.getPairsByHubSpotIds(members)).values()] : [];
    if (side === 'hubspot') {
      let ids = pairs.map((p) => p.hubspotId);
      if (ids.length === 0) ids = members;
      if (ids.length === 0)
        return (await hubspot.listContacts(hsProps)).contacts.slice(0, limit).map(hsRecord);
      const contacts = await hubspot.readContacts(sortIds(ids).slice(0, limit), hsProps);
      return contacts.map(hsRecord);
    }
    const linked = pairs.filter((p) => p.salesforceType === 'Lead').map((p) => p.salesforceId);
    if (linked.length === 0) {
      const page = await salesforce.queryPage('Lead', sfFields('Lead'), {});
      return page.records.slice(0, limit).map(sfRecord);
    }
    const records = await salesforce.readRecords('Lead', linked.sort().slice(0, limit), sfFields('Lead'));
    return records.map(sfRecord);
  }

  function hsRecord(c: { id: string; properties: Record<string, string | null> }): PlaygroundRecord {
    return { side: 'hubspot', id: c.id, objectType: 'contact', fields: c.properties };
  }
  function sfRecord(r: {
    id: string;
    objectType: SalesforceObject;
    fields: Record<string, unknown>;
  }): PlaygroundRecord {
    const fields: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(r.fields))
      fields[k] = v === null || v === undefined ? null : String(v);
    return { side: 'salesforce', id: r.id, objectType: r.objectType, fields };
  }

  async function edit(
    side: 'hubspot' | 'salesforce',
    id: string,
    fields: Record<string, string>,
  ): Promise<PlaygroundRecord> {
    if (side === 'hubspot') {
      const sandbox = requireSandbox(ctx.hubspotSandbox);
      const values: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(fields)) values[k] = v === '' ? null : v;
      await sandbox.userUpdateContact(id, values);
      const [contact] = await hubspot.readContacts([id], hsProps);
      if (!contact) throw new CrmSyncError(`no HubSpot contact ${id}`);
      return hsRecord(contact);
    }
    const sandbox = requireSandbox(ctx.salesforceSandbox);
    const object = salesforceObjectOf(id);
    if (!object) throw new CrmSyncError(`${id} is not a Lead (00Q…) or Contact (003…) id`);
    const values: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(fields)) values[k] = v === '' ? null : v;
    await sandbox.userUpdate(object, id, values);
    const record = await readSalesforce(id);
    if (!record) throw new CrmSyncError(`no Salesforce ${object} ${id}`);
    return sfRecord(record);
  }

  return {
    intake: {
      hubspotWebhook: (req) =>
        handleHubSpotWebhook(req, {
          queue: deps.queue,
          clientSecret: ctx.clientSecret,
          appId: config.hubspot.appId,
          portalId: config.hubspot.portalId,
          now: Date.now,
          logger: log,
          metrics,
          replayGuard,
        }),
      salesforceOutbound: (req) =>
        handleSalesforceOutbound(req, {
          queue: deps.queue,
          orgId: config.salesforce.orgId,
          now: Date.now,
          logger: log,
          metrics,
        }),
      salesforceCdc: async (req): Promise<HttpResult> => {
        let event: unknown;
        try {
          event = JSON.parse(req.body);
        } catch {
          return jsonResult(400, { error: 'malformed-json' });
        }
        try {
          const result = await handleSalesforceCdc(event, {
            queue: deps.queue,
            clientName: config.salesforce.clientName,
            orgId: config.salesforce.orgId,
            logger: log,
            metrics,
          });
          return jsonResult(200, result);
        } catch (error) {
          // EventBridge retries a failed target invocation: answer 5xx so the sandbox redelivers.
          if (error instanceof RetryableError) return jsonResult(503, { error: 'not-queued' });
          throw error;
        }
      },
    },
    status,
    recordTrace,
    searchRecords,
    startResync: async () => {
      void ctx.resync.start();
      return ctx.resync.progress();
    },
    import: ctx.import,
    dlq: {
      list: (max) => peekMessages(ctx.sqs.client, ctx.sqs.dlqUrl, max),
      redrive: () => redrive(ctx.sqs.client, ctx.sqs.dlqUrl, ctx.sqs.queueUrl),
    },
    segments: {
      listActive: () => listActiveSegments(deps),
      current: async () => (await currentSettings(deps)).inclusionSegmentId,
      select: async (listId) => {
        if (listId === null) await clearSegment(deps);
        else ctx.refresh.record(await selectSegment(deps, listId));
        listCache = undefined;
        return currentSettings(deps);
      },
      create: async (input) => {
        const list = await hubspot.createDynamicList(input.name, {
          property: input.property,
          operator: 'IS_ANY_OF',
          values: input.values,
        });
        return list;
      },
    },
    playground: { samples, edit },
  };
}

/** HubSpot ids are numbers: sort them numerically so samples are stable. */
function sortIds(ids: string[]): string[] {
  return [...ids].sort((a, b) => Number(a) - Number(b));
}

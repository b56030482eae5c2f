/**
 * A local Salesforce org for development and tests: the REST API subset crmsync uses
 * (jsforce works against it unchanged), outbound messages, Change Data Capture via an
 * Event Relay-shaped EventBridge envelope, and a control API under `/__sandbox/`.
 * See docs/sandbox-salesforce.md.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DailyCounter, Prng } from '../common/index.ts';
import { CdcRelay, type GapKind, type RelayedEvent } from './cdc.ts';
import { handleControl } from './control-api.ts';
import { OutboundMessenger, type OutboundNotification } from './outbound.ts';
import type { TrackedFields } from './field-history.ts';
import { RestApi } from './rest-api.ts';
import { seedOrg } from './seed.ts';
import { type FrontState, type SalesforceFault, handleHttp } from './server.ts';
import { type OrgSnapshot, OrgStore, UI_USER_ID, type WriteOrigin } from './store.ts';
import type { QueueInput, UserInput } from './users.ts';
import { StateFile } from '../common/state-file.ts';

export type { SalesforceFault } from './server.ts';
export type { GapKind } from './cdc.ts';
export type { QueueInput, UserInput } from './users.ts';
export { INTEGRATION_USER_ID, UI_USER_ID } from './store.ts';
export { LEAD_STATUSES } from './schema.ts';

/** Options of `startSalesforceSandbox`. */
/** What the sandbox saves: the org's records, and the outbound notification id counter. */
type SalesforceSnapshot = OrgSnapshot & {
  outboundNextId?: number;
  /** Outbound messages and CDC events not yet acknowledged: delivered after a restart. */
  owed?: { outbound: OutboundNotification[]; cdc: RelayedEvent[] };
};

export interface SalesforceSandboxOptions {
  /** Default 4102; tests pass 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** 18-char org id, default `00D000000000062EAA`. */
  orgId?: string;
  /** Daily API allocation (default 100,000); REQUEST_LIMIT_EXCEEDED (403) once spent. */
  dailyApiLimit?: number;
  /** Duplicate rule on Email for Lead and Contact (DUPLICATES_DETECTED), default false. */
  duplicateRuleOnEmail?: boolean;
  /** Fields with Field History Tracking on, per object (ContactHistory / LeadHistory rows); none by default. */
  trackedFields?: TrackedFields;
  /** Where outbound messages (SOAP) are POSTed. */
  outboundUrl?: string;
  /** Where CDC events (EventBridge envelopes, as Event Relay produces) are POSTed. */
  cdcUrl?: string;
  /** Batching window before automatic delivery, default 100 ms. */
  deliveryWindowMs?: number;
  /** Deliver automatically after the window (default true); tests set false and call flushDeliveries(). */
  autoDeliver?: boolean;
  /** Records per query page before `nextRecordsUrl` (default 2,000, as Salesforce). */
  queryPageSize?: number;
  /**
   * Status polls until a Bulk API 2.0 query job completes (default 2: `InProgress` at the first,
   * `JobComplete` at the second): asynchronous like the platform, deterministic in tests.
   */
  bulkQueryPollsToComplete?: number;
  /** Event Relay config id used in the EventBridge `source` (0YL…). */
  relayId?: string;
  /** Clock (epoch ms). */
  now?: () => number;
  /**
   * Keep the org's records in this file (written before each answer that follows a change) and
   * start from it when it exists; default: in memory only.
   */
  dataFile?: string;
}

/** The objects the sync writes and the sandbox sends change notifications for. */
export type SyncedObject = 'Lead' | 'Contact' | 'Account';

/** A running sandbox. */
export interface SalesforceSandbox {
  url: string;
  port: number;
  orgId: string;
  /** True when the records came from `dataFile` (a restart), false when the org started empty. */
  restored: boolean;
  /** Runs `fn` (seeding) and saves its changes once at the end instead of after each one. */
  saveOnceAfter<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Deliver all pending outbound messages and CDC events now; resolves when receivers answered. */
  flushDeliveries(): Promise<{ outbound: number; cdc: number; failed: number }>;
  /** Act as a human user in the Salesforce UI (CDC changeOrigin ''). */
  userCreate(objectType: SyncedObject, fields: Record<string, unknown>): Promise<string>;
  userUpdate(objectType: SyncedObject, id: string, fields: Record<string, unknown>): Promise<void>;
  userDelete(objectType: SyncedObject, id: string): Promise<void>;
  userUndelete(objectType: SyncedObject, id: string): Promise<void>;
  convertLead(
    leadId: string,
    options?: { contactId?: string },
  ): Promise<{ contactId: string; accountId: string }>;
  /** Merge as the UI does; an Account merge re-parents the losers' Contacts to the master. */
  merge(objectType: SyncedObject, masterId: string, loserIds: string[]): Promise<void>;
  emitGap(kind: GapKind, objectType: SyncedObject, ids: string[]): void;
  /** Add a User, as an admin does in Setup (the REST API cannot write Users here). Returns its id. */
  addUser(user: UserInput): string;
  /** Activate or deactivate a User; an inactive user cannot be given records. */
  setUserActive(userId: string, active: boolean): void;
  /** Add a lead queue (a Group of Type 'Queue', id 00G…). Returns its id. */
  addQueue(queue: QueueInput): string;
  reset(): void;
  seed(opts: { leads: number; contacts: number; seed?: number; overlapEmails?: string[] }): {
    leadIds: string[];
    contactIds: string[];
  };
  /** API calls per `METHOD /path-template`. */
  counters(): Record<string, number>;
  revokeToken(token: string): void;
  injectFault(fault: SalesforceFault): void;
  clearFaults(): void;
  /** Change delivery targets or the duplicate rule at run time. */
  configure(patch: {
    outboundUrl?: string | null;
    cdcUrl?: string | null;
    duplicateRuleOnEmail?: boolean;
  }): void;
  /** Read a record's current fields (any state), for assertions. */
  getRecord(id: string): Record<string, unknown> | undefined;
  /** Set the day's API usage (simulate a nearly spent allocation). */
  setApiUsage(used: number): void;
  /** Fail a Bulk API 2.0 query job still running (state `Failed`, as a query that times out there). */
  failBulkQueryJob(jobId: string): void;
}

/** Start a sandbox org. */
export async function startSalesforceSandbox(
  options: SalesforceSandboxOptions = {},
): Promise<SalesforceSandbox> {
  const now = options.now ?? Date.now;
  const orgId = options.orgId ?? '00D000000000062EAA';
  const store = new OrgStore({
    now,
    duplicateRuleOnEmail: options.duplicateRuleOnEmail ?? false,
    trackedFields: options.trackedFields,
  });
  const daily = new DailyCounter(options.dailyApiLimit ?? 100_000, now);
  const api = new RestApi({
    store,
    limits: { dailyApiLimit: () => daily.limit, dailyApiUsed: () => daily.used() },
    queryPageSize: options.queryPageSize ?? 2000,
    now,
    ...(options.bulkQueryPollsToComplete
      ? { bulkQueryPollsToComplete: options.bulkQueryPollsToComplete }
      : {}),
  });
  const faults: SalesforceFault[] = [];
  const dropped = (target: 'outbound' | 'cdc'): boolean => {
    const i = faults.findIndex(
      (f) => f.kind === 'drop-deliveries' && (f.target === target || f.target === 'both'),
    );
    const f = faults[i];
    if (f?.kind !== 'drop-deliveries') return false;
    if (f.count !== undefined && --f.count <= 0) faults.splice(i, 1);
    return true;
  };
  const delivery = {
    windowMs: options.deliveryWindowMs ?? 100,
    auto: options.autoDeliver ?? true,
  };
  const outbound = new OutboundMessenger({
    orgId,
    url: options.outboundUrl,
    now,
    ...delivery,
    dropped: () => dropped('outbound'),
  });
  const cdc = new CdcRelay({
    orgId,
    relayId: options.relayId ?? '0YLSB0000000001AAA',
    url: options.cdcUrl,
    now,
    ...delivery,
    dropped: () => dropped('cdc'),
  });
  const file = options.dataFile
    ? new StateFile<SalesforceSnapshot>(options.dataFile, () => ({
        ...store.snapshot(),
        outboundNextId: outbound.idCounter,
        owed: { outbound: outbound.unacknowledged(), cdc: cdc.unacknowledged() },
      }))
    : undefined;
  const saved = file?.load();
  if (saved) {
    store.load(saved);
    if (saved.outboundNextId) outbound.idCounter = saved.outboundNextId;
    outbound.requeue(saved.owed?.outbound ?? []);
    cdc.requeue(saved.owed?.cdc ?? []);
  }
  store.onCommit((t) => {
    file?.markDirty();
    outbound.onCommit(t);
    cdc.onCommit(t);
  });
  /** Saves what a change made outside a request (a UI user, seeding) did before it returns. */
  const saving = <T>(fn: () => T): T => {
    const out = fn();
    file?.markDirty();
    file?.save();
    return out;
  };
  const uiOrigin: WriteOrigin = { kind: 'ui', userId: UI_USER_ID };
  const inTxn = <T>(fn: (t: ReturnType<OrgStore['begin']>) => T): T => {
    const txn = store.begin(uiOrigin);
    try {
      const out = fn(txn);
      store.commit(txn);
      return out;
    } catch (err) {
      store.rollback(txn);
      throw err;
    }
  };

  let baseUrl = '';
  const sandbox: SalesforceSandbox = {
    url: '',
    port: 0,
    orgId,
    close: async () => {
      outbound.stop();
      cdc.stop();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
    flushDeliveries: async () => {
      const [o, c] = await Promise.all([outbound.flush(), cdc.flush()]);
      return { outbound: o.delivered, cdc: c.delivered, failed: o.failed + c.failed };
    },
    restored: saved !== undefined,
    saveOnceAfter: (fn) => (file ? file.deferring(fn) : fn()),
    userCreate: async (type, fields) => saving(() => inTxn((t) => store.create(t, type, fields))),
    userUpdate: async (type, id, fields) => saving(() => inTxn((t) => store.update(t, type, id, fields))),
    userDelete: async (type, id) => saving(() => inTxn((t) => store.delete(t, type, id))),
    userUndelete: async (type, id) => saving(() => inTxn((t) => store.undelete(t, type, id))),
    convertLead: async (leadId, opts) =>
      saving(() => inTxn((t) => store.convertLead(t, leadId, opts?.contactId))),
    merge: async (type, masterId, loserIds) =>
      saving(() => inTxn((t) => store.merge(t, type, masterId, loserIds))),
    emitGap: (kind, type, ids) => cdc.emitGap(kind, type, ids),
    addUser: (user) => saving(() => store.addUser(user)),
    setUserActive: (id, active) => saving(() => store.setUserActive(id, active)),
    addQueue: (queue) => saving(() => store.addQueue(queue)),
    reset: () => {
      saving(() => store.reset());
      api.reset();
      outbound.reset();
      cdc.reset();
      state.counters.clear();
      state.revoked.clear();
      faults.length = 0;
      daily.reset();
    },
    seed: (opts) => saving(() => seedOrg(store, opts)),
    counters: () => Object.fromEntries(state.counters),
    revokeToken: (token) => state.revoked.add(token),
    injectFault: (fault) => faults.push({ ...fault }),
    clearFaults: () => {
      faults.length = 0;
    },
    configure: (patch) => {
      if (patch.outboundUrl !== undefined) outbound.setUrl(patch.outboundUrl ?? undefined);
      if (patch.cdcUrl !== undefined) cdc.setUrl(patch.cdcUrl ?? undefined);
      if (patch.duplicateRuleOnEmail !== undefined)
        store.options.duplicateRuleOnEmail = patch.duplicateRuleOnEmail;
    },
    getRecord: (id) => {
      const r = store.get(id);
      return r ? { ...r.fields } : undefined;
    },
    setApiUsage: (used) => daily.setUsed(used),
    failBulkQueryJob: (jobId) => api.bulkQueries.fail(jobId),
  };

  const revoked = new Set<string>();
  const state: FrontState = {
    api,
    daily,
    revoked,
    oauth: { orgId, baseUrl: () => baseUrl, revoked, issued: [] },
    counters: new Map(),
    faults,
    rng: new Prng(7),
    control: (req, res, url) => handleControl(sandbox, req, res, url),
  };
  // Larger header cap than Node's 16 KB so over-long URIs reach our 414 check instead of a 431.
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void handleHttp(state, req, res);
  };
  // Changes are known from commits (markDirty above): no request is a write by itself.
  const server: Server = createServer(
    { maxHeaderSize: 64 * 1024 },
    file ? file.writeThrough(handler, () => false) : handler,
  );
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4102, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${addr.port}`;
  sandbox.url = baseUrl;
  sandbox.port = addr.port;
  outbound.setBaseUrl(baseUrl);
  return sandbox;
}

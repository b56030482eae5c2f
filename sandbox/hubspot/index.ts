import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HubSpotSandboxOptions, type Fault, type SeedOptions, resolveOptions } from './options.ts';
import { seedDemo } from './demo.ts';
import { oauthServer } from './oauth.ts';
import type { Owner, OwnerInput } from './owner-store.ts';
import { userActions } from './routes-control.ts';
import { createHandler } from './server.ts';
import { type HubSpotSnapshot, SandboxState } from './state.ts';
import { StateFile } from '../common/state-file.ts';

export type { Fault, HubSpotSandboxOptions, SeedOptions } from './options.ts';
export { DEMO_SEGMENT_NAME, demoSegmentRequest } from './demo.ts';
export { DEV_CLIENT_SECRET } from './options.ts';
export { ACCESS_TOKEN_TTL_SECONDS, DEV_CLIENT_ID } from './oauth.ts';
export { signV3 } from './webhook-signature.ts';
export type { WebhookEvent } from './webhooks.ts';
export type { Owner, OwnerInput } from './owner-store.ts';
export { ASSOCIATION_TYPES } from './association-store.ts';

/** A running HubSpot sandbox. */
export interface HubSpotSandbox {
  url: string;
  port: number;
  portalId: number;
  appId: number;
  clientSecret: string;
  /** True when the data came from `dataFile` (a restart), false when the sandbox started empty. */
  restored: boolean;
  /** Runs `fn` (seeding) and saves its changes once at the end instead of after each one. */
  saveOnceAfter<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Deliver every pending webhook event now (batches of <= 100) and resolve when the receiver answered. */
  flushWebhooks(): Promise<{ delivered: number; failed: number }>;
  /** Point webhook delivery somewhere else (undefined stops delivery). */
  setWebhookUrl(url: string | undefined): void;
  /** Act as a human user in the HubSpot UI (changeSource 'CRM_UI'). */
  userCreateContact(properties: Record<string, string>): Promise<string>;
  userUpdateContact(id: string, properties: Record<string, string | null>): Promise<void>;
  userMergeContacts(primaryId: string, mergedId: string): Promise<void>;
  userArchiveContact(id: string): Promise<void>;
  userRestoreContact(id: string): Promise<void>;
  userGdprDeleteContact(id: string): Promise<void>;
  /** Companies edited by a human in the HubSpot UI (changeSource 'CRM_UI'). */
  userCreateCompany(properties: Record<string, string>): Promise<string>;
  userUpdateCompany(id: string, properties: Record<string, string | null>): Promise<void>;
  userMergeCompanies(primaryId: string, mergedId: string): Promise<void>;
  userArchiveCompany(id: string): Promise<void>;
  /** Associate a contact with a company in the UI; `primary` makes it the contact's primary company. */
  userAssociate(contactId: string, companyId: string, primary?: boolean): Promise<void>;
  userRemoveAssociation(contactId: string, companyId: string): Promise<void>;
  /** Add a user with a seat (HubSpot's owners API is read-only); `archived` for a deactivated user. */
  addOwner(input: OwnerInput): Owner;
  /** Deactivate a user: the owner is then listed only with `archived=true`. */
  archiveOwner(id: string): void;
  /** Apply delayed DYNAMIC list evaluations now (when `listProcessingDelayMs` > 0). */
  processLists(): void;
  reset(): void;
  seed(opts: SeedOptions): string[];
  /** Seed N contacts and the demo DYNAMIC segment (lifecycle stage MQL or SQL); returns its list id. */
  seedDemo(contacts?: number, seed?: number): string;
  /** API calls per `METHOD /path-template`, plus `429 <policy>` counts. */
  counters(): Record<string, number>;
  /** Revoke an access token or an OAuth refresh token (the next call with it is refused). */
  revokeToken(token: string): void;
  /** Install the sandbox's OAuth app: its client id and secret and a new refresh token. */
  oauthInstall(): { clientId: string; clientSecret: string; refreshToken: string };
  injectFault(fault: Fault): void;
  clearFaults(): void;
}

/**
 * Start a local HubSpot API emulator that `@hubspot/api-client` uses unchanged with
 * `new Client({ accessToken, basePath: sandbox.url })`.
 */
export async function startHubSpotSandbox(options: HubSpotSandboxOptions = {}): Promise<HubSpotSandbox> {
  const opts = resolveOptions(options);
  const state = new SandboxState(opts);
  const file = options.dataFile
    ? new StateFile<HubSpotSnapshot>(options.dataFile, () => state.snapshot())
    : undefined;
  const saved = file?.load();
  if (saved) state.load(saved);
  /** Runs a change made outside a request (a user in the UI, seeding) and saves it before returning. */
  const saving = <T>(fn: () => T): T => {
    const out = fn();
    file?.markDirty();
    file?.save();
    return out;
  };
  // Every request but a read may change data; searches and batch reads are POSTs that change nothing.
  const handler = createHandler(state);
  const isWrite = (req: IncomingMessage) =>
    req.method !== 'GET' && req.method !== 'HEAD' && !/\/(search|batch\/read)(\?|$)/.test(req.url ?? '');
  const server = createServer(file ? file.writeThrough(handler, isWrite) : handler);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const user = userActions(state);
  const companyUser = userActions(state, state.companies);
  return {
    url: `http://${opts.host}:${port}`,
    port,
    portalId: opts.portalId,
    appId: opts.appId,
    clientSecret: opts.clientSecret,
    close: async () => {
      state.webhooks.close();
      state.lists.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    flushWebhooks: () => state.webhooks.flush(),
    setWebhookUrl: (url) => {
      state.webhooks.url = url;
      state.webhooks.deliverSoon();
    },
    restored: saved !== undefined,
    saveOnceAfter: (fn) => (file ? file.deferring(fn) : fn()),
    userCreateContact: async (p) => saving(() => user.create(p)),
    userUpdateContact: async (id, p) => saving(() => user.update(id, p)),
    userMergeContacts: async (a, b) => saving(() => user.merge(a, b)),
    userArchiveContact: async (id) => saving(() => user.archive(id)),
    userRestoreContact: async (id) => saving(() => user.restore(id)),
    userGdprDeleteContact: async (id) => saving(() => user.purge(id)),
    userCreateCompany: async (p) => saving(() => companyUser.create(p)),
    userUpdateCompany: async (id, p) => saving(() => companyUser.update(id, p)),
    userMergeCompanies: async (a, b) => saving(() => companyUser.merge(a, b)),
    userArchiveCompany: async (id) => saving(() => companyUser.archive(id)),
    userAssociate: async (contactId, companyId, primary = false) =>
      saving(() => state.associations.associate(contactId, companyId, primary, state.uiActor())),
    userRemoveAssociation: async (contactId, companyId) =>
      saving(() => state.associations.remove(contactId, companyId, state.uiActor())),
    addOwner: (input) => saving(() => state.owners.add(input)),
    archiveOwner: (id) => saving(() => state.owners.archive(id)),
    processLists: () => saving(() => state.lists.processPending()),
    reset: () => saving(() => state.reset()),
    seed: (o) => saving(() => state.seed(o)),
    seedDemo: (n = 200, seedValue = 42) => saving(() => seedDemo(state, n, seedValue)),
    counters: () => Object.fromEntries(state.counters),
    revokeToken: (t) => {
      state.revoked.add(t);
    },
    oauthInstall: () => oauthServer(state).install(),
    injectFault: (f) => state.faults.add(f),
    clearFaults: () => state.faults.clear(),
  };
}

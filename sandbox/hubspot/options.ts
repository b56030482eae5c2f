/** Options of `startHubSpotSandbox`. */
export interface HubSpotSandboxOptions {
  /** Default 4101; tests pass 0. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 62515. */
  portalId?: number;
  /** Default 1160452. */
  appId?: number;
  /** The app's client secret used to sign webhooks. */
  clientSecret?: string;
  /** Bearer tokens of the crmsync app: their changes show `changeSource: 'INTEGRATION'`, `sourceId: appId`. */
  appTokens?: string[];
  /** Defaults as for a Professional account: 190 per 10 s, 650,000/day, search 5/s. */
  limits?: { burstPer10s?: number; dailyLimit?: number; searchPerSecond?: number };
  /** Where to POST webhook batches (also settable via the control API). */
  webhookUrl?: string;
  /** Properties with a `contact.propertyChange` subscription; default every property. */
  webhookPropertyNames?: string[];
  /** Batching window for webhook events; default 100 ms. */
  webhookBatchWindowMs?: number;
  /** Concurrent webhook requests; HubSpot's limit is 10. */
  webhookConcurrency?: number;
  /** First retry delay; doubles per attempt. Default 1000 ms. */
  webhookRetryBaseMs?: number;
  /** Attempts before an event is given up; HubSpot retries up to 10 times. */
  webhookMaxAttempts?: number;
  /** Default 0: DYNAMIC lists re-evaluate synchronously on each change. */
  listProcessingDelayMs?: number;
  /** Clock injection for tests. */
  now?: () => number;
  /**
   * Keep the data in this file (written before each write request is answered) and start from it
   * when it exists; default: in memory only.
   */
  dataFile?: string;
}

/** A fault the control API can inject. */
export type Fault =
  | { kind: 'latency'; ms: number; pathPrefix?: string }
  | { kind: 'error-rate'; rate: number; status?: number; pathPrefix?: string; seed?: number }
  | {
      kind: '429-storm';
      count: number;
      policyName?: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';
      pathPrefix?: string;
    }
  | { kind: 'drop-webhooks'; count?: number; rate?: number; seed?: number };

/** Seeding options. */
export interface SeedOptions {
  contacts: number;
  seed?: number;
  /** Company email domains to draw from; share it with the Salesforce seed for overlapping emails. */
  emailDomainPool?: readonly string[];
  /** Fraction of contacts given a lifecycle stage MQL or SQL (default 0.3). */
  segmentRate?: number;
}

/** Resolved configuration. */
export interface ResolvedOptions {
  port: number;
  host: string;
  portalId: number;
  appId: number;
  clientSecret: string;
  appTokens: Set<string>;
  burstPer10s: number;
  dailyLimit: number;
  searchPerSecond: number;
  webhookUrl: string | undefined;
  webhookPropertyNames: string[] | undefined;
  webhookBatchWindowMs: number;
  webhookConcurrency: number;
  webhookRetryBaseMs: number;
  webhookMaxAttempts: number;
  listProcessingDelayMs: number;
  now: () => number;
}

/** Development client secret; never a real one. */
export const DEV_CLIENT_SECRET = 'sandbox-dev-client-secret-00000000';

/** Apply defaults. */
export function resolveOptions(o: HubSpotSandboxOptions = {}): ResolvedOptions {
  return {
    port: o.port ?? 4101,
    host: o.host ?? '127.0.0.1',
    portalId: o.portalId ?? 62515,
    appId: o.appId ?? 1160452,
    clientSecret: o.clientSecret ?? DEV_CLIENT_SECRET,
    appTokens: new Set(o.appTokens ?? []),
    // https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details (Professional: 190/10 s, 650k/day)
    burstPer10s: o.limits?.burstPer10s ?? 190,
    dailyLimit: o.limits?.dailyLimit ?? 650_000,
    searchPerSecond: o.limits?.searchPerSecond ?? 5,
    webhookUrl: o.webhookUrl,
    webhookPropertyNames: o.webhookPropertyNames,
    webhookBatchWindowMs: o.webhookBatchWindowMs ?? 100,
    webhookConcurrency: o.webhookConcurrency ?? 10,
    webhookRetryBaseMs: o.webhookRetryBaseMs ?? 1000,
    webhookMaxAttempts: o.webhookMaxAttempts ?? 10,
    listProcessingDelayMs: o.listProcessingDelayMs ?? 0,
    now: o.now ?? Date.now,
  };
}

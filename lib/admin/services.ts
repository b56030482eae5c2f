import type { SyncRule } from '../config.ts';
import type { Decision, HubSpotList, PairState, RuntimeSettings } from '../ports.ts';
import type { CompanyTrace } from './company-records.ts';
import type { FieldCatalog } from './fields.ts';
import type { ImportObject, ImportProgress } from './import-tracker.ts';

/**
 * The operator's API (`/api/*`) as services, whichever host serves them: the local stack's HTTP
 * server and the admin Lambda behind API Gateway build this one interface over their own pieces, and
 * `routes.ts` maps the same routes onto it (docs/design.md#operating).
 */
export interface AdminServices {
  status(): Promise<StatusReport>;
  /** The mapped fields with labels, and what the playground may edit (from the config's mappings). */
  fields(): FieldCatalog;
  /** A record's current values on both sides, its link, and its decision trace. */
  recordTrace(side: 'hubspot' | 'salesforce', id: string): Promise<RecordTrace | undefined>;
  /** A HubSpot company's or a Salesforce Account's values, link and decisions (C/O rule ids). */
  companyTrace(object: 'company' | 'account', id: string): Promise<CompanyTrace | undefined>;
  /** Finds records by email (either side) or id, and companies by domain or id, accounts by id. */
  searchRecords(query: string): Promise<RecordHit[]>;
  /** Queues one record for a sync through the normal path (gate, merge, budget): "sync now". */
  syncNow(side: 'hubspot' | 'salesforce', id: string): Promise<SyncNowReceipt>;
  /** Starts a resync of the segment (R5) unless one is running; returns its progress. */
  startResync(): Promise<ResyncProgress>;
  /** The Salesforce import (R7): start one (unless running) and read its progress. */
  import: {
    start(objects: ImportObject[]): Promise<ImportProgress>;
    progress(): Promise<ImportProgress>;
  };
  dlq: {
    list(max: number): Promise<DlqMessage[]>;
    /** Moves every DLQ message back to the changes queue; returns how many moved. */
    redrive(): Promise<number>;
  };
  segments: {
    /** Active (DYNAMIC) contact lists only: R1 says nothing else may be chosen. */
    listActive(): Promise<HubSpotList[]>;
    /** The chosen segment's list id, or null (R2). */
    current(): Promise<string | null>;
    /** Chooses the inclusion segment (null: everything syncs, R2). Loads membership, syncs nobody (R4). */
    select(listId: string | null): Promise<RuntimeSettings>;
    /** Creates a DYNAMIC list from "property is any of values" (the sandbox's segment tool). */
    create(input: { name: string; property: string; values: string[] }): Promise<HubSpotList>;
  };
  settings: {
    /** C1: turns company ⇄ account sync on or off at run time (stored; the config's value is the default). */
    setCompanySync(enabled: boolean): Promise<RuntimeSettings>;
  };
  /** The sandboxes' record editor: the local stack only (a deployed stack has no sandbox). */
  playground?: {
    /** A few contacts to pick from, with the editable fields. */
    samples(side: PlaygroundSide, limit: number): Promise<PlaygroundRecord[]>;
    /** Edits a sandbox record as a user would (attributed to a user, not to crmsync). */
    edit(side: PlaygroundSide, id: string, fields: Record<string, string>): Promise<PlaygroundRecord>;
  };
}

/** What "sync now" answers: the notice queued, whose id the record's decisions will carry. */
export interface SyncNowReceipt {
  side: 'hubspot' | 'salesforce';
  id: string;
  /** The queued notice's event id: the decision made for it carries it as `eventId`. */
  noticeId: string;
  queuedAt: number;
}

/** What the playground edits: a HubSpot contact, a Salesforce Lead/Contact, a company or an account (C7). */
export type PlaygroundSide = 'hubspot' | 'salesforce' | 'company' | 'account';

export interface PlaygroundRecord {
  side: 'hubspot' | 'salesforce';
  id: string;
  objectType: 'contact' | 'Lead' | 'Contact' | 'company' | 'Account';
  fields: Record<string, string | null>;
}

export interface RecordHit {
  side: 'hubspot' | 'salesforce';
  id: string;
  objectType: 'contact' | 'Lead' | 'Contact' | 'company' | 'Account';
  label: string;
  email: string | null;
}

export interface RecordTrace {
  side: 'hubspot' | 'salesforce';
  id: string;
  hubspot: { id: string; properties: Record<string, string | null> } | null;
  salesforce: { id: string; objectType: string; fields: Record<string, unknown> } | null;
  pair: PairState | null;
  inSegment: boolean | null;
  decisions: Decision[];
  /**
   * The mapped fields of the linked (or would-be) Salesforce object, each with both sides' values in
   * the processor's canonical form: the dashboard's playground watches these to tell when an edit
   * has reached the other side, whichever batch carried it.
   */
  fields?: TraceField[];
}

/** One mapped field of a record trace: its rule and both sides' canonical values. */
export interface TraceField {
  hubspot: string;
  salesforce: string;
  rule: SyncRule;
  hubspotValue: string | null;
  salesforceValue: string | null;
  /** Both canonical values are equal (blank equals blank); false when either value cannot be read. */
  inSync: boolean;
  /** Whether the value now on each side, edited there, would reach the other side under `rule`. */
  flowsFrom: Record<'hubspot' | 'salesforce', boolean>;
}

export interface ResyncProgress {
  running: boolean;
  startedAt: number | null;
  finishedAt: number | null;
  /** Members found so far / notices enqueued so far. */
  total: number;
  enqueued: number;
  /** Of the enqueued notices, how many the processor has finished (approximate, from the queue depth). */
  processed: number;
  error: string | null;
  /**
   * A resync run that paused or stopped (crash, restart) with its checkpoint in the store: it resumes
   * from there, not from the start. Absent when no run is unfinished.
   */
  checkpoint?: { run: string; startedAt: number; queued: number };
  /** Of `enqueued`, the accounts and the unlinked companies (C8), once the company half has run. */
  companies?: { accounts: number; companies: number };
}

export interface DlqMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number | null;
}

export interface CrmUsage {
  /** Calls today counted by crmsync's store (what the budget is enforced on). */
  today: number;
  /** The daily share crmsync may use: dailyLimit × dailyShare. */
  budget: number;
  dailyLimit: number;
  maxRequestsPer10s: number;
  /** Calls this process made since it started, 429 / REQUEST_LIMIT_EXCEEDED answers, and waits for a slot. */
  sinceStart: number;
  rateLimited: number;
  waits: number;
}

export interface StatusReport {
  mode: 'sandbox' | 'live';
  startedAt: number;
  urls: { dashboard: string; hubspot: string; salesforce: string };
  segment: {
    id: string;
    name: string | null;
    processingType: string | null;
    members: number;
    lastRefreshAt: number | null;
    loaded: boolean;
  } | null;
  settings: RuntimeSettings | null;
  stats: StatsSnapshot;
  apiUsage: { hubspot: CrmUsage; salesforce: CrmUsage };
  queue: { visible: number; inFlight: number; dlq: number };
  schedules: ScheduleState[];
  resync: ResyncProgress;
  /** Company ⇄ account sync: the C1 setting and how many company/account links exist (null: unknown). */
  companies: { enabled: boolean; links: number | null };
}

/** One point of the dashboard's latency / throughput chart. */
export interface StatsBucket {
  /** Bucket start, epoch ms. */
  t: number;
  /** Queue messages handed to the processor. */
  processed: number;
  /** Decisions with outcome `synced`. */
  synced: number;
  errors: number;
  /** Change-to-processed latency percentiles, ms (null when nothing measurable ended in the bucket). */
  p50: number | null;
  p95: number | null;
}

/** Live counters for the dashboard and `crmsync status`, since the stack started. */
export interface StatsSnapshot {
  since: number;
  decisions: Record<Decision['outcome'], number>;
  skippedByReason: Record<string, number>;
  errorsByCategory: { category: string; count: number; records: string[] }[];
  echoesSuppressed: number;
  intake: Record<string, number>;
  processedMessages: number;
  failedMessages: number;
  failedInvocations: number;
  latency: { p50: number | null; p95: number | null; samples: number };
  series: StatsBucket[];
  recent: Decision[];
}

/** What the dashboard shows about one schedule. */
export interface ScheduleState {
  name: string;
  expression: string;
  running: boolean;
  lastRunAt: number | null;
  lastDurationMs: number | null;
  lastError: string | null;
  nextRunAt: number | null;
  runs: number;
}

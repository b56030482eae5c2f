import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { salesforceObjectSchema, type CrmSide } from '../domain/notice.ts';
import { RetryableError, type SyncErrorCategory } from '../errors.ts';
import type {
  CompanyPair,
  Decision,
  DecisionCounts,
  MembershipChange,
  OwnerDirectory,
  PairState,
  RuntimeSettings,
  SyncErrorEntry,
  SyncStore,
} from '../ports.ts';
import * as decisionLog from './decision-log.ts';
import { batchGetAll, batchWriteAll } from './dynamo-batch.ts';
import { fromItem, keyOf, toItem } from './item-codec.ts';
import { LinkedPairs, type PairCodec, versionCondition } from './linked-pairs.ts';
import { epochSeconds, keys } from './store-keys.ts';

const origins = [
  'matched',
  'created-in-salesforce',
  'created-in-hubspot',
  'import',
  'auto-create',
] as const satisfies readonly PairState['origin'][];

const pairItemSchema = z.object({
  hubspotId: z.string(),
  salesforceId: z.string(),
  salesforceType: salesforceObjectSchema,
  snapshot: z.string(),
  version: z.number().int(),
  lastSyncedAt: z.number(),
  origin: z.enum(origins),
  emailOnly: z.boolean().optional(),
});
const snapshotSchema = z.record(z.string(), z.string().nullable());
const companyPairItemSchema = z.object({
  companyId: z.string(),
  accountId: z.string(),
  snapshot: z.string(),
  version: z.number().int(),
  lastSyncedAt: z.number(),
  origin: z.enum(['matched-by-contacts', 'created-in-hubspot', 'created-in-salesforce', 'import']),
});
const settingsItemSchema = z.object({
  inclusionSegmentId: z.string().nullable(),
  segmentSelectedAt: z.number().nullable(),
  segmentLoaded: z.boolean(),
  autoCreateFromLeads: z.boolean(),
  autoCreateFromContacts: z.boolean(),
  companiesEnabled: z.boolean().optional(),
  version: z.number().int(),
});
const ownerDirectorySchema = z.object({
  hubspotOwners: z.array(z.object({ id: z.string(), email: z.string().nullable(), archived: z.boolean() })),
  salesforceUsers: z.array(
    z.object({ id: z.string(), email: z.string().nullable(), isActive: z.boolean(), userType: z.string() }),
  ),
  refreshedAt: z.number(),
});
const membershipLogSchema = z.object({
  hubspotId: z.string(),
  change: z.enum(['joined', 'left']),
  at: z.number(),
});

export interface DynamoSyncStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Clock for the dashboard queries (feed, counts); tests pass a fixed one. */
  now?: () => number;
  /** How long processed event ids block a redelivery (default 7 days; SQS keeps messages 4 days by default). */
  eventRetentionDays?: number;
  /** How long decisions, counters and membership history are kept before TTL clean-up (default 90 days). */
  historyRetentionDays?: number;
  /** How many days back the activity feed looks (default 30). */
  feedMaxDays?: number;
}

/**
 * The SyncStore on one DynamoDB table (table-design.ts; item layout in docs/store.md).
 *
 * Every write is a single-item (conditional) write or a BatchWriteItem of independent items: no
 * transactions, because dynalite (the local stack) has none and because every multi-item change
 * here can be ordered so that a crash in between leaves a state readers tolerate. TTL only cleans
 * up; no reader depends on it.
 */
export class DynamoSyncStore implements SyncStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => number;
  readonly #eventRetentionSeconds: number;
  readonly #log: decisionLog.DecisionLogOptions;
  readonly #historyRetentionSeconds: number;
  readonly #feedMaxDays: number;
  readonly #pairs: LinkedPairs<PairState>;
  readonly #companyPairs: LinkedPairs<CompanyPair>;

  constructor(opts: DynamoSyncStoreOptions) {
    this.#client = opts.client;
    this.#table = opts.tableName;
    this.#now = opts.now ?? Date.now;
    this.#eventRetentionSeconds = (opts.eventRetentionDays ?? 7) * 86_400;
    this.#historyRetentionSeconds = (opts.historyRetentionDays ?? 90) * 86_400;
    this.#feedMaxDays = opts.feedMaxDays ?? 30;
    this.#pairs = new LinkedPairs(opts.client, opts.tableName, contactPairCodec);
    this.#companyPairs = new LinkedPairs(opts.client, opts.tableName, companyPairCodec);
    this.#log = {
      client: opts.client,
      tableName: opts.tableName,
      retentionDays: opts.historyRetentionDays ?? 90,
    };
  }

  // ───────────────────────────── links and snapshots ─────────────────────────────

  /** BatchGetItem of the pair items (100 per call, unprocessed keys retried). */
  getPairsByHubSpotIds(ids: string[]): Promise<Map<string, PairState>> {
    return this.#pairs.byHubSpotIds(ids);
  }

  /** The pairs linked to these Salesforce ids (a stale lookup left by a crash is ignored). */
  getPairsBySalesforceIds(ids: string[]): Promise<Map<string, PairState>> {
    return this.#pairs.bySalesforceIds(ids);
  }

  /** Conditional on `expectedVersion` (0: absent); links stay one-to-one (docs/store.md). */
  putPair(pair: PairState, expectedVersion: number): Promise<PairState> {
    return this.#pairs.put(pair, expectedVersion);
  }

  /** Deletes the pair if its version is `expectedVersion`, then its lookup (if it still points here). */
  deletePair(hubspotId: string, expectedVersion: number): Promise<void> {
    return this.#pairs.delete(hubspotId, expectedVersion);
  }

  // ───────────────────────────── company/account links (C3, C9) ─────────────────────────────

  /** Company/account pairs by HubSpot company id (100 per BatchGetItem). */
  getCompanyPairsByCompanyIds(ids: string[]): Promise<Map<string, CompanyPair>> {
    return this.#companyPairs.byHubSpotIds(ids);
  }

  /** Company/account pairs by Salesforce Account id. */
  getCompanyPairsByAccountIds(ids: string[]): Promise<Map<string, CompanyPair>> {
    return this.#companyPairs.bySalesforceIds(ids);
  }

  /** Conditional on `expectedVersion`, one-to-one like contact pairs. */
  putCompanyPair(pair: CompanyPair, expectedVersion: number): Promise<CompanyPair> {
    return this.#companyPairs.put(pair, expectedVersion);
  }

  deleteCompanyPair(companyId: string, expectedVersion: number): Promise<void> {
    return this.#companyPairs.delete(companyId, expectedVersion);
  }

  // ───────────────────────────── segment membership ─────────────────────────────

  async getMembers(listId: string, hubspotIds: string[]): Promise<Set<string>> {
    const items = await batchGetAll(
      this.#client,
      this.#table,
      hubspotIds.map((id) => keyOf(keys.member(listId, id))),
      { projection: ['hubspotId'] },
    );
    return new Set(items.map((item) => String(fromItem(item)['hubspotId'])));
  }

  async listMembers(listId: string): Promise<string[]> {
    const items = await decisionLog.queryAll(this.#log, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
      ExpressionAttributeValues: { ':pk': { S: keys.memberPartition(listId) }, ':m': { S: 'M#' } },
      ScanIndexForward: true,
    });
    return items.map((item) => String(fromItem(item)['hubspotId']));
  }

  /**
   * Diffs `memberIds` against the stored members and applies the difference with BatchWriteItem.
   * History items are written before the member items: a crash in between makes the next refresh
   * report the same transitions again (a duplicate join notice is harmless), never lose one.
   * `record: false` (the first load after a segment is chosen, R4) stores the members without
   * history and returns no transitions, so nobody is synced merely for being in the segment.
   * `beforeApply` (not called when `record` is false) runs between the two: when it throws, the
   * members are not stored and the same transitions are reported by the next refresh.
   */
  async replaceMembership(
    listId: string,
    memberIds: string[],
    options: { at: number; record?: boolean; beforeApply?: (changes: MembershipChange[]) => Promise<void> },
  ): Promise<MembershipChange[]> {
    const stored = new Set(await this.listMembers(listId));
    const wanted = new Set(memberIds);
    const changes: MembershipChange[] = [
      ...[...wanted]
        .filter((id) => !stored.has(id))
        .map((hubspotId) => ({ hubspotId, change: 'joined' as const, at: options.at })),
      ...[...stored]
        .filter((id) => !wanted.has(id))
        .map((hubspotId) => ({ hubspotId, change: 'left' as const, at: options.at })),
    ];
    if (changes.length === 0) return [];
    const record = options.record ?? true;
    if (record) {
      const expiresAt = epochSeconds(options.at) + this.#historyRetentionSeconds;
      const history: WriteRequest[] = changes.map((c) => ({
        PutRequest: {
          Item: {
            ...keyOf(keys.membershipChange(listId, c.at, c.hubspotId)),
            ...toItem({ hubspotId: c.hubspotId, change: c.change, at: c.at, expiresAt }),
          },
        },
      }));
      await batchWriteAll(this.#client, this.#table, history);
    }
    // e.g. queue the join notices: if that fails, nothing below is stored and the next refresh retries.
    if (record && options.beforeApply) await options.beforeApply(changes);
    const members: WriteRequest[] = changes.map((c) =>
      c.change === 'joined'
        ? {
            PutRequest: {
              Item: {
                ...keyOf(keys.member(listId, c.hubspotId)),
                ...toItem({ hubspotId: c.hubspotId, since: c.at }),
              },
            },
          }
        : { DeleteRequest: { Key: keyOf(keys.member(listId, c.hubspotId)) } },
    );
    await batchWriteAll(this.#client, this.#table, members);
    return record ? changes : [];
  }

  /** A list's recorded joins and leaves, newest first. */
  async listMembershipChanges(listId: string, limit = 100): Promise<MembershipChange[]> {
    const items = await decisionLog.queryAll(this.#log, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: keys.membershipLogPartition(listId) } },
      ScanIndexForward: false,
      limit,
    });
    return items.map((item) => membershipLogSchema.parse(fromItem(item)));
  }

  // ───────────────────────────── settings ─────────────────────────────

  async getSettings(): Promise<RuntimeSettings | undefined> {
    const res = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: keyOf(keys.settings()), ConsistentRead: true }),
    );
    return res.Item ? settingsItemSchema.parse(fromItem(res.Item)) : undefined;
  }

  /** Conditional on `expectedVersion` (0: none stored yet); returns the settings at the new version. */
  async putSettings(settings: RuntimeSettings, expectedVersion: number): Promise<RuntimeSettings> {
    const stored: RuntimeSettings = { ...settings, version: expectedVersion + 1 };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...keyOf(keys.settings()),
            ...toItem({
              inclusionSegmentId: stored.inclusionSegmentId,
              segmentSelectedAt: stored.segmentSelectedAt,
              segmentLoaded: stored.segmentLoaded,
              autoCreateFromLeads: stored.autoCreateFromLeads,
              autoCreateFromContacts: stored.autoCreateFromContacts,
              ...(stored.companiesEnabled === undefined ? {} : { companiesEnabled: stored.companiesEnabled }),
              version: stored.version,
            }),
          },
          ...versionCondition(expectedVersion),
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new RetryableError(
          `settings changed concurrently (expected version ${expectedVersion})`,
          'conflict',
          { cause: err },
        );
      }
      throw err;
    }
    return stored;
  }

  // ───────────────────────────── owner directory (O2, O3) ─────────────────────────────

  /** The cached owner directory, or undefined before its first refresh. */
  async getOwnerDirectory(): Promise<OwnerDirectory | undefined> {
    const res = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: keyOf(keys.ownerDirectory()), ConsistentRead: true }),
    );
    if (!res.Item) return undefined;
    return ownerDirectorySchema.parse(JSON.parse(String(fromItem(res.Item)['directory'])));
  }

  /**
   * Replaces the cached directory. Unconditional: every writer has just read both CRMs, so the last
   * write is as fresh as any. One item (≤ 400 KB) holds several thousand owners.
   */
  async putOwnerDirectory(directory: OwnerDirectory): Promise<void> {
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: { ...keyOf(keys.ownerDirectory()), ...toItem({ directory: JSON.stringify(directory) }) },
      }),
    );
  }

  // ───────────────────────────── idempotency ─────────────────────────────

  /**
   * Conditional put of the event id. An id whose `expiresAt` has passed counts as new even if TTL
   * has not deleted it yet (DynamoDB deletes expired items up to days late; dynalite never does).
   */
  async markEventProcessed(eventId: string, at: number): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...keyOf(keys.processedEvent(eventId)),
            ...toItem({ at, expiresAt: epochSeconds(at) + this.#eventRetentionSeconds }),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(epochSeconds(at)) } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Of `eventIds`, those already marked processed and not expired at `at` (BatchGetItem, 100 keys per
   * call): a redelivered notice is dropped before it costs a CRM read.
   */
  async filterProcessedEvents(eventIds: string[], at: number): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const items = await batchGetAll(
      this.#client,
      this.#table,
      eventIds.map((id) => keyOf(keys.processedEvent(id))),
      { projection: ['pk', 'expiresAt'] },
    );
    const now = epochSeconds(at);
    const prefix = keys.processedEvent('').pk;
    const seen = new Set<string>();
    for (const item of items) {
      const expiresAt = Number(item['expiresAt']?.N ?? 0);
      if (expiresAt >= now) seen.add(String(item['pk']?.S ?? '').slice(prefix.length));
    }
    return seen;
  }

  // ───────────────────────────── decisions ─────────────────────────────

  /** BatchWriteItem of the decision items and open-error changes, then one ADD per touched counter. */
  recordDecisions(decisions: Decision[]): Promise<void> {
    return decisionLog.recordDecisions(this.#log, decisions);
  }

  /** A record's decisions, newest first (default 50). */
  listDecisions(recordKey: string, limit = 50): Promise<Decision[]> {
    return decisionLog.listDecisions(this.#log, recordKey, limit);
  }

  /** The activity feed: newest decisions across all records (default 50). */
  recentDecisions(limit = 50): Promise<Decision[]> {
    return decisionLog.recentDecisions(this.#log, this.#now(), limit, this.#feedMaxDays);
  }

  /** Counts by outcome, reason and error category, from the UTC day of `sinceMs` through today. */
  countDecisions(sinceMs: number): Promise<DecisionCounts> {
    return decisionLog.countDecisions(this.#log, sinceMs, this.#now());
  }

  /** Records with an open sync error, sorted by category, optionally one category only. */
  listSyncErrors(options: { category?: SyncErrorCategory; limit?: number } = {}): Promise<SyncErrorEntry[]> {
    return decisionLog.listSyncErrors(this.#log, options);
  }

  // ───────────────────────────── API usage ─────────────────────────────

  /** Atomic ADD on the day's counter; returns the new total. */
  async addApiUsage(crm: CrmSide, day: string, calls: number): Promise<number> {
    const res = await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: keyOf(keys.apiUsage(crm, day)),
        UpdateExpression: 'ADD calls :n SET expiresAt = :exp',
        ExpressionAttributeValues: {
          ':n': { N: String(calls) },
          ':exp': { N: String(epochSeconds(Date.parse(`${day}T00:00:00Z`)) + this.#historyRetentionSeconds) },
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(res.Attributes?.['calls']?.N ?? 0);
  }

  async getApiUsage(crm: CrmSide, day: string): Promise<number> {
    const res = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: keyOf(keys.apiUsage(crm, day)),
        ConsistentRead: true,
      }),
    );
    return Number(res.Item?.['calls']?.N ?? 0);
  }

  // ───────────────────────────── cursors ─────────────────────────────

  async getCursor(name: string): Promise<number | undefined> {
    const res = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: keyOf(keys.cursor(name)), ConsistentRead: true }),
    );
    const value = res.Item?.['value']?.N;
    return value === undefined ? undefined : Number(value);
  }

  /** Conditional on the stored value being smaller, so two pollers racing never move it back. */
  async advanceCursor(name: string, value: number): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: keyOf(keys.cursor(name)),
          UpdateExpression: 'SET #v = :v',
          ConditionExpression: 'attribute_not_exists(#v) OR #v < :v',
          ExpressionAttributeNames: { '#v': 'value' },
          ExpressionAttributeValues: { ':v': { N: String(value) } },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

/** Contact pairs: `HS#<hubspotId>` / `SF#<salesforceId>` (docs/store.md). */
const contactPairCodec: PairCodec<PairState> = {
  labels: { hubspot: 'hubspot', salesforce: 'salesforce' },
  pairKey: keys.pair,
  lookupKey: keys.salesforceLink,
  lookupPrefix: 'SF#',
  hubspotAttribute: 'hubspotId',
  salesforceAttribute: 'salesforceId',
  hubspotIdOf: (pair) => pair.hubspotId,
  salesforceIdOf: (pair) => pair.salesforceId,
  encode: (pair) =>
    toItem({
      hubspotId: pair.hubspotId,
      salesforceId: pair.salesforceId,
      salesforceType: pair.salesforceType,
      snapshot: JSON.stringify(pair.snapshot),
      version: pair.version,
      lastSyncedAt: pair.lastSyncedAt,
      origin: pair.origin,
      emailOnly: pair.emailOnly,
    }),
  decode: (item) => {
    const p = pairItemSchema.parse(fromItem(item));
    const pair: PairState = {
      hubspotId: p.hubspotId,
      salesforceId: p.salesforceId,
      salesforceType: p.salesforceType,
      snapshot: snapshotSchema.parse(JSON.parse(p.snapshot)),
      version: p.version,
      lastSyncedAt: p.lastSyncedAt,
      origin: p.origin,
    };
    if (p.emailOnly !== undefined) pair.emailOnly = p.emailOnly;
    return pair;
  },
};

/** Company/account pairs: `CO#<companyId>` / `ACC#<accountId>` (docs/store.md). */
const companyPairCodec: PairCodec<CompanyPair> = {
  labels: { hubspot: 'company', salesforce: 'account' },
  pairKey: keys.companyPair,
  lookupKey: keys.accountLink,
  lookupPrefix: 'ACC#',
  hubspotAttribute: 'companyId',
  salesforceAttribute: 'accountId',
  hubspotIdOf: (pair) => pair.companyId,
  salesforceIdOf: (pair) => pair.accountId,
  encode: (pair) =>
    toItem({
      companyId: pair.companyId,
      accountId: pair.accountId,
      snapshot: JSON.stringify(pair.snapshot),
      version: pair.version,
      lastSyncedAt: pair.lastSyncedAt,
      origin: pair.origin,
    }),
  decode: (item) => {
    const p = companyPairItemSchema.parse(fromItem(item));
    return { ...p, snapshot: snapshotSchema.parse(JSON.parse(p.snapshot)) };
  },
};

import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { CrmSide } from '../domain/notice.ts';
import { RetryableError, type SyncErrorCategory } from '../errors.ts';
import type {
  CheckpointLease,
  CompanyPair,
  CreationIntent,
  Decision,
  DecisionCounts,
  MembershipChange,
  MembershipState,
  OwnerDirectory,
  PairState,
  RuntimeSettings,
  SyncErrorEntry,
  SyncStore,
} from '../ports.ts';
import * as companyStore from './company-store.ts';
import * as intentStore from './creation-intents.ts';
import * as decisionLog from './decision-log.ts';
import * as marks from './event-marks.ts';
import { MembershipStore } from './membership-store.ts';
import { PairStore } from './pair-store.ts';
import * as positions from './positions.ts';
import { fromItem, keyOf, toItem } from './item-codec.ts';
import { type LinkedPairs, versionCondition } from './linked-pairs.ts';
import { epochSeconds, keys } from './store-keys.ts';

const settingsItemSchema = z.object({
  inclusionSegmentId: z.string().nullable(),
  segmentSelectedAt: z.number().nullable(),
  segmentLoaded: z.boolean(),
  autoCreateFromLeads: z.boolean(),
  autoCreateFromContacts: z.boolean(),
  companiesEnabled: z.boolean().optional(),
  version: z.number().int(),
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
  readonly #members: MembershipStore;
  readonly #pairs: PairStore;
  readonly #companyPairs: LinkedPairs<CompanyPair>;
  readonly #o: positions.PositionsOptions;
  readonly #marks: marks.EventMarksOptions;

  constructor(opts: DynamoSyncStoreOptions) {
    this.#client = opts.client;
    this.#table = opts.tableName;
    this.#now = opts.now ?? Date.now;
    this.#eventRetentionSeconds = (opts.eventRetentionDays ?? 7) * 86_400;
    this.#historyRetentionSeconds = (opts.historyRetentionDays ?? 90) * 86_400;
    this.#feedMaxDays = opts.feedMaxDays ?? 30;
    this.#o = { client: opts.client, tableName: opts.tableName };
    this.#pairs = new PairStore({ client: opts.client, tableName: opts.tableName });
    this.#companyPairs = companyStore.companyPairs(opts.client, opts.tableName);
    this.#members = new MembershipStore({
      client: opts.client,
      tableName: opts.tableName,
      historyRetentionSeconds: this.#historyRetentionSeconds,
    });
    this.#marks = {
      client: opts.client,
      tableName: opts.tableName,
      retentionSeconds: this.#eventRetentionSeconds,
    };
    this.#log = { ...this.#o, retentionDays: opts.historyRetentionDays ?? 90 };
  }

  // ───────────────────────────── links and snapshots (pair-store.ts) ─────────────────────────────

  /** BatchGetItem of the pair items (100 per call, unprocessed keys retried). */
  getPairsByHubSpotIds(ids: string[]): Promise<Map<string, PairState>> {
    return this.#pairs.getPairsByHubSpotIds(ids);
  }

  /** The Salesforce-id lookups, then the pairs they point to; stale lookups are ignored. */
  getPairsBySalesforceIds(ids: string[]): Promise<Map<string, PairState>> {
    return this.#pairs.getPairsBySalesforceIds(ids);
  }

  /** Writes the pair when the stored version is `expectedVersion` (0: absent); returns it at the next version. */
  putPair(pair: PairState, expectedVersion: number): Promise<PairState> {
    return this.#pairs.putPair(pair, expectedVersion);
  }

  /** Removes a pair (conditional on its version) and releases its Salesforce-id lookup. */
  deletePair(hubspotId: string, expectedVersion: number): Promise<void> {
    return this.#pairs.deletePair(hubspotId, expectedVersion);
  }
  // Creation intents (creation-intents.ts; documented on the SyncStore port).
  putCreationIntents(intents: CreationIntent[]): Promise<void> {
    return intentStore.putCreationIntents(this.#o, intents);
  }
  getCreationIntents(recordKeys: string[]): Promise<Map<string, CreationIntent>> {
    return intentStore.getCreationIntents(this.#o, recordKeys);
  }
  deleteCreationIntents(recordKeys: string[]): Promise<void> {
    return intentStore.deleteCreationIntents(this.#o, recordKeys);
  }

  // ───────────── company/account links (C3, C9) and owner directory (O2, O3): company-store.ts ─────────────
  // (documented on the SyncStore port)
  getCompanyPairsByCompanyIds(ids: string[]): Promise<Map<string, CompanyPair>> {
    return this.#companyPairs.byHubSpotIds(ids);
  }

  getCompanyPairsByAccountIds(ids: string[]): Promise<Map<string, CompanyPair>> {
    return this.#companyPairs.bySalesforceIds(ids);
  }

  putCompanyPair(pair: CompanyPair, expectedVersion: number): Promise<CompanyPair> {
    return companyStore.putCompanyPair(this.#o, this.#companyPairs, pair, expectedVersion);
  }

  deleteCompanyPair(companyId: string, expectedVersion: number): Promise<void> {
    return companyStore.deleteCompanyPair(this.#o, this.#companyPairs, companyId, expectedVersion);
  }

  countCompanyLinks(): Promise<number> {
    return companyStore.countCompanyLinks(this.#o);
  }
  getOwnerDirectory(): Promise<OwnerDirectory | undefined> {
    return companyStore.getOwnerDirectory(this.#o);
  }
  putOwnerDirectory(directory: OwnerDirectory): Promise<void> {
    return companyStore.putOwnerDirectory(this.#o, directory);
  }

  // ───────────────────────────── segment membership (membership-store.ts) ─────────────────────────────

  getMembers(listId: string, hubspotIds: string[]): Promise<Set<string>> {
    return this.#members.getMembers(listId, hubspotIds);
  }

  listMembers(listId: string): Promise<string[]> {
    return this.#members.listMembers(listId);
  }

  /** One page of stored members, in key order, and where the next page starts. */
  async memberPage(listId: string, after?: string): Promise<{ hubspotIds: string[]; after?: string }> {
    const page = await this.#members.memberPage(listId, after);
    return { hubspotIds: page.members.map((m) => m.hubspotId), ...(page.after ? { after: page.after } : {}) };
  }

  /** The stored member count: one GetItem, never a read of the membership. */
  async countMembers(listId: string): Promise<number> {
    return (await this.#members.getState(listId))?.count ?? 0;
  }

  async getMembershipState(listId: string): Promise<MembershipState | undefined> {
    return this.#members.getState(listId);
  }

  async setJoinCursor(listId: string, cursor: string | null): Promise<void> {
    await this.#members.setState(listId, { joinCursor: cursor });
  }

  async setFilterProperties(listId: string, properties: string[]): Promise<void> {
    await this.#members.setState(listId, { filterProperties: properties });
  }

  /** Joins and leaves learned one by one (incremental refresh, the processor): history, members, count. */
  applyMembershipChanges(
    listId: string,
    changes: MembershipChange[],
    options: { record: boolean },
  ): Promise<void> {
    return this.#members.applyChanges(listId, changes, options.record);
  }

  /**
   * One page of a full reconciliation run: the ids HubSpot reported that were not members are joins;
   * they are recorded (when `record`) and handed to `beforeApply` (e.g. to queue their notices)
   * before any member item is written, then the whole page is stored as seen by `run`.
   */
  async reconcilePage(
    listId: string,
    run: string,
    hubspotIds: string[],
    options: { at: number; record: boolean; beforeApply?: (changes: MembershipChange[]) => Promise<void> },
  ): Promise<MembershipChange[]> {
    const joined = (await this.#members.newcomers(listId, hubspotIds)).map((hubspotId) => ({
      hubspotId,
      change: 'joined' as const,
      at: options.at,
    }));
    if (options.record && joined.length > 0) {
      await this.#members.recordHistory(listId, joined);
      await options.beforeApply?.(joined);
    }
    await this.#members.markSeen(listId, hubspotIds, run, options.at);
    return options.record ? joined : [];
  }

  /** The end of a reconciliation run: members `run` did not see have left; the count is set exactly. */
  async sweepMembership(
    listId: string,
    run: string,
    options: { at: number; record: boolean },
  ): Promise<{ members: number; left: MembershipChange[] }> {
    const left: MembershipChange[] = [];
    const result = await this.#members.sweep(listId, run, options.at, async (changes) => {
      if (options.record) await this.#members.recordHistory(listId, changes);
      // Only the count of leaves is kept in memory beyond a page when they are not recorded.
      if (options.record) left.push(...changes);
    });
    return { members: result.members, left };
  }

  /**
   * Replaces the stored membership with `memberIds` in one go (small lists, tests): a reconciliation
   * run over a single page. History before member items, so a crash reports the same transitions again.
   */
  replaceMembership(
    listId: string,
    memberIds: string[],
    options: { at: number; record?: boolean; beforeApply?: (changes: MembershipChange[]) => Promise<void> },
  ): Promise<MembershipChange[]> {
    return this.#members.replace(listId, memberIds, options);
  }

  /** A list's recorded joins and leaves, newest first. */
  listMembershipChanges(listId: string, limit = 100): Promise<MembershipChange[]> {
    return this.#members.listChanges(listId, limit);
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

  // ───────────────────────────── idempotency (event-marks.ts) ─────────────────────────────

  /** Conditional put of the event id; false when it was already processed (and not expired). */
  markEventProcessed(eventId: string, at: number): Promise<boolean> {
    return marks.markEventProcessed(this.#marks, eventId, at);
  }

  /** Marks many events processed with BatchWriteItem, 25 per call (no condition needed). */
  markEventsProcessed(eventIds: string[], at: number): Promise<void> {
    return marks.markEventsProcessed(this.#marks, eventIds, at);
  }

  /** Of `eventIds`, those already processed and not expired at `at` (BatchGetItem, 100 per call). */
  filterProcessedEvents(eventIds: string[], at: number): Promise<Set<string>> {
    return marks.filterProcessedEvents(this.#marks, eventIds, at);
  }

  // ───────────────────────────── checkpoints and cursors (positions.ts) ─────────────────────────────
  /** A long job's checkpoint (JSON), or undefined when none is stored. */
  getCheckpoint(name: string): Promise<Record<string, unknown> | undefined> {
    return positions.getCheckpoint(this.#o, name);
  }

  /** Stores a job's checkpoint; `null` removes it; with a `lease`, only while no other holder's is live. */
  putCheckpoint(name: string, value: Record<string, unknown> | null, lease?: CheckpointLease): Promise<void> {
    return positions.putCheckpoint(this.#o, name, value, lease);
  }

  getCursor(name: string): Promise<number | undefined> {
    return positions.getCursor(this.#o, name);
  }

  /** Conditional on the stored value being smaller, so two pollers racing never move it back. */
  advanceCursor(name: string, value: number): Promise<void> {
    return positions.advanceCursor(this.#o, name, value);
  }

  // ───────────────────────────── decisions ─────────────────────────────

  /** BatchWriteItem of the decision items and open-error changes, then one ADD per touched counter. */
  recordDecisions(decisions: Decision[]): Promise<void> {
    return decisionLog.recordDecisions(this.#log, decisions);
  }

  /** A record's decisions, newest first (default 50), optionally only some outcomes. */
  listDecisions(
    recordKey: string,
    limit = 50,
    filter: { outcomes?: readonly Decision['outcome'][] } = {},
  ): Promise<Decision[]> {
    return decisionLog.listDecisions(this.#log, recordKey, limit, filter.outcomes);
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
}

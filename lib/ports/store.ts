/** The store port: pairs, intents, membership, decisions, errors (docs/design.md#ports-and-adapters). */
import type {
  CompanyPair,
  Decision,
  MembershipChange,
  OwnerDirectory,
  PairState,
  RuntimeSettings,
  SyncErrorCategory,
} from '../domain/entities.ts';
import type { CrmSide } from '../domain/notice.ts';
import type { PlannedIntent } from '../domain/plan/types.ts';

/**
 * A counterpart crmsync is about to create for `recordKey` (`hubspot:<id>` / `salesforce:<id>`):
 * the new pair's snapshot (what the create writes, canonical), when the intent was written (epoch ms,
 * the processor's clock), and for a first link by email rather than a create (`hubspot:<id>` only)
 * the link's intent — a retry after its write responses were lost tells, per field, whether the write
 * landed (docs/design.md#late-first-link; docs/reliability.md, findings 17 and 21).
 */
export interface CreationIntent extends PlannedIntent {
  recordKey: string;
}

/**
 * Who runs a long job now (docs/design.md#resync-lease): `holder` (one invocation's id) until `until`
 * (epoch ms; renewed with every checkpoint; `until <= now` releases it), judged at `now`.
 */
export interface CheckpointLease {
  holder: string;
  until: number;
  now: number;
}

export interface SyncStore {
  // links and snapshots
  getPairsByHubSpotIds(ids: string[]): Promise<Map<string, PairState>>;
  getPairsBySalesforceIds(ids: string[]): Promise<Map<string, PairState>>;
  /**
   * Writes a pair if its stored version equals `expectedVersion` (0: must not exist). Also maintains
   * the Salesforce-id lookup. Rejects with a RetryableError on a version conflict.
   */
  putPair(pair: PairState, expectedVersion: number): Promise<PairState>;
  /** Removes a pair (merge re-pointing moves a link; the loser's entry goes). */
  deletePair(hubspotId: string, expectedVersion: number): Promise<void>;
  /**
   * Write-ahead of creates (docs/design.md#lost-create-response): what crmsync is about to create for
   * each record, stored before the create call, read back by a retry after a lost create response,
   * removed once the new pair is committed.
   */
  putCreationIntents(intents: CreationIntent[]): Promise<void>;
  getCreationIntents(recordKeys: string[]): Promise<Map<string, CreationIntent>>;
  deleteCreationIntents(recordKeys: string[]): Promise<void>;

  // company/account links (C3, C9): one-to-one, versioned like contact pairs
  getCompanyPairsByCompanyIds(ids: string[]): Promise<Map<string, CompanyPair>>;
  getCompanyPairsByAccountIds(ids: string[]): Promise<Map<string, CompanyPair>>;
  /**
   * Writes a company pair if its stored version equals `expectedVersion` (0: must not exist); an
   * account already linked to another company is refused (PermanentSyncError `duplicate`).
   */
  putCompanyPair(pair: CompanyPair, expectedVersion: number): Promise<CompanyPair>;
  deleteCompanyPair(companyId: string, expectedVersion: number): Promise<void>;
  /** How many company/account links exist (a kept count, for the status; optional for test fakes). */
  countCompanyLinks?(): Promise<number>;

  // owner directory (O2, O3)
  /** The cached HubSpot owners and Salesforce users, or undefined before the first refresh. */
  getOwnerDirectory(): Promise<OwnerDirectory | undefined>;
  putOwnerDirectory(directory: OwnerDirectory): Promise<void>;

  // segment membership
  /** Current members among the given ids, for the given list. */
  getMembers(listId: string, hubspotIds: string[]): Promise<Set<string>>;
  /**
   * Replaces the stored membership of a list with `memberIds`, returning joins and leaves.
   * `record` false (first load after selection, R4) stores without reporting transitions as joins.
   * `beforeApply` runs after the transitions are known and before the members are stored (e.g. to
   * queue the join notices): if it throws, the membership is left as it was, so the next refresh
   * reports the same transitions again instead of losing them.
   */
  replaceMembership(
    listId: string,
    memberIds: string[],
    options: { at: number; record?: boolean; beforeApply?: (changes: MembershipChange[]) => Promise<void> },
  ): Promise<MembershipChange[]>;
  /** Every stored member (reads the whole membership: small lists and tests only; stream with `memberPage`). */
  listMembers(listId: string): Promise<string[]>;
  /** One page of stored members in key order, and where the next page starts. */
  memberPage(listId: string, after?: string): Promise<{ hubspotIds: string[]; after?: string }>;
  /** The stored member count (one read; never the membership itself). */
  countMembers(listId: string): Promise<number>;
  /** Count, incremental-refresh cursor and last full reconciliation of a list. */
  getMembershipState(listId: string): Promise<MembershipState | undefined>;
  /** Where the next incremental refresh reads the join order from; null: from the start. */
  setJoinCursor(listId: string, cursor: string | null): Promise<void>;
  /** The properties the list filters on (the processor confirms membership only when one changed). */
  setFilterProperties(listId: string, properties: string[]): Promise<void>;
  /** Joins and leaves learned one by one (incremental refresh, the processor): history when `record`, members, count. */
  applyMembershipChanges(
    listId: string,
    changes: MembershipChange[],
    options: { record: boolean },
  ): Promise<void>;
  /**
   * One page of a full reconciliation run `run`: ids that were not members are joins, recorded and
   * passed to `beforeApply` (when `record`) before the page is stored as seen by the run.
   */
  reconcilePage(
    listId: string,
    run: string,
    hubspotIds: string[],
    options: { at: number; record: boolean; beforeApply?: (changes: MembershipChange[]) => Promise<void> },
  ): Promise<MembershipChange[]>;
  /** Ends a reconciliation run: members the run did not see have left; the count is set exactly. */
  sweepMembership(
    listId: string,
    run: string,
    options: { at: number; record: boolean },
  ): Promise<{ members: number; left: MembershipChange[] }>;

  // settings
  getSettings(): Promise<RuntimeSettings | undefined>;
  putSettings(settings: RuntimeSettings, expectedVersion: number): Promise<RuntimeSettings>;

  // idempotency
  /** Marks an event processed; false when it was already (a duplicate delivery). */
  markEventProcessed(eventId: string, at: number): Promise<boolean>;
  /** Marks many events processed in batches (BatchWriteItem, 25 per call): no duplicate check. */
  markEventsProcessed(eventIds: string[], at: number): Promise<void>;
  /**
   * Of `eventIds`, those already marked processed (and not expired at `at`), so a redelivered notice
   * costs no CRM read. Optional: without it a redelivery is still harmless (the processor re-reads and
   * the three-way merge finds nothing to do), only dearer.
   */
  filterProcessedEvents?(eventIds: string[], at: number): Promise<Set<string>>;

  // decisions
  recordDecisions(decisions: Decision[]): Promise<void>;
  /**
   * A record's decisions, newest first. `outcomes` keeps only those outcomes, so a trace flooded with
   * `received` entries (retries of a long outage) still shows its older links and merges.
   */
  listDecisions(
    recordKey: string,
    limit?: number,
    filter?: { outcomes?: readonly Decision['outcome'][] },
  ): Promise<Decision[]>;

  // API usage
  addApiUsage(crm: CrmSide, day: string, calls: number): Promise<number>;
  getApiUsage(crm: CrmSide, day: string): Promise<number>;

  // cursors
  /** A named position, e.g. the last `hs_lastmodifieddate` the poller saw; undefined when never set. */
  getCursor(name: string): Promise<number | undefined>;
  /** Moves a cursor forward only: a smaller value than the stored one is ignored (no lost window). */
  advanceCursor(name: string, value: number): Promise<void>;

  // long jobs
  /** A long job's checkpoint (a resync run's cursor and counts), or undefined. */
  getCheckpoint(name: string): Promise<Record<string, unknown> | undefined>;
  /**
   * Stores a job's checkpoint; null removes it. With a `lease`, the write happens only while no other
   * holder's lease is live (else `CheckpointLeaseError`), and the item then carries this lease.
   */
  putCheckpoint(name: string, value: Record<string, unknown> | null, lease?: CheckpointLease): Promise<void>;

  // dashboard queries (optional: a test fake may leave them out; the DynamoDB store has them all)
  /** Decision counts by outcome, skip reason and error category, per UTC day from `sinceMs`'s day to today. */
  countDecisions?(sinceMs: number): Promise<DecisionCounts>;
  /** The newest decisions across all records (the activity feed), newest first. */
  recentDecisions?(limit: number): Promise<Decision[]>;
  /** Records whose latest decision is a sync error, sorted by category (HubSpot's sync-errors page). */
  listSyncErrors?(options?: { category?: SyncErrorCategory; limit?: number }): Promise<SyncErrorEntry[]>;
  /** A list's recorded joins and leaves, newest first. */
  listMembershipChanges?(listId: string, limit?: number): Promise<MembershipChange[]>;
}

/** A list's membership bookkeeping in the store. */
export interface MembershipState {
  /** Stored members: exact after a full reconciliation, moved by each join and leave in between. */
  count: number;
  /** The join-order page token the incremental refresh reads from (absent: from the start). */
  joinCursor?: string;
  /** When the last full reconciliation finished (epoch ms). */
  reconciledAt?: number;
  /** The contact properties the list filters on, as the last refresh saw them. */
  filterProperties?: string[];
}

/** Decision counts summed from per-day counters (days are UTC). */
export interface DecisionCounts {
  fromDay: string;
  toDay: string;
  byOutcome: Record<string, number>;
  /** Skip / no-op reason codes, e.g. `not-in-segment` (reasons that name records are not counted). */
  byReason: Record<string, number>;
  /** Sync errors by category. */
  byCategory: Record<string, number>;
}

/** A record with an open sync error: its latest decision was `error`. */
export interface SyncErrorEntry {
  recordKey: string;
  category: SyncErrorCategory;
  message: string;
  at: number;
  eventId?: string;
}

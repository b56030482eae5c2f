/**
 * The ports of crmsync (docs/design.md#ports-and-adapters). The engine in `lib/sync` talks only to these;
 * adapters implement them over SQS, DynamoDB, `@hubspot/api-client` and `jsforce`, and take their
 * clients in the constructor. The local stack runs the same adapters against in-process stand-ins.
 */
import type {
  CompanyPair,
  Decision,
  FieldValues,
  HubSpotCompany,
  HubSpotContact,
  HubSpotList,
  HubSpotOwner,
  MembershipChange,
  OwnerDirectory,
  PairState,
  RuntimeSettings,
  SalesforceAccount,
  SalesforceRecord,
  SalesforceUser,
  SyncErrorCategory,
} from './domain/entities.ts';
import type { ChangeNotice, CrmSide, SalesforceObject } from './domain/notice.ts';

// The domain owns its entity types; re-exported so adapters and the engine can keep importing ports.
export type * from './domain/entities.ts';

// ───────────────────────────── queue ─────────────────────────────

/** The changes queue (SQS in AWS, the local SQS of lib/local/sqs-server.ts locally). */
export interface ChangeQueue {
  /**
   * Durably enqueues notices (SQS SendMessageBatch, 10 per call). Resolves only when every notice is
   * queued; otherwise rejects with a RetryableError naming how many were not queued, so an intake
   * handler answers 5xx and the CRM retries. Nothing is acknowledged that was not queued.
   */
  send(notices: ChangeNotice[]): Promise<void>;
}

// ───────────────────────────── CRMs ─────────────────────────────

/** The outcome of one input of a batch write, mapped back by `ref` (our correlation key). */
export type WriteOutcome =
  | { ref: string; ok: true; id: string }
  | { ref: string; ok: false; category: SyncErrorCategory; message: string; retryable: boolean };

export interface HubSpotPort {
  /**
   * Batch read by id (100 per call). Missing or archived ids are simply absent from the result.
   * `withHistory` also fills `propertyChangedAt` (propertiesWithHistory: HubSpot allows 50 per call then).
   */
  readContacts(
    ids: string[],
    properties: string[],
    options?: { withHistory?: boolean },
  ): Promise<HubSpotContact[]>;
  /** Batch read by `email` as idProperty (100 per call); emails are compared normalized. */
  findContactsByEmail(emails: string[], properties: string[]): Promise<HubSpotContact[]>;
  /** Batch create (100 per call); per-input errors come back as outcomes, not exceptions. */
  createContacts(inputs: { ref: string; properties: Record<string, string> }[]): Promise<WriteOutcome[]>;
  /** Batch update (100 per call). */
  updateContacts(
    inputs: { ref: string; id: string; properties: Record<string, string> }[],
  ): Promise<WriteOutcome[]>;
  /** Batch archive (100 per call), for the `propagate` delete policy. */
  archiveContacts(ids: string[]): Promise<void>;
  /** One list by id, or undefined when it does not exist. */
  getList(listId: string): Promise<HubSpotList | undefined>;
  /** Contact lists, for choosing a segment (the caller filters on processingType). */
  searchLists(query?: string): Promise<HubSpotList[]>;
  /** Creates a DYNAMIC contact list from a simple property filter (the "create a segment" link). */
  createDynamicList(
    name: string,
    filter: { property: string; operator: 'IS_ANY_OF'; values: string[] },
  ): Promise<HubSpotList>;
  /** One page (up to 250) of a list's member record ids. */
  listMemberships(listId: string, after?: string): Promise<{ recordIds: string[]; after?: string }>;
  /**
   * One page (up to 250) of a list's members in join order, oldest first, after the position `after`
   * (a token from an earlier page). The incremental refresh reads only the newest page or two.
   */
  joinOrderPage(listId: string, after?: string): Promise<{ recordIds: string[]; after?: string }>;
  /** The lists each contact belongs to now (memberships/batch/read, 100 contacts per call). */
  readListMemberships(recordIds: string[]): Promise<Map<string, string[]>>;
  /** One page (up to 100) of all contacts, for resync with no segment (R2) and polling. */
  listContacts(properties: string[], after?: string): Promise<{ contacts: HubSpotContact[]; after?: string }>;
  /**
   * One page (200) of a polling search on `hs_lastmodifieddate`. HubSpot answers at most 10,000
   * results per query: when more match, the page that reaches the cap comes back with `capped: true`
   * and no `after`, and the caller narrows the query instead of paging on.
   */
  searchModified(
    query: ModifiedContactsQuery,
    properties: string[],
    after?: string,
  ): Promise<ModifiedContactsPage>;

  // companies (C2, C7), associations v4 (C3 b, C4, C6), owners v3 (O1–O5)
  /** Companies batch read by id (100 per call, 50 with history); missing or archived ids are absent. */
  readCompanies(
    ids: string[],
    properties: string[],
    options?: { withHistory?: boolean },
  ): Promise<HubSpotCompany[]>;
  /** Companies batch create (100 per call); per-input outcomes. */
  createCompanies(inputs: { ref: string; properties: Record<string, string> }[]): Promise<WriteOutcome[]>;
  /** Companies batch update (100 per call). */
  updateCompanies(
    inputs: { ref: string; id: string; properties: Record<string, string> }[],
  ): Promise<WriteOutcome[]>;
  /**
   * Live companies whose `salesforceaccountid` names one of these accounts (search, 100 ids per call):
   * crmsync stamps it on the companies it creates (C2), so a lost create response is found again.
   */
  findCompaniesByAccountIds(accountIds: string[], properties: string[]): Promise<HubSpotCompany[]>;
  /** Companies batch archive (100 per call): a company crmsync created and must take back (a lost creation race). */
  archiveCompanies(ids: string[]): Promise<void>;
  /** Each contact's companies, primary flagged (associations v4 batch read, 1,000 per call, all pages). */
  readContactCompanies(contactIds: string[]): Promise<Map<string, CompanyAssociation[]>>;
  /** Each company's contact ids (associations v4 batch read, 1,000 per call, all pages). */
  readCompanyContacts(companyIds: string[]): Promise<Map<string, string[]>>;
  /** Makes each company its contact's primary (type 1; 2,000 per call); HubSpot demotes the old primary. */
  setPrimaryCompanies(links: { contactId: string; companyId: string }[]): Promise<void>;
  /** Removes the primary label only (2,000 per call): the company stays associated, unlabeled (279). */
  demotePrimaryCompanies(links: { contactId: string; companyId: string }[]): Promise<void>;
  /** Every owner, active and archived (owners v3 is read-only: owners are assigned by id, never created). */
  listOwners(): Promise<HubSpotOwner[]>;
  /** One page (100) of all company ids, for the company resync (C8). */
  companyIdPage(after?: string): Promise<{ ids: string[]; after?: string }>;
  /** Companies whose `domain` is `domain` (one search call): the record trace only; sync never matches by domain (C3). */
  findCompaniesByDomain(domain: string, properties: string[]): Promise<HubSpotCompany[]>;
}

/** A contact's association to a company, and whether it is the primary one (C6). */
export interface CompanyAssociation {
  companyId: string;
  primary: boolean;
}

/**
 * Which contacts a polling search asks for: modified after an instant (oldest first), or modified at
 * exactly one instant with an id above `idAfter` (by id ascending), to page through more contacts
 * sharing one modification time than one query can return.
 */
export type ModifiedContactsQuery = { modifiedAfter: number } | { modifiedAt: number; idAfter?: string };

/** A page of {@link HubSpotPort.searchModified}. */
export interface ModifiedContactsPage {
  contacts: HubSpotContact[];
  /** The next page of the same query. */
  after?: string;
  /** The query has more results than HubSpot pages through (10,000): narrow it to see the rest. */
  capped?: true;
}

export interface SalesforcePort {
  /** Reads records by id with SOQL `Id IN (...)` (one query per object, paged with queryMore). */
  readRecords(objectType: SalesforceObject, ids: string[], fields: string[]): Promise<SalesforceRecord[]>;
  /**
   * Optional: Leads and Contacts by id in one API call (Composite with query subrequests), same
   * records as `readRecords` per object. Use it when a batch has both, to save a call.
   */
  readRecordsByObject?(
    requests: Partial<Record<SalesforceObject, { ids: string[]; fields: string[] }>>,
  ): Promise<SalesforceRecord[]>;
  /** Finds Leads and Contacts by normalized email (SOQL `Email IN (...)`). Converted leads excluded. */
  findByEmail(
    emails: string[],
    fieldsByObject: Record<SalesforceObject, string[]>,
  ): Promise<SalesforceRecord[]>;
  /** sObject Collections create (200 per call, allOrNone false), with Sforce-Call-Options; Accounts too (C4). */
  createRecords(
    objectType: SalesforceObject | 'Account',
    inputs: { ref: string; fields: FieldValues }[],
  ): Promise<WriteOutcome[]>;
  /** sObject Collections update (200 per call, allOrNone false), with Sforce-Call-Options; Accounts too (C7, C6 AccountId). */
  updateRecords(
    objectType: SalesforceObject | 'Account',
    inputs: { ref: string; id: string; fields: FieldValues }[],
  ): Promise<WriteOutcome[]>;
  /** Accounts by id (SOQL `Id IN`, `/queryAll`: a merged-away account carries `masterRecordId`, C9). */
  readAccounts(ids: string[], fields: string[]): Promise<SalesforceAccount[]>;
  /** The Contacts of these accounts (SOQL `AccountId IN`), for C3 (b). */
  readAccountContacts(accountIds: string[]): Promise<{ id: string; accountId: string }[]>;
  /** One page of all Account ids (SOQL, then `queryMore` with the locator `after`), for resync and import (C8). */
  accountIdPage(after?: string): Promise<{ ids: string[]; after?: string }>;
  /** Every User (Email, IsActive, UserType) for the owner directory (O2, O3). */
  listUsers(): Promise<SalesforceUser[]>;
  /**
   * The Id of the Salesforce user the session runs as (the integration user): every record crmsync
   * creates has it as `CreatedById`. Read once (`/services/oauth2/userinfo`) and cached.
   */
  integrationUserId(): Promise<string>;
  /** sObject Collections delete, for the `propagate` delete policy. */
  deleteRecords(ids: string[]): Promise<void>;
  /**
   * Pages through all records of an object (import, polling); `after` is the query locator. With
   * `afterId` the query is ordered by Id and starts after that Id: a position that, unlike a query
   * locator (which expires), can be stored and resumed from any time later (a long import). A first
   * page (no `after`) tells the query's `total` (SOQL totalSize), when the API says it.
   */
  queryPage(
    objectType: SalesforceObject,
    fields: string[],
    options: { modifiedSinceMs?: number; after?: string; afterId?: string | null },
  ): Promise<{ records: SalesforceRecord[]; after?: string; total?: number }>;
  /**
   * Optional: the records `queryPage` with `afterId` reads (ordered by Id, same shapes), through a Bulk
   * API 2.0 query job. Without `cursor` it creates the job, tells `onCreated` its cursor (store it: a
   * crash while the job runs then resumes it), polls it (backing off, bounded, each poll reported to
   * `onPoll`) and answers the first result set; with a cursor, the set it names (no locator: the
   * first, polling the job until complete). The answer's `cursor` (storable: it stays valid while the
   * job lives) names the next set; none at the end. Throws BulkQueryUnavailableError when the job
   * failed, was aborted, took too long or no longer exists.
   */
  bulkQueryPage?(
    objectType: SalesforceObject,
    fields: string[],
    options: { afterId?: string | null } & BulkPageHooks,
  ): Promise<{ records: SalesforceRecord[]; cursor?: BulkCursor }>;
  /** Optional: how many Accounts have an Id above `afterId` (SOQL `SELECT COUNT()`, one call). */
  countAccounts?(afterId: string | null): Promise<number>;
  /**
   * Optional: the Account ids `accountIdPage` pages through (by Id, after `afterId`), through a Bulk
   * API 2.0 query job, one result set per call, like `bulkQueryPage`.
   */
  bulkAccountIdPage?(
    options: { afterId: string | null } & BulkPageHooks,
  ): Promise<{ ids: string[]; cursor?: BulkCursor }>;
}

/** A position in a Bulk API 2.0 query job's results: the job and the result set's locator (null: the first). */
export interface BulkCursor {
  jobId: string;
  locator: string | null;
}

/** Where a Bulk page read goes on, and who hears of the job's creation and polls. */
export interface BulkPageHooks {
  cursor?: BulkCursor;
  /** Awaited after each status poll (a long job: the caller can store a heartbeat). */
  onPoll?: (p: BulkPollProgress) => void | Promise<void>;
  onCreated?: (cursor: BulkCursor) => Promise<void>;
}

/** One status poll of a Bulk API 2.0 query job, for progress output. */
export interface BulkPollProgress {
  jobId: string;
  state: string;
  polls: number;
  waitedMs: number;
}

// ───────────────────────────── store ─────────────────────────────

/** A counterpart crmsync is about to create for `recordKey` (`hubspot:<id>` / `salesforce:<id>`). */
export interface CreationIntent {
  recordKey: string;
  /** The new pair's snapshot: what the create writes, canonical (the pair it would commit). */
  snapshot: Record<string, string | null>;
  /** When the intent was written (epoch ms, the processor's clock). */
  at: number;
  /**
   * A first link by email rather than a create (`hubspot:<id>` only): the Salesforce record matched,
   * and the HubSpot properties / Salesforce fields the link's first sync writes. A retry after its
   * write responses were lost tells, per field, whether the write landed (docs/design.md#late-first-link).
   * `base`: the snapshot the link's first sync merged from when it had one (a late link of a record
   * crmsync created: its creation's values); a field whose write did not land merges from it again.
   */
  link?: {
    salesforceId: string;
    hubspot: string[];
    salesforce: string[];
    base?: Record<string, string | null>;
  };
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
  listDecisions(recordKey: string, limit?: number): Promise<Decision[]>;

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

// ───────────────────────────── long jobs ─────────────────────────────

/** The long jobs an operator starts: resync (R5) and the Salesforce import (R7). */
export type JobKind = 'resync' | 'import';

/** A job's saved state: whether a run holds it, when it last reported, and its progress (JSON). */
export interface JobRecord {
  running: boolean;
  heartbeatAt: number;
  progress: unknown;
}

/**
 * Progress of the long jobs, shared between the admin API that starts a job and the function that
 * runs it (different invocations in AWS), so `GET /api/status` and `GET /api/import` can read it.
 */
export interface JobProgressStore {
  read(kind: JobKind): Promise<JobRecord | undefined>;
  /**
   * Claims a run: writes `progress` as running unless a run holds the job with a heartbeat at or
   * after `staleBefore` (a run that stopped reporting is taken over). false when one is running.
   */
  claim(kind: JobKind, progress: unknown, at: number, staleBefore: number): Promise<boolean>;
  save(kind: JobKind, record: JobRecord): Promise<void>;
}

/** The Salesforce port: Leads, Contacts, Accounts, users; SOQL and Bulk API 2.0 reads (docs/design.md#ports-and-adapters). */
import type {
  FieldValues,
  SalesforceAccount,
  SalesforceFieldChange,
  SalesforceRecord,
  SalesforceUser,
} from '../domain/entities.ts';
import type { SalesforceObject } from '../domain/notice.ts';
import type { WriteOutcome } from './crm.ts';

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
  /**
   * Optional: Field History rows (`ContactHistory` / `LeadHistory`) of these records created since
   * `sinceMs` — which tracked field who changed when. A late first link reads it when the record was
   * modified after its intent and a field does not hold the value written (docs/design.md#late-first-link).
   * Untracked fields have no rows; no access to the history object answers none.
   */
  readFieldHistory?(
    objectType: SalesforceObject,
    ids: string[],
    sinceMs: number,
  ): Promise<SalesforceFieldChange[]>;
  /** Finds Leads and Contacts by normalized email (SOQL `Email IN (...)`). Converted leads excluded. */
  findByEmail(
    emails: string[],
    fieldsByObject: Record<SalesforceObject, string[]>,
  ): Promise<SalesforceRecord[]>;
  /**
   * Optional: the converted Leads whose `ConvertedContactId` is one of these Contacts. A Contact a user
   * converted from a Lead crmsync created (its create response lost) is crmsync's creation finished
   * late; the email search leaves converted Leads out, so the processor asks for them
   * (docs/design.md#late-creation).
   */
  readConvertedLeads?(contactIds: string[], fields: string[]): Promise<SalesforceRecord[]>;
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

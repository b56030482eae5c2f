import type { Connection } from 'jsforce';
import { z } from 'zod';
import type { SalesforceFieldChange } from '../domain/entities.ts';
import type { SalesforceObject } from '../domain/notice.ts';
import type {
  BulkCursor,
  BulkPageHooks,
  FieldValues,
  SalesforceAccount,
  SalesforcePort,
  SalesforceRecord,
  SalesforceUser,
  WriteOutcome,
} from '../ports.ts';
import type { Lane, RateLimiter } from '../rate-limit/index.ts';
import { type BulkReadOptions, SalesforceBulkReads } from './salesforce-bulk.ts';
import { SalesforceRequestError } from './salesforce-errors.ts';
import { readFieldHistory } from './salesforce-field-history.ts';
import { type PageOptions, SalesforcePageReads } from './salesforce-pages.ts';
import { type PlannedQuery, SalesforceQueries } from './salesforce-queries.ts';
import {
  type QueryResult,
  selectFields,
  toSalesforceAccount,
  toSalesforceRecord,
} from './salesforce-records.ts';
import {
  type SalesforceRequest,
  type SalesforceRequestOptions,
  salesforceRequester,
} from './salesforce-request.ts';
import { isSalesforceId, selectQuery, soqlString } from './salesforce-soql.ts';
import { SalesforceWrites, type WritableObject } from './salesforce-writes.ts';

/** A User row as SOQL answers it. */
const userRecordSchema = z.looseObject({
  Id: z.string(),
  Email: z.string().nullable().optional(),
  IsActive: z.boolean(),
  UserType: z.string().nullable().optional(),
});

export interface SalesforceCrmOptions {
  connection: Connection;
  limiter: RateLimiter;
  /** Sent as `Sforce-Call-Options: client=<clientName>` on every write, so CDC echoes can be recognized. */
  clientName: string;
  /** Priority of this instance's calls (default live); `withLane('bulk')` gives a resync/import view. */
  lane?: Lane;
  /** Per-request timeout given to jsforce, which aborts the request (default 30 s). */
  timeoutMs?: number;
  /** Attempts per call, including the first (default 5). */
  maxAttempts?: number;
  /** Pause after `REQUEST_LIMIT_EXCEEDED: TotalRequests` (default 15 min). */
  orgLimitPauseMs?: number;
  /** Read by id with `/queryAll` so deleted and merged records are seen (default true). */
  readDeleted?: boolean;
  /** How Bulk API 2.0 query jobs poll and page (docs/design.md#bulk-reads). */
  bulk?: BulkReadOptions;
  /** Shared between this adapter and its lane views: the integration user, once known. */
  identity?: { userId?: Promise<string> };
}

/** The OpenID Connect UserInfo answer, as far as we read it (`user_id` is the 18-character User Id). */
/** Account ids per page of the company resync and the Account import: the rows of one SOQL batch. */
export const ACCOUNT_ID_PAGE = 2000;

const userInfoSchema = z.looseObject({ user_id: z.string().min(15), organization_id: z.string().optional() });

/**
 * The Salesforce adapter (`SalesforcePort`) over `jsforce`. Reads are SOQL `IN` queries (chunked so
 * the URL stays short, paged through `nextRecordsUrl`); writes are sObject Collections of 200 with
 * `allOrNone: false` and `Sforce-Call-Options: client=<clientName>`, each result mapped back to its
 * input. Every request goes through the shared RateLimiter with jsforce's own retry turned off (it
 * sleeps on the wall clock and retries 429/5xx without telling the limiter); `Sforce-Limit-Info`,
 * which jsforce parses into `connection.limitInfo`, is fed to the limiter after every call.
 */
export class SalesforceCrm implements SalesforcePort {
  readonly #opts: SalesforceCrmOptions;
  readonly #queries: SalesforceQueries;
  readonly #writes: SalesforceWrites;
  readonly #request: SalesforceRequest;
  readonly #pages: SalesforcePageReads;
  #readDeleted: boolean;

  constructor(opts: SalesforceCrmOptions) {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(opts.clientName)) {
      throw new Error(
        `clientName must be 1-40 letters, digits, _ or - (got ${JSON.stringify(opts.clientName)})`,
      );
    }
    // jsforce writes its own Sforce-Call-Options header over ours when the connection has callOptions.
    const callOptions = opts.connection._callOptions;
    if (callOptions && callOptions['client'] !== opts.clientName) {
      throw new Error(
        `the jsforce connection's callOptions.client (${String(callOptions['client'])}) differs from clientName ${opts.clientName}: echo suppression would break`,
      );
    }
    this.#opts = { ...opts, identity: opts.identity ?? {} };
    const requestOptions: SalesforceRequestOptions = {
      connection: opts.connection,
      limiter: opts.limiter,
      lane: opts.lane ?? 'live',
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxAttempts: opts.maxAttempts ?? 5,
      orgLimitPauseMs: opts.orgLimitPauseMs ?? 15 * 60_000,
    };
    const request = salesforceRequester(requestOptions);
    this.#request = request;
    this.#queries = new SalesforceQueries(request, opts.connection);
    this.#writes = new SalesforceWrites(request, opts.clientName);
    this.#readDeleted = opts.readDeleted ?? true;
    const bulk = new SalesforceBulkReads({ ...requestOptions, request }, opts.bulk);
    this.#pages = new SalesforcePageReads(this.#queries, bulk);
  }

  /**
   * The user this session runs as, from `GET /services/oauth2/userinfo` on the instance (OpenID
   * Connect UserInfo: `user_id`), once per adapter and its lane views. Records crmsync creates carry
   * it as `CreatedById`; a data load or a person creates records as another user.
   * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm
   */
  integrationUserId(): Promise<string> {
    const identity = this.#opts.identity!;
    identity.userId ??= this.#request(
      'oauth2.userinfo',
      { method: 'GET', url: '/services/oauth2/userinfo' },
      (body) => userInfoSchema.parse(body).user_id,
    ).catch((error: unknown) => {
      // Not cached on failure: the next batch asks again.
      identity.userId = undefined;
      throw error;
    });
    return identity.userId;
  }

  /** The same adapter with its calls in another lane (bulk for resync and import). */
  withLane(lane: Lane): SalesforceCrm {
    return new SalesforceCrm({ ...this.#opts, lane, readDeleted: this.#readDeleted });
  }

  /** Field History rows of these records since `sinceMs` (salesforce-field-history.ts). */
  readFieldHistory(
    objectType: SalesforceObject,
    ids: string[],
    sinceMs: number,
  ): Promise<SalesforceFieldChange[]> {
    return readFieldHistory(this.#queries, objectType, ids, sinceMs);
  }

  async readRecords(
    objectType: SalesforceObject,
    ids: string[],
    fields: string[],
  ): Promise<SalesforceRecord[]> {
    return this.readRecordsByObject({ [objectType]: { ids, fields } });
  }

  /**
   * Leads and Contacts by id in as few calls as possible: the per-object `Id IN (...)` queries go
   * together as Composite query subrequests (one API call for up to 5 queries). With `/queryAll`,
   * so deleted and merged records are seen (IsDeleted, MasterRecordId).
   */
  async readRecordsByObject(
    requests: Partial<Record<SalesforceObject, { ids: string[]; fields: string[] }>>,
  ): Promise<SalesforceRecord[]> {
    const plan = (all: boolean) => {
      const planned: { objectType: SalesforceObject; query: PlannedQuery }[] = [];
      for (const objectType of ['Contact', 'Lead'] as const) {
        const request = requests[objectType];
        const wanted = [...new Set((request?.ids ?? []).filter(isSalesforceId))];
        if (!request || wanted.length === 0) continue;
        const select = selectFields(objectType, request.fields);
        for (const query of this.#queries.planIn(objectType, select, 'Id', wanted, undefined, all))
          planned.push({ objectType, query });
      }
      return planned;
    };
    let planned = plan(this.#readDeleted);
    if (planned.length === 0) return [];
    let results: QueryResult['records'][];
    try {
      results = await this.#queries.queries(
        'soql.query',
        planned.map((p) => p.query),
      );
    } catch (error) {
      // An endpoint without /queryAll (some proxies, older emulators): read live records only.
      if (!(this.#readDeleted && error instanceof SalesforceRequestError && error.category === 'not-found'))
        throw error;
      this.#readDeleted = false;
      planned = plan(false);
      results = await this.#queries.queries(
        'soql.query',
        planned.map((p) => p.query),
      );
    }
    return results.flatMap((records, i) => {
      const objectType = planned[i]!.objectType;
      return records.map((r) => toSalesforceRecord(objectType, r, requests[objectType]?.fields ?? []));
    });
  }

  /** Contacts and Leads by email in one call (Composite) for up to ~1,000 emails. */
  async findByEmail(
    emails: string[],
    fieldsByObject: Record<SalesforceObject, string[]>,
  ): Promise<SalesforceRecord[]> {
    const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0))];
    if (wanted.length === 0) return [];
    const planned: { objectType: SalesforceObject; query: PlannedQuery }[] = [];
    for (const objectType of ['Contact', 'Lead'] as const) {
      // A converted lead is history: its person lives on as the Contact it became.
      const extra = objectType === 'Lead' ? 'IsConverted = false' : undefined;
      const select = selectFields(objectType, fieldsByObject[objectType]);
      for (const query of this.#queries.planIn(objectType, select, 'Email', wanted, extra, false))
        planned.push({ objectType, query });
    }
    const results = await this.#queries.queries(
      'soql.query',
      planned.map((p) => p.query),
    );
    return results.flatMap((records, i) => {
      const objectType = planned[i]!.objectType;
      return records.map((r) => toSalesforceRecord(objectType, r, fieldsByObject[objectType]));
    });
  }

  /**
   * Converted Leads whose ConvertedContactId is one of these Contacts (SOQL `ConvertedContactId IN
   * (...) AND IsConverted = true`): who created the Lead a Contact was converted from
   * (docs/design.md#late-creation).
   */
  async readConvertedLeads(contactIds: string[], fields: string[]): Promise<SalesforceRecord[]> {
    const ids = [...new Set(contactIds)];
    if (ids.length === 0) return [];
    const select = selectFields('Lead', fields);
    const planned = this.#queries.planIn(
      'Lead',
      select,
      'ConvertedContactId',
      ids,
      'IsConverted = true',
      false,
    );
    const results = await this.#queries.queries('soql.query', planned);
    return results.flatMap((records) => records.map((r) => toSalesforceRecord('Lead', r, fields)));
  }

  async createRecords(
    objectType: WritableObject,
    inputs: { ref: string; fields: FieldValues }[],
  ): Promise<WriteOutcome[]> {
    return this.#writes.createRecords(objectType, inputs);
  }

  async updateRecords(
    objectType: WritableObject,
    inputs: { ref: string; id: string; fields: FieldValues }[],
  ): Promise<WriteOutcome[]> {
    return this.#writes.updateRecords(objectType, inputs);
  }

  async deleteRecords(ids: string[]): Promise<void> {
    return this.#writes.deleteRecords(ids);
  }

  // ───────────────────────────── accounts and users (C2–C9, O1–O5) ─────────────────────────────

  /**
   * Accounts by id, SOQL `Id IN (...)` through `/queryAll` so a merged-away account shows its master
   * (C9). `fields` plus `OwnerId` come back.
   */
  async readAccounts(ids: string[], fields: string[]): Promise<SalesforceAccount[]> {
    const wanted = [...new Set(ids.filter(isSalesforceId))];
    if (wanted.length === 0) return [];
    const queries = this.#queries.planIn(
      'Account',
      selectFields('Account', fields),
      'Id',
      wanted,
      undefined,
      true,
    );
    const results = await this.#queries.queries('soql.query', queries);
    // OwnerId comes back with every account: owners sync on their own rule (O1), not as a mapped field.
    const withOwner = fields.some((f) => f.toLowerCase() === 'ownerid') ? fields : [...fields, 'OwnerId'];
    return results.flat().map((r) => toSalesforceAccount(r, withOwner));
  }

  /** The live Contacts of these accounts, as `{ id, accountId }` (C3 b matches through them). */
  async readAccountContacts(accountIds: string[]): Promise<{ id: string; accountId: string }[]> {
    const wanted = [...new Set(accountIds.filter(isSalesforceId))];
    if (wanted.length === 0) return [];
    const queries = this.#queries.planIn(
      'Contact',
      ['Id', 'AccountId'],
      'AccountId',
      wanted,
      undefined,
      false,
    );
    const results = await this.#queries.queries('soql.query', queries);
    return results
      .flat()
      .map((r) => ({ id: r.Id, accountId: String((r as Record<string, unknown>)['AccountId']) }));
  }

  /**
   * One page of Account ids, by key (`Id > after ORDER BY Id LIMIT n`) rather than a query locator:
   * a locator expires after some 15 minutes unused, and a paused company resync resumes from its
   * checkpoint in a later invocation. The last id of a page is the position of the next.
   */
  async accountIdPage(after?: string): Promise<{ ids: string[]; after?: string }> {
    const where = after ? `Id > ${soqlString(after)}` : undefined;
    const soql = `${selectQuery('Account', ['Id'], where, 'Id ASC')} LIMIT ${ACCOUNT_ID_PAGE}`;
    const page = await this.#queries.query('soql.query', soql, false);
    const ids = page.records.map((r) => r.Id);
    const last = ids.at(-1);
    return ids.length === ACCOUNT_ID_PAGE && last ? { ids, after: last } : { ids };
  }

  /** Every User with the fields owner matching needs (O2: Email, IsActive, UserType). */
  async listUsers(): Promise<SalesforceUser[]> {
    const soql = selectQuery('User', ['Id', 'Email', 'IsActive', 'UserType'], undefined, 'Id ASC');
    const [records = []] = await this.#queries.queries('soql.query', [{ soql, all: false }]);
    return records.map((r) => {
      const raw = userRecordSchema.parse(r);
      return {
        id: raw.Id,
        email: raw.Email ?? null,
        isActive: raw.IsActive,
        userType: raw.UserType ?? 'Standard',
      };
    });
  }

  /**
   * One page of an object's records, oldest change first. With `modifiedSinceMs` (polling) the page
   * includes converted leads, so a conversion is seen; without it (import) converted leads are left
   * out, unless `includeConverted` says otherwise. `after` is the `nextRecordsUrl` of the last page.
   */
  queryPage(
    objectType: SalesforceObject,
    fields: string[],
    options: PageOptions & { after?: string },
  ): Promise<{ records: SalesforceRecord[]; after?: string; total?: number }> {
    return this.#pages.queryPage(objectType, fields, options);
  }

  /** The records `queryPage` with `afterId` reads, through a Bulk API 2.0 query job (docs/design.md#bulk-reads). */
  bulkQueryPage(
    objectType: SalesforceObject,
    fields: string[],
    options: PageOptions & BulkPageHooks,
  ): Promise<{ records: SalesforceRecord[]; cursor?: BulkCursor }> {
    return this.#pages.bulkQueryPage(objectType, fields, options);
  }

  /** How many Accounts have an Id above `afterId`: `SELECT COUNT()`, one call. */
  countAccounts(afterId: string | null): Promise<number> {
    return this.#pages.countAccounts(afterId);
  }

  /** The Account ids `accountIdPage` pages through, through a Bulk API 2.0 query job. */
  bulkAccountIdPage(
    options: BulkPageHooks & { afterId: string | null },
  ): Promise<{ ids: string[]; cursor?: BulkCursor }> {
    return this.#pages.bulkAccountIdPage(options);
  }
}

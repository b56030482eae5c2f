import type { Client } from '@hubspot/api-client';
import type { SyncErrorCategory } from '../errors.ts';
import type {
  CompanyAssociation,
  HubSpotCompany,
  HubSpotContact,
  HubSpotList,
  HubSpotOwner,
  HubSpotPort,
  ModifiedContactsPage,
  ModifiedContactsQuery,
  WriteOutcome,
} from '../ports.ts';
import {
  type Lane,
  limitedCall,
  parseHubSpotRateLimit,
  type RateLimiter,
  withTimeout,
} from '../rate-limit/index.ts';
import { type HubSpotObjectLike, normalizeEmail, toHubSpotContact } from './hubspot-contact.ts';
import {
  categoryOf,
  classifyHubSpotFailure,
  errorContextIds,
  HubSpotRequestError,
  hubSpotErrorMessage,
  isHubSpotApiError,
} from './hubspot-errors.ts';
import { chunks, HubSpotCompanies } from './hubspot-companies.ts';
import { toHubSpotList } from './hubspot-list.ts';
import { withTokenRenewal } from './hubspot-client.ts';
import type { HubSpotAccessTokens } from './hubspot-oauth.ts';

/**
 * HubSpot's documented batch and page sizes (https://developers.hubspot.com/docs/api/crm/contacts):
 * batch create/update/archive take 100 inputs (batch reads, 100 or 50 with history, are in
 * hubspot-companies.ts, shared with companies); search pages hold 200; Lists v3 membership pages
 * 250; the contacts page endpoint 100.
 */
const BATCH = 100;
const SEARCH_PAGE = 200;
/** Results one search query pages through (https://developers.hubspot.com/docs/api/crm/search#limitations). */
const SEARCH_RESULT_CAP = 10_000;
const MEMBERSHIP_PAGE = 250;
const CONTACT_PAGE = 100;
/** HubSpot's object type id for contacts. */
const CONTACTS = '0-1';

export interface HubSpotCrmOptions {
  client: Client;
  /** An OAuth app's access tokens (the same the client's middleware sends): a 401 renews and replays. */
  tokens?: HubSpotAccessTokens;
  limiter: RateLimiter;
  /** Priority of this instance's calls (default live); `withLane('bulk')` gives a resync/import view. */
  lane?: Lane;
  /** A call that has not answered after this long counts as a transient failure (default 30 s). */
  timeoutMs?: number;
  /** Attempts per call, including the first (default 5). */
  maxAttempts?: number;
}

interface HttpInfoLike<T> {
  httpStatusCode: number;
  headers: Record<string, string>;
  data: T;
}

/** The client types filter operators as an enum; the wire value is the string. */
type SearchOperator = NonNullable<
  Parameters<Client['crm']['contacts']['searchApi']['doSearch']>[0]['filterGroups']
>[number]['filters'][number]['operator'];

/** A batch error as the client deserializes it (`StandardError`). */
interface BatchErrorLike {
  category?: string;
  message?: string;
  context?: Record<string, string[]>;
  errors?: { code?: string; message?: string }[];
}

interface WriteItem {
  ref: string;
  id?: string;
  trace: string;
  properties: Record<string, string>;
}

/** The CRM objects crmsync writes in batches: contacts, and companies (C2, C7). */
type WritableObject = 'contacts' | 'companies';

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * The HubSpot adapter (`HubSpotPort`) over `@hubspot/api-client`. Every call goes through the shared
 * RateLimiter and is batched at HubSpot's documented sizes; per-input errors of 207 multi-status
 * answers come back as WriteOutcomes mapped to their inputs by `objectWriteTraceId`.
 */
export class HubSpotCrm implements HubSpotPort {
  readonly #client: Client;
  readonly #tokens: HubSpotAccessTokens | undefined;
  readonly #limiter: RateLimiter;
  readonly #lane: Lane;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #companies: HubSpotCompanies;

  constructor(opts: HubSpotCrmOptions) {
    this.#client = opts.client;
    this.#tokens = opts.tokens;
    this.#limiter = opts.limiter;
    this.#lane = opts.lane ?? 'live';
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#maxAttempts = opts.maxAttempts ?? 5;
    this.#companies = new HubSpotCompanies(this.#client, (op, fn, o) => this.#call(op, fn, o));
  }

  /** The same adapter with its calls in another lane (bulk for resync and import). */
  withLane(lane: Lane): HubSpotCrm {
    return new HubSpotCrm({
      client: this.#client,
      ...(this.#tokens ? { tokens: this.#tokens } : {}),
      limiter: this.#limiter,
      lane,
      timeoutMs: this.#timeoutMs,
      maxAttempts: this.#maxAttempts,
    });
  }

  /** One API call: limiter slot, timeout, rate-limit headers observed, bounded retries. */
  async #call<T>(
    op: string,
    fn: () => Promise<HttpInfoLike<T>>,
    opts: { idempotent?: boolean } = {},
  ): Promise<T> {
    const info = await limitedCall({
      limiter: this.#limiter,
      op,
      lane: this.#lane,
      maxAttempts: this.#maxAttempts,
      idempotent: opts.idempotent ?? true,
      call: async () => {
        try {
          const result = await withTimeout(
            withTokenRenewal(this.#tokens, this.#client, fn),
            this.#timeoutMs,
            `HubSpot ${op}`,
          );
          this.#limiter.observeHubSpot(parseHubSpotRateLimit(result.headers));
          return result;
        } catch (error) {
          if (isHubSpotApiError(error) && error.code !== 429)
            this.#limiter.observeHubSpot(parseHubSpotRateLimit(error.headers));
          throw error;
        }
      },
      classify: (error) => classifyHubSpotFailure(error, this.#limiter.now(), op),
    });
    return info.data;
  }

  get #contacts() {
    return this.#client.crm.contacts;
  }

  get #lists() {
    return this.#client.crm.lists;
  }

  readContacts(
    ids: string[],
    properties: string[],
    options: { withHistory?: boolean } = {},
  ): Promise<HubSpotContact[]> {
    return this.#companies.readObjects('contacts', ids, properties, options);
  }

  async findContactsByEmail(emails: string[], properties: string[]): Promise<HubSpotContact[]> {
    const wanted = unique(emails.map(normalizeEmail).filter((e) => e.length > 0));
    const props = properties.includes('email') ? properties : [...properties, 'email'];
    const out = new Map<string, HubSpotContact>();
    for (const chunk of chunks(wanted, BATCH)) {
      const data = await this.#call('contacts.batch.read', () =>
        this.#contacts.batchApi.readWithHttpInfo(
          {
            inputs: chunk.map((id) => ({ id })),
            idProperty: 'email',
            properties: props,
            propertiesWithHistory: [],
          },
          false,
        ),
      );
      for (const object of data.results) {
        if (!object.archived) out.set(object.id, toHubSpotContact(object as HubSpotObjectLike));
      }
    }
    return [...out.values()];
  }

  async createContacts(
    inputs: { ref: string; properties: Record<string, string> }[],
  ): Promise<WriteOutcome[]> {
    return this.#write(
      'create',
      inputs.map((input) => ({ ref: input.ref, properties: input.properties })),
    );
  }

  async updateContacts(
    inputs: { ref: string; id: string; properties: Record<string, string> }[],
  ): Promise<WriteOutcome[]> {
    return this.#write(
      'update',
      inputs.map((input) => ({ ref: input.ref, id: input.id, properties: input.properties })),
    );
  }

  async archiveContacts(ids: string[]): Promise<void> {
    for (const chunk of chunks(unique(ids), BATCH)) {
      await this.#call('contacts.batch.archive', () =>
        this.#contacts.batchApi.archiveWithHttpInfo({ inputs: chunk.map((id) => ({ id })) }),
      );
    }
  }

  async getList(listId: string): Promise<HubSpotList | undefined> {
    try {
      const data = await this.#call('lists.get', () =>
        this.#lists.listsApi.getByIdWithHttpInfo(listId, false),
      );
      return toHubSpotList(data.list);
    } catch (error) {
      if (error instanceof HubSpotRequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  async searchLists(query?: string): Promise<HubSpotList[]> {
    const out: HubSpotList[] = [];
    let offset = 0;
    // Lists search pages by offset; 20 pages of 100 is far more lists than a portal shows in a picker.
    for (let page = 0; page < 20; page++) {
      const data = await this.#call('lists.search', () =>
        this.#lists.listsApi.doSearchWithHttpInfo({
          query: query ?? '',
          offset,
          count: 100,
          additionalProperties: ['hs_list_size'],
        }),
      );
      for (const list of data.lists) if (list.objectTypeId === CONTACTS) out.push(toHubSpotList(list));
      if (!data.hasMore || data.lists.length === 0) break;
      offset = data.offset;
    }
    return out;
  }

  async createDynamicList(
    name: string,
    filter: { property: string; operator: 'IS_ANY_OF'; values: string[] },
  ): Promise<HubSpotList> {
    // Lists v3 filter tree: the root must be an OR branch whose children are AND branches
    // (https://developers.hubspot.com/docs/api/crm/lists-filters).
    const data = await this.#call('lists.create', () =>
      this.#lists.listsApi.createWithHttpInfo({
        name,
        objectTypeId: CONTACTS,
        processingType: 'DYNAMIC',
        filterBranch: {
          filterBranchType: 'OR',
          filterBranchOperator: 'OR',
          filters: [],
          filterBranches: [
            {
              filterBranchType: 'AND',
              filterBranchOperator: 'AND',
              filterBranches: [],
              filters: [
                {
                  filterType: 'PROPERTY',
                  property: filter.property,
                  operation: {
                    operationType: 'ENUMERATION',
                    operator: filter.operator,
                    values: filter.values,
                    includeObjectsWithNoValueSet: false,
                  },
                },
              ],
            },
          ],
        } as unknown as NonNullable<
          Parameters<Client['crm']['lists']['listsApi']['create']>[0]['filterBranch']
        >,
      }),
    );
    return toHubSpotList(data.list);
  }

  async listMemberships(listId: string, after?: string): Promise<{ recordIds: string[]; after?: string }> {
    const data = await this.#call('lists.memberships', () =>
      this.#lists.membershipsApi.getPageWithHttpInfo(listId, after, undefined, MEMBERSHIP_PAGE),
    );
    const next = data.paging?.next?.after;
    return { recordIds: data.results.map((r) => String(r.recordId)), ...(next ? { after: next } : {}) };
  }

  async listContacts(
    properties: string[],
    after?: string,
  ): Promise<{ contacts: HubSpotContact[]; after?: string }> {
    const data = await this.#call('contacts.page', () =>
      this.#contacts.basicApi.getPageWithHttpInfo(
        CONTACT_PAGE,
        after,
        properties,
        undefined,
        undefined,
        false,
      ),
    );
    const next = data.paging?.next?.after;
    return {
      contacts: data.results.map((o) => toHubSpotContact(o as HubSpotObjectLike)),
      ...(next ? { after: next } : {}),
    };
  }

  /**
   * A polling search (`HubSpotPort.searchModified`): `hs_lastmodifieddate > t` sorted by it, or
   * `hs_lastmodifieddate = t AND hs_object_id > id` sorted by id. One sort each, as HubSpot's search
   * takes. Search has its own limit of 5 requests/second (the limiter's search window).
   */
  async searchModified(
    query: ModifiedContactsQuery,
    properties: string[],
    after?: string,
  ): Promise<ModifiedContactsPage> {
    const props = properties.includes('hs_lastmodifieddate')
      ? properties
      : [...properties, 'hs_lastmodifieddate'];
    const filter = (propertyName: string, operator: string, value: number | string) => ({
      propertyName,
      operator: operator as SearchOperator,
      value: String(value),
    });
    const exact = 'modifiedAt' in query;
    const filters = exact
      ? [
          filter('hs_lastmodifieddate', 'EQ', Math.floor(query.modifiedAt)),
          ...(query.idAfter ? [filter('hs_object_id', 'GT', query.idAfter)] : []),
        ]
      : [filter('hs_lastmodifieddate', 'GT', Math.floor(query.modifiedAfter))];
    const sortBy = exact ? 'hs_object_id' : 'hs_lastmodifieddate';
    const data = await this.#call('contacts.search', () =>
      this.#contacts.searchApi.doSearchWithHttpInfo({
        filterGroups: [{ filters }],
        // The client types `sorts` as string[]; the API takes sort objects.
        sorts: [{ propertyName: sortBy, direction: 'ASCENDING' }] as unknown as string[],
        properties: props,
        limit: SEARCH_PAGE,
        ...(after ? { after } : {}),
      }),
    );
    const contacts = data.results.map((o) => toHubSpotContact(o as HubSpotObjectLike));
    const next = data.paging?.next?.after;
    // HubSpot's `after` is the offset of the next result; it hands out offsets at and past the cap,
    // and answers 400 when asked for them.
    if (next !== undefined && Number(next) >= SEARCH_RESULT_CAP) return { contacts, capped: true };
    return { contacts, ...(next ? { after: next } : {}) };
  }

  // ───────────────────────── companies, associations, owners (C2–C9, O1–O5) ─────────────────────────

  readCompanies(
    ids: string[],
    properties: string[],
    options?: { withHistory?: boolean },
  ): Promise<HubSpotCompany[]> {
    return this.#companies.readCompanies(ids, properties, options);
  }

  createCompanies(inputs: { ref: string; properties: Record<string, string> }[]): Promise<WriteOutcome[]> {
    return this.#write('create', inputs, 'companies');
  }

  updateCompanies(
    inputs: { ref: string; id: string; properties: Record<string, string> }[],
  ): Promise<WriteOutcome[]> {
    return this.#write('update', inputs, 'companies');
  }

  readContactCompanies(contactIds: string[]): Promise<Map<string, CompanyAssociation[]>> {
    return this.#companies.readContactCompanies(contactIds);
  }

  readCompanyContacts(companyIds: string[]): Promise<Map<string, string[]>> {
    return this.#companies.readCompanyContacts(companyIds);
  }

  setPrimaryCompanies(links: { contactId: string; companyId: string }[]): Promise<void> {
    return this.#companies.setPrimaryCompanies(links);
  }

  demotePrimaryCompanies(links: { contactId: string; companyId: string }[]): Promise<void> {
    return this.#companies.demotePrimaryCompanies(links);
  }

  listOwners(): Promise<HubSpotOwner[]> {
    return this.#companies.listOwners();
  }

  // ───────────────────────────── writes ─────────────────────────────

  async #write(
    kind: 'create' | 'update',
    inputs: Omit<WriteItem, 'trace'>[],
    object: WritableObject = 'contacts',
  ): Promise<WriteOutcome[]> {
    const outcomes = new Map<string, WriteOutcome>();
    const items = inputs.map((input, i): WriteItem => ({ ...input, trace: `crmsync-${i}` }));
    for (const chunk of chunks(items, BATCH)) {
      for (const outcome of await this.#writeChunk(kind, chunk, object)) outcomes.set(outcome.ref, outcome);
    }
    return inputs.map(
      (input) =>
        outcomes.get(input.ref) ?? {
          ref: input.ref,
          ok: false,
          category: 'other',
          message: 'no result from HubSpot for this input',
          retryable: true,
        },
    );
  }

  /**
   * One batch create/update. A 200/207 is mapped per input. A whole-batch 4xx (HubSpot answers some
   * invalid inputs with a 400 or 409 for the whole batch) is narrowed down: inputs the error names
   * fail, the others go again; when it names none, the batch is split in halves until the failing
   * inputs are isolated, so one bad record never blocks the rest of its batch.
   */
  async #writeChunk(
    kind: 'create' | 'update',
    items: WriteItem[],
    object: WritableObject = 'contacts',
  ): Promise<WriteOutcome[]> {
    if (items.length === 0) return [];
    const op = `${object}.batch.${kind}`;
    // Contacts and companies share the CRM objects v3 batch shapes (same generated request types).
    // Looked up at each attempt: a token renewal gives the client new API objects, and the replay
    // after a 401 must use them.
    const batchApi = () => this.#client.crm[object].batchApi;
    let data: { results: HubSpotObjectLike[]; errors?: BatchErrorLike[] };
    try {
      data = await this.#call(
        op,
        () =>
          kind === 'create'
            ? batchApi().createWithHttpInfo({
                inputs: items.map((i) => ({
                  properties: i.properties,
                  objectWriteTraceId: i.trace,
                  associations: [],
                })),
              })
            : batchApi().updateWithHttpInfo({
                inputs: items.map((i) => ({
                  id: i.id ?? '',
                  properties: i.properties,
                  objectWriteTraceId: i.trace,
                })),
              }),
        { idempotent: kind === 'update' },
      );
    } catch (error) {
      if (!(error instanceof HubSpotRequestError) || error.category === 'permission') {
        if (error instanceof HubSpotRequestError)
          return items.map((i) => failure(i, error.category, error.message, false));
        throw error;
      }
      const { category, retryable } = categoryOf(
        (error.body as { category?: unknown } | undefined)?.category,
        detailText(error.body),
        error.status,
      );
      if (items.length === 1) return [failure(items[0]!, category, error.message, retryable)];
      if (kind === 'create' && error.status === 409 && object === 'contacts')
        return this.#createAroundExisting(items);
      const named = namedItems(items, error.body);
      if (named.length > 0 && named.length < items.length) {
        const namedSet = new Set(named);
        const rest = items.filter((i) => !namedSet.has(i));
        return [
          ...named.map((i) => failure(i, category, error.message, retryable)),
          ...(await this.#writeChunk(kind, rest, object)),
        ];
      }
      const half = Math.ceil(items.length / 2);
      return [
        ...(await this.#writeChunk(kind, items.slice(0, half), object)),
        ...(await this.#writeChunk(kind, items.slice(half), object)),
      ];
    }
    return mapBatchResult(kind, items, data.results, data.errors ?? []);
  }

  /**
   * HubSpot answers a batch create with 409 for the whole batch when one email already exists
   * ("Contact already exists. Existing ID: 123", naming no input). One read by email finds the
   * inputs that collide; they fail as duplicates and the rest is created, instead of bisecting.
   */
  async #createAroundExisting(items: WriteItem[]): Promise<WriteOutcome[]> {
    const emailOf = (i: WriteItem) => normalizeEmail(i.properties['email'] ?? '');
    const existing = new Map<string, string>();
    for (const c of await this.findContactsByEmail(items.map(emailOf).filter(Boolean), ['email'])) {
      const email = c.properties['email'];
      if (email) existing.set(normalizeEmail(email), c.id);
    }
    const taken = items.filter((i) => existing.has(emailOf(i)));
    if (taken.length === 0) {
      const half = Math.ceil(items.length / 2);
      return [
        ...(await this.#writeChunk('create', items.slice(0, half))),
        ...(await this.#writeChunk('create', items.slice(half))),
      ];
    }
    const takenSet = new Set(taken);
    const outcomes = taken.map((i) =>
      failure(
        i,
        'duplicate',
        `a HubSpot contact with this email already exists (id ${existing.get(emailOf(i))})`,
        false,
      ),
    );
    return [
      ...outcomes,
      ...(await this.#writeChunk(
        'create',
        items.filter((i) => !takenSet.has(i)),
      )),
    ];
  }
}

function failure(
  item: WriteItem,
  category: SyncErrorCategory,
  message: string,
  retryable: boolean,
): WriteOutcome {
  return { ref: item.ref, ok: false, category, message, retryable };
}

/** The message of a batch error plus its nested error codes (`INVALID_OPTION`, `PROPERTY_DOESNT_EXIST`). */
function detailText(error: unknown): string {
  const parts = [hubSpotErrorMessage(error)];
  const nested = typeof error === 'object' && error !== null ? (error as BatchErrorLike).errors : undefined;
  if (Array.isArray(nested)) for (const e of nested) parts.push(e.code ?? '', e.message ?? '');
  return parts.join(' ');
}

/** Inputs a batch error names by trace id or record id. */
function namedItems(items: WriteItem[], error: unknown): WriteItem[] {
  const { traceIds, ids } = errorContextIds(error);
  const traces = new Set(traceIds);
  const idSet = new Set(ids);
  return items.filter((i) => traces.has(i.trace) || (i.id !== undefined && idSet.has(i.id)));
}

/** Maps a 200/207 batch answer back to its inputs. */
function mapBatchResult(
  kind: 'create' | 'update',
  items: WriteItem[],
  results: HubSpotObjectLike[],
  errors: BatchErrorLike[],
): WriteOutcome[] {
  const outcomes = new Map<WriteItem, WriteOutcome>();
  const byTrace = new Map(items.map((i) => [i.trace, i]));
  const byId = new Map(items.filter((i) => i.id !== undefined).map((i) => [i.id!, i]));
  const byEmail = new Map<string, WriteItem>();
  for (const i of items) {
    const email = i.properties['email'];
    if (email) byEmail.set(normalizeEmail(email), i);
  }
  const unmatchedResults: HubSpotObjectLike[] = [];
  for (const result of results) {
    // HubSpot does not promise result order: match by our trace id, else by id (update) or email (create).
    const email = result.properties?.['email'];
    const item =
      (result.objectWriteTraceId ? byTrace.get(result.objectWriteTraceId) : undefined) ??
      (kind === 'update' ? byId.get(result.id) : undefined) ??
      (email ? byEmail.get(normalizeEmail(email)) : undefined);
    if (item && !outcomes.has(item)) outcomes.set(item, { ref: item.ref, ok: true, id: result.id });
    else unmatchedResults.push(result);
  }
  const unattributedErrors: BatchErrorLike[] = [];
  for (const error of errors) {
    const named = namedItems(items, error).filter((i) => !outcomes.has(i));
    const { category, retryable } = categoryOf(error.category, detailText(error));
    const message = error.message ?? 'HubSpot reported an error for this input';
    if (named.length === 0) unattributedErrors.push(error);
    for (const item of named) outcomes.set(item, { ref: item.ref, ok: false, category, message, retryable });
  }
  const left = items.filter((i) => !outcomes.has(i));
  // Last resort for answers without trace ids: one input left and one result or one error left.
  if (left.length === 1 && unmatchedResults.length === 1 && unattributedErrors.length === 0) {
    outcomes.set(left[0]!, { ref: left[0]!.ref, ok: true, id: unmatchedResults[0]!.id });
  } else if (left.length === 1 && unattributedErrors.length === 1 && unmatchedResults.length === 0) {
    const error = unattributedErrors[0]!;
    const { category, retryable } = categoryOf(error.category, detailText(error));
    outcomes.set(left[0]!, {
      ref: left[0]!.ref,
      ok: false,
      category,
      message: error.message ?? '',
      retryable,
    });
  }
  return items.map(
    (i) =>
      outcomes.get(i) ?? {
        ref: i.ref,
        ok: false,
        category: 'other',
        message:
          unattributedErrors.length > 0
            ? `HubSpot reported errors it did not tie to an input: ${unattributedErrors.map((e) => e.message).join('; ')}`
            : 'no result from HubSpot for this input',
        retryable: true,
      },
  );
}

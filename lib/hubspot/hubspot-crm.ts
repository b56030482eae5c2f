import type { Client } from '@hubspot/api-client';
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
import { ADDITIONAL_EMAILS } from '../domain/identity.ts';
import type { Lane, RateLimiter } from '../rate-limit/index.ts';
import { BATCH, chunks, type HubSpotCall, hubSpotCaller, unique } from './hubspot-call.ts';
import {
  type HubSpotObjectLike,
  normalizeEmail,
  toHubSpotContact,
  withSourceProperties,
} from './hubspot-contact.ts';
import { writeObjects } from './hubspot-contact-writes.ts';
import { HubSpotCompanies } from './hubspot-companies.ts';
import {
  createDynamicList,
  getList,
  joinOrderPage,
  listMemberships,
  readListMemberships,
  searchLists,
} from './hubspot-lists.ts';
import type { HubSpotAccessTokens } from './hubspot-oauth.ts';

/**
 * HubSpot's documented page sizes (https://developers.hubspot.com/docs/api/crm/contacts): search pages
 * hold 200; the contacts page endpoint 100 (batch reads, 100 or 50 with history, are in
 * hubspot-companies.ts, shared with companies).
 */
const SEARCH_PAGE = 200;
/** Results one search query pages through (https://developers.hubspot.com/docs/api/crm/search#limitations). */
const SEARCH_RESULT_CAP = 10_000;
const CONTACT_PAGE = 100;
/** Filter groups one search takes (https://developers.hubspot.com/docs/api/crm/search#limitations). */
const SEARCH_FILTER_GROUPS = 5;

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

/** The client types filter operators as an enum; the wire value is the string. */
type SearchOperator = NonNullable<
  Parameters<Client['crm']['contacts']['searchApi']['doSearch']>[0]['filterGroups']
>[number]['filters'][number]['operator'];

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
  readonly #call: HubSpotCall;
  readonly #companies: HubSpotCompanies;

  constructor(opts: HubSpotCrmOptions) {
    this.#client = opts.client;
    this.#tokens = opts.tokens;
    this.#limiter = opts.limiter;
    this.#lane = opts.lane ?? 'live';
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#maxAttempts = opts.maxAttempts ?? 5;
    this.#call = hubSpotCaller({
      client: this.#client,
      tokens: this.#tokens,
      limiter: this.#limiter,
      lane: this.#lane,
      timeoutMs: this.#timeoutMs,
      maxAttempts: this.#maxAttempts,
    });
    this.#companies = new HubSpotCompanies(this.#client, this.#call);
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

  get #contacts() {
    return this.#client.crm.contacts;
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
    const props = withSourceProperties(properties.includes('email') ? properties : [...properties, 'email']);
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

  /**
   * `HubSpotPort.findContactsByAdditionalEmail`: a search with one `hs_additional_emails EQ` filter group
   * per email (groups are OR'd; HubSpot takes 5 per request). HubSpot's own staff answered that a search on
   * `email` may miss a secondary address and one on `hs_additional_emails` finds it
   * (https://github.com/HubSpot/hubspot-api-nodejs/issues/24); docs/reliability.md, finding 22.
   */
  async findContactsByAdditionalEmail(emails: string[], properties: string[]): Promise<HubSpotContact[]> {
    const wanted = unique(emails.map(normalizeEmail).filter((e) => e.length > 0));
    const props = withSourceProperties(unique([...properties, 'email', ADDITIONAL_EMAILS]));
    const out = new Map<string, HubSpotContact>();
    for (const chunk of chunks(wanted, SEARCH_FILTER_GROUPS)) {
      const data = await this.#call('contacts.search', () =>
        this.#contacts.searchApi.doSearchWithHttpInfo({
          filterGroups: chunk.map((value) => ({
            filters: [{ propertyName: ADDITIONAL_EMAILS, operator: 'EQ' as SearchOperator, value }],
          })),
          properties: props,
          limit: SEARCH_PAGE,
        }),
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
    return writeObjects(
      this.#writes,
      'create',
      inputs.map((input) => ({ ref: input.ref, properties: input.properties })),
    );
  }

  async updateContacts(
    inputs: { ref: string; id: string; properties: Record<string, string> }[],
  ): Promise<WriteOutcome[]> {
    return writeObjects(
      this.#writes,
      'update',
      inputs.map((input) => ({ ref: input.ref, id: input.id, properties: input.properties })),
    );
  }

  archiveContacts(ids: string[]): Promise<void> {
    return this.#archive('contacts', ids);
  }

  /** Batch archive (100 per call) of contacts or companies: the same `/crm/v3/objects/{type}` contract. */
  async #archive(object: 'contacts' | 'companies', ids: string[]): Promise<void> {
    for (const chunk of chunks(unique(ids), BATCH)) {
      await this.#call(`${object}.batch.archive`, () =>
        this.#client.crm[object].batchApi.archiveWithHttpInfo({ inputs: chunk.map((id) => ({ id })) }),
      );
    }
  }

  /** What the batch writes need from this adapter. */
  get #writes() {
    return {
      call: this.#call,
      client: this.#client,
      findContactsByEmail: (emails: string[], properties: string[]) =>
        this.findContactsByEmail(emails, properties),
      readContacts: (ids: string[], properties: string[]) => this.readContacts(ids, properties),
    };
  }

  async getList(listId: string): Promise<HubSpotList | undefined> {
    return getList(this.#call, this.#client, listId);
  }

  async searchLists(query?: string): Promise<HubSpotList[]> {
    return searchLists(this.#call, this.#client, query);
  }

  async createDynamicList(
    name: string,
    filter: { property: string; operator: 'IS_ANY_OF'; values: string[] },
  ): Promise<HubSpotList> {
    return createDynamicList(this.#call, this.#client, name, filter);
  }

  async listMemberships(listId: string, after?: string): Promise<{ recordIds: string[]; after?: string }> {
    return listMemberships(this.#call, this.#client, listId, after);
  }

  /** One page (up to 250) of a list's members in join order, oldest first, after the position `after`. */
  async joinOrderPage(listId: string, after?: string): Promise<{ recordIds: string[]; after?: string }> {
    return joinOrderPage(this.#call, this.#client, listId, after);
  }

  /** The lists each contact belongs to now (memberships/batch/read, 100 contacts per call). */
  async readListMemberships(recordIds: string[]): Promise<Map<string, string[]>> {
    return readListMemberships(this.#call, this.#client, recordIds);
  }

  async listContacts(
    properties: string[],
    after?: string,
  ): Promise<{ contacts: HubSpotContact[]; after?: string }> {
    const data = await this.#call('contacts.page', () =>
      this.#contacts.basicApi.getPageWithHttpInfo(
        CONTACT_PAGE,
        after,
        withSourceProperties(properties),
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
    const props = withSourceProperties(
      properties.includes('hs_lastmodifieddate') ? properties : [...properties, 'hs_lastmodifieddate'],
    );
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
    return writeObjects(this.#writes, 'create', inputs, 'companies');
  }

  updateCompanies(
    inputs: { ref: string; id: string; properties: Record<string, string> }[],
  ): Promise<WriteOutcome[]> {
    return writeObjects(this.#writes, 'update', inputs, 'companies');
  }

  findCompaniesByAccountIds(accountIds: string[], properties: string[]): Promise<HubSpotCompany[]> {
    return this.#companies.findCompaniesByAccountIds(accountIds, properties);
  }

  archiveCompanies(ids: string[]): Promise<void> {
    return this.#archive('companies', ids);
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

  companyIdPage(after?: string): Promise<{ ids: string[]; after?: string }> {
    return this.#companies.companyIdPage(after);
  }

  findCompaniesByDomain(domain: string, properties: string[]): Promise<HubSpotCompany[]> {
    return this.#companies.findCompaniesByDomain(domain, properties);
  }
}

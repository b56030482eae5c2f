import type { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum as Category } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/AssociationSpec.js';
import { CONTACT_TO_COMPANY } from '../domain/association.ts';
import { ACCOUNT_ID_PROPERTY } from '../domain/company-entities.ts';
import type { CompanyAssociation, HubSpotCompany, HubSpotContact, HubSpotOwner } from '../ports.ts';
import { BATCH, chunks, type HubSpotCall, unique } from './hubspot-call.ts';
import { type HubSpotObjectLike, toHubSpotContact, withSourceProperties } from './hubspot-contact.ts';

/**
 * The company side of the HubSpot adapter (C2–C9, O1–O5): companies v3 batch reads, associations v4
 * (contact ⇄ company, primary type 1 and unlabeled 279), owners v3. `HubSpotCrm` delegates to it and
 * passes its rate-limited `call`, so every request here shares the contacts' limiter and retries.
 *
 * Sizes (https://developers.hubspot.com/docs/api/crm/associations/associations-v4): association batch
 * read takes 1,000 ids, batch create and label archive 2,000 pairs; companies batch read 100 (50 with
 * history, as contacts); owners pages hold up to 500.
 */
const BATCH_WITH_HISTORY = 50;
const ASSOCIATION_READ = 1_000;
const ASSOCIATION_WRITE = 2_000;
const OWNER_PAGE = 500;
/** Companies per page of the list endpoint (HubSpot's maximum for `GET /crm/v3/objects/companies`). */
const COMPANY_PAGE = 100;
const SEARCH_PAGE = 200;

/** The client types filter operators as an enum; the wire value is the string. */
type SearchOperator = NonNullable<
  Parameters<Client['crm']['companies']['searchApi']['doSearch']>[0]['filterGroups']
>[number]['filters'][number]['operator'];
const EQ = 'EQ' as SearchOperator;

const PRIMARY = [
  { associationCategory: Category.HubspotDefined, associationTypeId: CONTACT_TO_COMPANY.primary },
];

interface AssociationResultLike {
  _from: { id: string };
  to: { toObjectId: string | number; associationTypes: { typeId: number }[] }[];
  paging?: { next?: { after?: string } };
}

export class HubSpotCompanies {
  readonly #client: Client;
  readonly #call: HubSpotCall;

  constructor(client: Client, call: HubSpotCall) {
    this.#client = client;
    this.#call = call;
  }

  /**
   * Batch read by id of contacts or companies (100 per call, 50 with `propertiesWithHistory`).
   * Ids HubSpot cannot find come back under `errors` of a 207 and are simply absent; archived ones too.
   * Contact reads also ask for who created the record (`withSourceProperties`, R6 by record).
   */
  async readObjects(
    object: 'contacts' | 'companies',
    ids: string[],
    properties: string[],
    options: { withHistory?: boolean } = {},
  ): Promise<HubSpotContact[]> {
    const withHistory = options.withHistory ?? false;
    const out: HubSpotContact[] = [];
    const wanted = unique(ids.filter((id) => id.length > 0));
    const props = object === 'contacts' ? withSourceProperties(properties) : properties;
    for (const chunk of chunks(wanted, withHistory ? BATCH_WITH_HISTORY : BATCH)) {
      const data = await this.#call(`${object}.batch.read`, () =>
        this.#client.crm[object].batchApi.readWithHttpInfo(
          {
            inputs: chunk.map((id) => ({ id })),
            properties: props,
            propertiesWithHistory: withHistory ? properties : [],
          },
          false,
        ),
      );
      for (const o of data.results) if (!o.archived) out.push(toHubSpotContact(o as HubSpotObjectLike));
    }
    return out;
  }

  readCompanies(
    ids: string[],
    properties: string[],
    options?: { withHistory?: boolean },
  ): Promise<HubSpotCompany[]> {
    return this.readObjects('companies', ids, properties, options);
  }

  /**
   * Live companies whose `salesforceaccountid` is one of `accountIds` (search: an `IN` filter of up to
   * 100 values, 200 results a page). crmsync writes that property on every company it creates for an
   * account (C2), so a creation whose response was lost is found again instead of made twice.
   */
  async findCompaniesByAccountIds(accountIds: string[], properties: string[]): Promise<HubSpotCompany[]> {
    const out: HubSpotCompany[] = [];
    const props = unique([...properties, ACCOUNT_ID_PROPERTY]);
    for (const chunk of chunks(unique(accountIds), BATCH)) {
      let after: string | undefined;
      do {
        const page = after;
        const data = await this.#call('companies.search', () =>
          this.#client.crm.companies.searchApi.doSearchWithHttpInfo({
            filterGroups: [
              {
                filters: [
                  { propertyName: ACCOUNT_ID_PROPERTY, operator: 'IN' as SearchOperator, values: chunk },
                ],
              },
            ],
            properties: props,
            limit: SEARCH_PAGE,
            ...(page ? { after: page } : {}),
          }),
        );
        for (const o of data.results) if (!o.archived) out.push(toHubSpotContact(o as HubSpotObjectLike));
        after = data.paging?.next?.after;
      } while (after);
    }
    return out;
  }

  /** One page of company ids (the company resync pages through all of them), oldest first. */
  async companyIdPage(after?: string): Promise<{ ids: string[]; after?: string }> {
    const data = await this.#call('companies.page', () =>
      this.#client.crm.companies.basicApi.getPageWithHttpInfo(
        COMPANY_PAGE,
        after,
        ['hs_object_id'],
        undefined,
        undefined,
        false,
      ),
    );
    const next = data.paging?.next?.after;
    return { ids: data.results.map((c) => String(c.id)), ...(next ? { after: next } : {}) };
  }

  /**
   * Companies whose `domain` property equals `domain` (one search call, up to 20): the record trace
   * finds a company by its domain. Sync never matches by domain (C3).
   */
  async findCompaniesByDomain(domain: string, properties: string[]): Promise<HubSpotCompany[]> {
    const data = await this.#call('companies.search', () =>
      this.#client.crm.companies.searchApi.doSearchWithHttpInfo({
        filterGroups: [{ filters: [{ propertyName: 'domain', operator: EQ, value: domain.toLowerCase() }] }],
        properties,
        limit: 20,
      }),
    );
    return data.results.map((o) => toHubSpotContact(o as HubSpotObjectLike));
  }

  /** Associations from each of `fromIds` (contacts or companies) to the other object, all pages. */
  async #readAssociations(
    from: 'contacts' | 'companies',
    fromIds: string[],
  ): Promise<Map<string, { id: string; typeIds: number[] }[]>> {
    const to = from === 'contacts' ? 'companies' : 'contacts';
    const out = new Map<string, { id: string; typeIds: number[] }[]>();
    let pending = unique(fromIds).map((id) => ({ id }) as { id: string; after?: string });
    while (pending.length > 0) {
      const next: { id: string; after: string }[] = [];
      for (const chunk of chunks(pending, ASSOCIATION_READ)) {
        const data = await this.#call(`associations.${from}.${to}.batch.read`, () =>
          this.#client.crm.associations.v4.batchApi.getPageWithHttpInfo(from, to, { inputs: chunk }),
        );
        // Ids without associations come back under `errors` (207): they simply have none.
        for (const result of data.results as unknown as AssociationResultLike[]) {
          const list = out.get(result._from.id) ?? [];
          for (const t of result.to)
            list.push({ id: String(t.toObjectId), typeIds: t.associationTypes.map((a) => a.typeId) });
          out.set(result._from.id, list);
          const after = result.paging?.next?.after;
          if (after) next.push({ id: result._from.id, after });
        }
      }
      pending = next;
    }
    return out;
  }

  /** Each contact's companies, with which one is primary (type 1). */
  async readContactCompanies(contactIds: string[]): Promise<Map<string, CompanyAssociation[]>> {
    const raw = await this.#readAssociations('contacts', contactIds);
    return new Map(
      [...raw].map(([contactId, list]) => [
        contactId,
        list.map((a) => ({ companyId: a.id, primary: a.typeIds.includes(CONTACT_TO_COMPANY.primary) })),
      ]),
    );
  }

  /** Each company's associated contact ids (C4 looks at them). */
  async readCompanyContacts(companyIds: string[]): Promise<Map<string, string[]>> {
    const raw = await this.#readAssociations('companies', companyIds);
    return new Map([...raw].map(([companyId, list]) => [companyId, list.map((a) => a.id)]));
  }

  /**
   * C6: makes each company the contact's primary company (type 1). HubSpot keeps one primary per
   * contact: the previous primary is demoted to unlabeled (279), still associated.
   */
  async setPrimaryCompanies(links: { contactId: string; companyId: string }[]): Promise<void> {
    for (const chunk of chunks(links, ASSOCIATION_WRITE)) {
      await this.#call('associations.contacts.companies.batch.create', () =>
        this.#client.crm.associations.v4.batchApi.createWithHttpInfo('contacts', 'companies', {
          inputs: chunk.map((l) => ({ _from: { id: l.contactId }, to: { id: l.companyId }, types: PRIMARY })),
        }),
      );
    }
  }

  /** C6: removes the primary label only (AccountId cleared): the company stays associated, unlabeled. */
  async demotePrimaryCompanies(links: { contactId: string; companyId: string }[]): Promise<void> {
    for (const chunk of chunks(links, ASSOCIATION_WRITE)) {
      await this.#call('associations.contacts.companies.batch.labels.archive', () =>
        this.#client.crm.associations.v4.batchApi.archiveLabelsWithHttpInfo('contacts', 'companies', {
          inputs: chunk.map((l) => ({ _from: { id: l.contactId }, to: { id: l.companyId }, types: PRIMARY })),
        }),
      );
    }
  }

  /** Every owner, active and archived (two listings: HubSpot shows archived ones only when asked). */
  async listOwners(): Promise<HubSpotOwner[]> {
    const out: HubSpotOwner[] = [];
    for (const archived of [false, true]) {
      let after: string | undefined;
      do {
        const data = await this.#call('owners.page', () =>
          this.#client.crm.owners.ownersApi.getPageWithHttpInfo(undefined, after, OWNER_PAGE, archived),
        );
        for (const o of data.results) out.push({ id: String(o.id), email: o.email ?? null, archived });
        after = data.paging?.next?.after;
      } while (after);
    }
    return out;
  }
}

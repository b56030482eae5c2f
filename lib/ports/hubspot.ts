/** The HubSpot port: contacts, lists, companies, owners (docs/design.md#ports-and-adapters). */
import type { HubSpotCompany, HubSpotContact, HubSpotList, HubSpotOwner } from '../domain/entities.ts';
import type { WriteOutcome } from './crm.ts';

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
  /**
   * Live contacts holding one of these emails as an *additional* email (`hs_additional_emails`), where a
   * HubSpot merge puts the merged-away contact's email; each comes with that property. A search: 5 emails
   * per call, in the search rate window, so only for records about to get a new contact.
   */
  findContactsByAdditionalEmail(emails: string[], properties: string[]): Promise<HubSpotContact[]>;
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

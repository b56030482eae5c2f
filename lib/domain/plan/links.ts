import {
  ACCOUNT_FIELD,
  HUBSPOT_OWNER_PROPERTY,
  type LinksPlan,
  linksForHubSpotCreation,
  linksForSalesforceCreation,
  PRIMARY_COMPANY_PROPERTY,
  planPairLinks,
  SALESFORCE_OWNER_FIELD,
} from '../contact-links.ts';
import type { HubSpotContact, PairState, SalesforceRecord } from '../entities.ts';
import type { PlanRecord } from '../coalesce.ts';
import type { SalesforceObject } from '../notice.ts';
import type { Batch } from './batch.ts';
import { changeTimes } from './change-times.ts';

/**
 * The plan's side of C6 and O1–O5 on contacts (docs/design.md#contacts-companies-and-owners): reads
 * the pair's owners, AccountId and primary company off the records the batch already read, asks
 * `contact-links.ts`, and adds what it answers to the plan. Empty when neither company nor owner
 * sync is on, and under R7's email-only sync (only the email moves then).
 */

const EMPTY: LinksPlan = { toHubSpot: {}, toSalesforce: {}, snapshot: {}, notes: [] };

const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** C6 and O1–O3, O5 for a linked (or just matched) pair. */
export function pairLinks(
  batch: Batch,
  record: PlanRecord,
  contact: HubSpotContact,
  sf: SalesforceRecord,
  pair: PairState | undefined,
  emailOnly: boolean,
): LinksPlan {
  const links = batch.input.links;
  if (!links || emailOnly) return EMPTY;
  const { hubspot: hubspotAt, salesforce: salesforceAt } = changeTimes(record, contact, sf);
  return planPairLinks(
    {
      salesforceType: sf.objectType,
      hubspotContactId: contact.id,
      hubspotOwnerId: text(contact.properties[HUBSPOT_OWNER_PROPERTY]),
      salesforceOwnerId: text(sf.fields[SALESFORCE_OWNER_FIELD]),
      accountId: text(sf.fields[ACCOUNT_FIELD]),
      snapshot: pair?.snapshot,
      changedAt: {
        hubspotOwner: hubspotAt(HUBSPOT_OWNER_PROPERTY),
        salesforceOwner: salesforceAt(SALESFORCE_OWNER_FIELD),
        hubspotCompany: hubspotAt(PRIMARY_COMPANY_PROPERTY),
        salesforceAccount: salesforceAt(ACCOUNT_FIELD),
      },
      companyChanged:
        record.source === 'hubspot' && (record.changedFields ?? []).includes(PRIMARY_COMPANY_PROPERTY),
    },
    links,
  );
}

/** O4 (and C6 for a Contact) on a Salesforce record created from a HubSpot contact. */
export function salesforceCreationLinks(
  batch: Batch,
  objectType: SalesforceObject,
  contact: HubSpotContact,
  emailOnly: boolean,
): LinksPlan {
  const links = batch.input.links;
  if (!links || emailOnly) return EMPTY;
  return linksForSalesforceCreation(
    objectType,
    contact.id,
    text(contact.properties[HUBSPOT_OWNER_PROPERTY]),
    links,
  );
}

/** O4 (and C6 for a Contact) on a HubSpot contact created from a Lead or Contact. */
export function hubspotCreationLinks(batch: Batch, sf: SalesforceRecord, emailOnly: boolean): LinksPlan {
  const links = batch.input.links;
  if (!links || emailOnly) return EMPTY;
  return linksForHubSpotCreation(
    sf.objectType,
    text(sf.fields[SALESFORCE_OWNER_FIELD]),
    text(sf.fields[ACCOUNT_FIELD]),
    links,
  );
}

/**
 * "ContactIfAccount" (`creation.contactIfAccount`): a new HubSpot contact whose primary company is
 * linked to an account becomes a Contact under it; any other becomes a Lead (the configured object).
 */
export function creationObject(batch: Batch, contact: HubSpotContact): SalesforceObject {
  const { creation } = batch.input.config;
  if (!creation.contactIfAccount) return creation.salesforceObject;
  const companies = batch.input.links?.companies;
  const primary = companies?.primaryCompanyOf(contact.id) ?? null;
  const accountId = primary === null ? undefined : companies?.links.accountOf(primary);
  return accountId === undefined ? 'Lead' : 'Contact';
}

/** Adds a links plan's association write to the batch's plan. */
export function planAssociation(batch: Batch, ref: string, contactId: string, links: LinksPlan): void {
  if (links.association) batch.plan.associationWrites.push({ ref, contactId, ...links.association });
}

import { type CompanyLinks, decideAssociation } from './association.ts';
import { ACCOUNT_SNAPSHOT_KEY, OWNER_SNAPSHOT_KEY, type OwnerDirectory } from './company-entities.ts';
import type { SalesforceObject } from './notice.ts';
import { decideOwner, ownerForCreation } from './owners.ts';

/**
 * The links of a contact pair besides its mapped fields (docs/design.md#contacts-companies-and-owners):
 * its primary company ⇄ the Contact's AccountId (C6) and its owner ⇄ OwnerId (O1–O5). The rules
 * themselves are `decideAssociation` (association.ts) and `decideOwner` (owners.ts); this file turns
 * their answers into what the contact plan carries — property and field writes that ride in the
 * pair's own updates, one association write, the snapshot keys, and the notes the decision cites.
 */

/** The contact property holding the owner id (owners v3 ids). */
export const HUBSPOT_OWNER_PROPERTY = 'hubspot_owner_id';
/**
 * The contact property HubSpot keeps equal to the primary company's id. A `contact.associationChange`
 * notice names it in `changedFields`, so the plan knows the primary company changed at `occurredAt`.
 */
export const PRIMARY_COMPANY_PROPERTY = 'associatedcompanyid';
/** The Salesforce owner field of Lead, Contact and Account. */
export const SALESFORCE_OWNER_FIELD = 'OwnerId';
/** Contact.AccountId (C6); a Lead has none (C5). */
export const ACCOUNT_FIELD = 'AccountId';

/** What the processor read for C6 and O1–O5, for the whole batch. */
export interface ContactLinksInput {
  /** Company sync is on (C1): each read HubSpot contact's primary company, and the company/account links. */
  companies?: {
    /** The primary company of a HubSpot contact; null when it has none. */
    primaryCompanyOf(hubspotContactId: string): string | null;
    links: CompanyLinks;
  };
  /** Owner sync is on (`owners.enabled`): both sides' owners, refreshed on a miss. */
  owners?: OwnerDirectory;
}

/** A rule applied to the pair, for the decision trace. */
export interface LinkNote {
  rule: string;
  reason: string;
  /** An owner change refused (O2) or not mappable (O3), or an association waiting for a link (C6). */
  refused: boolean;
}

/** What the links of one pair add to its plan. */
export interface LinksPlan {
  toHubSpot: Record<string, string>;
  toSalesforce: Record<string, string | null>;
  /** Snapshot keys to store (`@owner`, `@account`); a key absent here keeps its old value. */
  snapshot: Record<string, string | null>;
  /** The primary company write (associations v4), if any. */
  association?: { action: 'set-primary' | 'demote'; companyId: string };
  notes: LinkNote[];
}

/** One linked pair's owners and account, both sides, with each side's change times. */
export interface PairLinkState {
  salesforceType: SalesforceObject;
  hubspotContactId: string;
  hubspotOwnerId: string | null;
  salesforceOwnerId: string | null;
  accountId: string | null;
  /** The pair's stored snapshot; undefined before its first sync. */
  snapshot: Record<string, string | null> | undefined;
  changedAt: {
    hubspotOwner: number;
    salesforceOwner: number;
    hubspotCompany: number;
    salesforceAccount: number;
  };
  /** The notice named the primary company as changed: a Lead's contact says why nothing follows (C5). */
  companyChanged: boolean;
}

const noLinks = (): LinksPlan => ({ toHubSpot: {}, toSalesforce: {}, snapshot: {}, notes: [] });

/** C6 and O1–O3, O5 for a linked pair. */
export function planPairLinks(state: PairLinkState, input: ContactLinksInput): LinksPlan {
  const out = noLinks();
  if (input.owners) {
    const owner = decideOwner(
      {
        hubspotOwnerId: state.hubspotOwnerId,
        salesforceOwnerId: state.salesforceOwnerId,
        snapshot: state.snapshot?.[OWNER_SNAPSHOT_KEY],
        hubspotChangedAt: state.changedAt.hubspotOwner,
        salesforceChangedAt: state.changedAt.salesforceOwner,
      },
      input.owners,
    );
    if (owner.toHubSpot) out.toHubSpot[HUBSPOT_OWNER_PROPERTY] = owner.toHubSpot;
    if (owner.toSalesforce) out.toSalesforce[SALESFORCE_OWNER_FIELD] = owner.toSalesforce;
    if (owner.snapshot !== undefined) out.snapshot[OWNER_SNAPSHOT_KEY] = owner.snapshot;
    if (owner.toHubSpot || owner.toSalesforce || owner.refused)
      out.notes.push({ rule: owner.rule, reason: owner.reason, refused: owner.refused });
  }
  const companies = input.companies;
  if (!companies) return out;
  const c6 = decideAssociation(
    {
      salesforceType: state.salesforceType,
      accountId: state.accountId,
      primaryCompanyId: companies.primaryCompanyOf(state.hubspotContactId),
      snapshot: state.snapshot?.[ACCOUNT_SNAPSHOT_KEY],
      hubspotChangedAt: state.changedAt.hubspotCompany,
      salesforceChangedAt: state.changedAt.salesforceAccount,
    },
    companies.links,
  );
  const rule = c6.reason.slice(0, 2);
  switch (c6.kind) {
    case 'none':
      if (c6.snapshot !== undefined) out.snapshot[ACCOUNT_SNAPSHOT_KEY] = c6.snapshot;
      // A Lead's contact changing its primary company: say why Salesforce does not follow (C5).
      if (state.salesforceType === 'Lead' && state.companyChanged)
        out.notes.push({ rule, reason: c6.reason, refused: true });
      break;
    case 'set-primary':
      out.association = { action: 'set-primary', companyId: c6.companyId };
      out.snapshot[ACCOUNT_SNAPSHOT_KEY] = c6.snapshot;
      out.notes.push({ rule, reason: c6.reason, refused: false });
      break;
    case 'demote-primary':
      out.association = { action: 'demote', companyId: c6.companyId };
      out.snapshot[ACCOUNT_SNAPSHOT_KEY] = null;
      out.notes.push({ rule, reason: c6.reason, refused: false });
      break;
    case 'set-account':
      out.toSalesforce[ACCOUNT_FIELD] = c6.accountId;
      out.snapshot[ACCOUNT_SNAPSHOT_KEY] = c6.snapshot;
      out.notes.push({ rule, reason: c6.reason, refused: false });
      break;
    case 'pending':
      out.notes.push({ rule, reason: c6.reason, refused: true });
      break;
  }
  return out;
}

/**
 * O4 and C6 for a Salesforce record crmsync creates from a HubSpot contact: the owner when an active
 * user matches, and (for a Contact) the account linked to the contact's primary company.
 */
export function linksForSalesforceCreation(
  objectType: SalesforceObject,
  hubspotContactId: string,
  hubspotOwnerId: string | null,
  input: ContactLinksInput,
): LinksPlan {
  const out = noLinks();
  if (input.owners) {
    const owner = ownerForCreation('salesforce', hubspotOwnerId, input.owners);
    if (owner.ownerId) out.toSalesforce[SALESFORCE_OWNER_FIELD] = owner.ownerId;
    out.snapshot[OWNER_SNAPSHOT_KEY] = owner.snapshot;
    out.notes.push({ rule: 'O4', reason: owner.reason, refused: false });
  }
  if (input.companies && objectType === 'Contact') {
    const primary = input.companies.primaryCompanyOf(hubspotContactId);
    const accountId = primary === null ? null : input.companies.links.accountOf(primary);
    if (accountId !== undefined) {
      if (accountId !== null) out.toSalesforce[ACCOUNT_FIELD] = accountId;
      out.snapshot[ACCOUNT_SNAPSHOT_KEY] = accountId;
      if (accountId !== null)
        out.notes.push({
          rule: 'C6',
          reason: `C6: created under account ${accountId}, linked to primary company ${primary}`,
          refused: false,
        });
    } else {
      out.notes.push({
        rule: 'C6',
        reason: `C6: primary company ${primary} has no account yet: the Contact is created without one`,
        refused: true,
      });
    }
  }
  return out;
}

/**
 * O4 and C6 for a HubSpot contact crmsync creates from a Lead or Contact: the owner when a HubSpot
 * owner matches, and (for a Contact with an AccountId) the primary company linked to that account,
 * associated once the contact exists.
 */
export function linksForHubSpotCreation(
  objectType: SalesforceObject,
  salesforceOwnerId: string | null,
  accountId: string | null,
  input: ContactLinksInput,
): LinksPlan {
  const out = noLinks();
  if (input.owners) {
    const owner = ownerForCreation('hubspot', salesforceOwnerId, input.owners);
    if (owner.ownerId) out.toHubSpot[HUBSPOT_OWNER_PROPERTY] = owner.ownerId;
    out.snapshot[OWNER_SNAPSHOT_KEY] = owner.ownerId ? owner.snapshot : null;
    out.notes.push({ rule: 'O4', reason: owner.reason, refused: owner.ownerId === undefined });
  }
  if (input.companies && objectType === 'Contact') {
    const companyId = accountId === null ? undefined : input.companies.links.companyOf(accountId);
    if (accountId === null) out.snapshot[ACCOUNT_SNAPSHOT_KEY] = null;
    else if (companyId === undefined)
      out.notes.push({
        rule: 'C6',
        reason: `C6: account ${accountId} has no company yet (C2 creates or links one)`,
        refused: true,
      });
    else {
      out.association = { action: 'set-primary', companyId };
      out.snapshot[ACCOUNT_SNAPSHOT_KEY] = accountId;
      out.notes.push({
        rule: 'C6',
        reason: `C6: primary company ${companyId}, linked to AccountId ${accountId}`,
        refused: false,
      });
    }
  }
  return out;
}

/** The notes of a links plan as one decision reason, rule ids first ("O2: …; C6: …"). */
export function linksReason(notes: LinkNote[]): string | undefined {
  return notes.length === 0 ? undefined : notes.map((n) => n.reason).join('; ');
}

/**
 * The entities of company ⇄ account sync (docs/design.md#companies-accounts-and-owners): the HubSpot
 * company and Salesforce Account as the domain sees them, the linked company/account pair with its
 * three-way-merge snapshot, and the owner directory both sides' owners are resolved through.
 */
import type { FieldValues, HubSpotContact } from './entities.ts';

/**
 * A HubSpot company as read through the CRM v3 objects API: the same record shape as a contact
 * (id, properties, times, per-property change times).
 */
export type HubSpotCompany = HubSpotContact;

/** A Salesforce Account. `fields` holds the mapped fields and `OwnerId`. */
export interface SalesforceAccount {
  id: string;
  fields: FieldValues;
  /** `SystemModstamp`, epoch ms. */
  modifiedAt: number;
  createdAt: number;
  /** `CreatedById`, when read (the shared sObject reader sets it; Account reads do not ask for it today). */
  createdById?: string;
  isDeleted?: boolean;
  /** Set on an account deleted by a merge: the surviving account (C9). */
  masterRecordId?: string | null;
}

/**
 * A linked company/account pair and its last-synced state, written with a conditional check on
 * `version` like a contact pair. The snapshot is keyed by HubSpot property name (as for contacts,
 * C7), plus {@link OWNER_SNAPSHOT_KEY} for the owner (O1).
 */
export interface CompanyPair {
  companyId: string;
  accountId: string;
  snapshot: Record<string, string | null>;
  /** Monotonic; 0 for a pair not yet stored. */
  version: number;
  lastSyncedAt: number;
  /** How the pair came to be (C3 a/b, C2, C4, import), for the trace. */
  origin: 'matched-by-contacts' | 'created-in-hubspot' | 'created-in-salesforce' | 'import';
}

/**
 * The snapshot key of the owner (O1) in a contact or company pair's snapshot: the owner's normalized
 * email, the identity both sides share. Not a HubSpot property name, so no field mapping can clash.
 */
export const OWNER_SNAPSHOT_KEY = '@owner';

/**
 * The HubSpot company property that names its Salesforce Account (HubSpot's own, in the Salesforce
 * information group). crmsync stamps it on every company it creates for an account (C2), so a company
 * whose create response was lost is found again (C3 a) rather than created twice.
 */
export const ACCOUNT_ID_PROPERTY = 'salesforceaccountid';

/**
 * The snapshot key of a contact pair's account association (C6): the Salesforce Account id its
 * HubSpot primary company and its Contact's AccountId last agreed on.
 */
export const ACCOUNT_SNAPSHOT_KEY = '@account';

/** A HubSpot owner (owners v3, read-only): assigned by `id`, matched by email. */
export interface HubSpotOwner {
  id: string;
  email: string | null;
  archived: boolean;
}

/** A Salesforce User (`Email`, `IsActive`, `UserType`) or a queue (Group) that can own a Lead. */
export interface SalesforceUser {
  id: string;
  email: string | null;
  isActive: boolean;
  /** `Standard` for licensed users; `Queue` for a queue owner (ids starting 00G). */
  userType: string;
}

/** Both sides' owners, as cached in the store (refreshed on a schedule and on a miss). */
export interface OwnerDirectory {
  hubspotOwners: HubSpotOwner[];
  salesforceUsers: SalesforceUser[];
  /** When the directory was read, epoch ms. */
  refreshedAt: number;
}

import type { CompanyPair, SalesforceAccount } from './company-entities.ts';
import type { SalesforceObject } from './notice.ts';

/**
 * When a company or an account is synced or created at all (docs/design.md#companies-accounts-and-owners):
 * the toggle (C1), Salesforce → HubSpot (C2) and HubSpot → Salesforce (C4). A Lead never takes part
 * (C5): it has no account, and its `Company` text field syncs through the contact mapping.
 */

/** The reason recorded when company sync is off (C1). */
export const COMPANIES_OFF = 'C1: company sync is off: no company or account is created, linked or written';

/** What to do with an account notice. */
export type AccountAction =
  | { action: 'skip'; reason: string }
  /** The account is linked: three-way merge with its company (C7). */
  | { action: 'merge'; pair: CompanyPair; reason: string }
  /** Not linked: match a company by C3, else create one (C2). */
  | { action: 'match'; reason: string };

/**
 * C1/C2: an account that changed (created, edited, imported, resynced) syncs when company sync is
 * on: linked → merge; not linked → match or create a company, no contact needed. A deleted account
 * is left to the merge rule (C9) or ignored.
 */
export function decideAccountAction(input: {
  companiesEnabled: boolean;
  account: SalesforceAccount | undefined;
  pair: CompanyPair | undefined;
}): AccountAction {
  if (!input.companiesEnabled) return { action: 'skip', reason: COMPANIES_OFF };
  const { account, pair } = input;
  if (account === undefined || account.isDeleted) {
    return { action: 'skip', reason: 'C2: the account no longer exists in Salesforce' };
  }
  if (pair) {
    return {
      action: 'merge',
      pair,
      reason: `C7: account ${account.id} is linked to company ${pair.companyId}`,
    };
  }
  return {
    action: 'match',
    reason: `C2: account ${account.id} is not linked yet: match a company (C3) or create one`,
  };
}

/** A contact associated with a HubSpot company, as C4 looks at it. */
export interface AssociatedContact {
  hubspotContactId: string;
  /** In the inclusion segment, or no segment is set (R2). */
  eligible: boolean;
  /** The Salesforce record the contact syncs with, and that record's AccountId (Contacts only). */
  linked?: { salesforceType: SalesforceObject; accountId: string | null };
}

export type AccountCreation = { create: true; reason: string } | { create: false; reason: string };

/**
 * C4: a HubSpot company creates an Account when an eligible associated contact syncs with a
 * Salesforce Contact that has no account, or an eligible associated contact is not linked yet and
 * new contacts are created in Salesforce as Contacts. Never without an associated contact, when all
 * of them sync with Leads (C5), or when none of them is in the segment.
 */
export function decideAccountCreation(input: {
  companyId: string;
  companiesEnabled: boolean;
  contacts: AssociatedContact[];
  /** What a new HubSpot contact becomes in Salesforce (`creation.salesforceObject`). */
  contactsCreatedAs: SalesforceObject;
}): AccountCreation {
  if (!input.companiesEnabled) return { create: false, reason: COMPANIES_OFF };
  const no = (why: string): AccountCreation => ({
    create: false,
    reason: `C4: no account created for company ${input.companyId}: ${why}`,
  });
  if (input.contacts.length === 0) return no('it has no associated contact');
  const eligible = input.contacts.filter((c) => c.eligible);
  if (eligible.length === 0) return no('none of its contacts is in the inclusion segment');
  const withoutAccount = eligible.find(
    (c) => c.linked?.salesforceType === 'Contact' && c.linked.accountId === null,
  );
  if (withoutAccount) {
    return {
      create: true,
      reason: `C4: contact ${withoutAccount.hubspotContactId} syncs with a Salesforce Contact that has no account`,
    };
  }
  const unlinked = eligible.find((c) => c.linked === undefined);
  if (unlinked && input.contactsCreatedAs === 'Contact') {
    return {
      create: true,
      reason: `C4: contact ${unlinked.hubspotContactId} is eligible and new contacts are created in Salesforce as Contacts`,
    };
  }
  if (eligible.every((c) => c.linked?.salesforceType === 'Lead')) {
    return no('all its eligible contacts sync with Leads, which have no account (C5)');
  }
  if (unlinked) return no('its contacts are created in Salesforce as Leads, which have no account (C5)');
  return no('the Salesforce Contacts of its contacts already have accounts');
}

/**
 * C9: an Account merged away in Salesforce (deleted with a `MasterRecordId`) or a company merged in
 * HubSpot re-points the link to the survivor. When the survivor is linked already, the loser's link
 * goes (a link stays one-to-one) and its other record syncs as an unlinked one. An account merge keeps the pair's key (the company) and moves its
 * account; a company merge writes the pair under the surviving company and removes the old one.
 */
export function repointCompanyPair(
  loser: CompanyPair,
  survivor: { side: 'hubspot' | 'salesforce'; id: string },
  survivorPair: CompanyPair | undefined,
  now: number,
): { write?: { pair: CompanyPair; expectedVersion: number }; remove?: CompanyPair; reason: string } {
  const what = survivor.side === 'salesforce' ? 'account' : 'company';
  const from = survivor.side === 'salesforce' ? loser.accountId : loser.companyId;
  if (survivorPair) {
    const other = survivor.side === 'salesforce' ? 'company' : 'account';
    const orphan = survivor.side === 'salesforce' ? loser.companyId : loser.accountId;
    return {
      remove: loser,
      reason: `C9: ${what} ${from} merged into ${survivor.id}, which is linked already; the merged link is removed and its ${other} ${orphan} syncs as an unlinked record (${survivor.side === 'salesforce' ? 'C4' : 'C3, C2'})`,
    };
  }
  const reason = `C9: ${what} ${from} merged into ${survivor.id}; the link moves to the survivor`;
  if (survivor.side === 'salesforce') {
    const pair = { ...loser, accountId: survivor.id, lastSyncedAt: now };
    return { write: { pair, expectedVersion: loser.version }, reason };
  }
  const pair = { ...loser, companyId: survivor.id, version: 0, lastSyncedAt: now };
  return { write: { pair, expectedVersion: 0 }, remove: loser, reason };
}

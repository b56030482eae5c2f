import { decideField } from './field-rules.ts';
import type { SalesforceObject } from './notice.ts';

/**
 * C6: a contact's primary company follows its Contact's AccountId, both ways, most recent wins, like
 * a field (docs/design.md#companies-accounts-and-owners). Both sides are compared as an Account id:
 * Salesforce's AccountId as it is, HubSpot's primary company through its company/account link. So
 * the `two-way` field rule and the pair snapshot (`@account`) decide, as for any mapped field, and
 * an echo of our own association write finds both sides equal to the snapshot.
 */

/** HubSpot's association type ids for contact → company (verify with the labels endpoint). */
export const CONTACT_TO_COMPANY = { primary: 1, unlabeled: 279 } as const;

/** The key of a primary company that is not linked to any account yet: it never equals an Account id. */
const UNLINKED = 'company:';

export interface AssociationState {
  /** The Salesforce object the contact syncs with; a Lead has no account (C5). */
  salesforceType: SalesforceObject;
  /** Contact.AccountId now. */
  accountId: string | null;
  /** The HubSpot contact's primary company now. */
  primaryCompanyId: string | null;
  /** The Account id both sides last agreed on; `undefined` before the first sync of the pair. */
  snapshot: string | null | undefined;
  hubspotChangedAt: number;
  salesforceChangedAt: number;
}

/** The company/account links the decision may need, looked up by the caller in one batch. */
export interface CompanyLinks {
  accountOf(companyId: string): string | undefined;
  companyOf(accountId: string): string | undefined;
}

/** What C6 asks for one contact pair. */
export type AssociationDecision =
  /** Nothing to do (already agree, or a Lead: C5). */
  | { kind: 'none'; snapshot: string | null | undefined; reason: string }
  /** Make the company linked to `accountId` the primary company; the old primary is demoted, not removed. */
  | { kind: 'set-primary'; companyId: string; demote: string | null; snapshot: string; reason: string }
  /** Demote the primary company (AccountId was cleared): it stays associated, unlabeled. */
  | { kind: 'demote-primary'; companyId: string; snapshot: null; reason: string }
  /** Write Contact.AccountId (null clears it). */
  | { kind: 'set-account'; accountId: string | null; snapshot: string | null; reason: string }
  /** The other side's record is not linked yet: sync the company/account first (C2, C4), then retry. */
  | { kind: 'pending'; needs: 'company' | 'account'; id: string; reason: string };

/** Decides C6 for one contact pair. */
export function decideAssociation(state: AssociationState, links: CompanyLinks): AssociationDecision {
  if (state.salesforceType === 'Lead') {
    return {
      kind: 'none',
      snapshot: state.snapshot,
      reason: 'C5: a Lead has no account; no company association',
    };
  }
  const hubspot =
    state.primaryCompanyId === null
      ? null
      : (links.accountOf(state.primaryCompanyId) ?? `${UNLINKED}${state.primaryCompanyId}`);
  const salesforce = state.accountId;
  if (hubspot === salesforce) {
    return { kind: 'none', snapshot: hubspot, reason: 'C6: primary company and AccountId agree' };
  }
  const decision = decideField('two-way', {
    hubspot,
    salesforce,
    snapshot: state.snapshot,
    hubspotChangedAt: state.hubspotChangedAt,
    salesforceChangedAt: state.salesforceChangedAt,
  });
  const target = decision.kind === 'value' ? decision.value : salesforce;
  const conflict = decision.kind === 'value' && decision.conflict ? ` (${decision.conflict.reason})` : '';
  if (target === salesforce) return towardsHubSpot(state, salesforce, links, conflict);
  if (target?.startsWith(UNLINKED)) {
    return {
      kind: 'pending',
      needs: 'account',
      id: target.slice(UNLINKED.length),
      reason: `C6: primary company ${target.slice(UNLINKED.length)} has no account yet (C4 decides whether to create one)`,
    };
  }
  return {
    kind: 'set-account',
    accountId: target,
    snapshot: target,
    reason:
      target === null
        ? `C6: AccountId cleared: the HubSpot contact has no primary company${conflict}`
        : `C6: AccountId set to ${target}, the account of primary company ${state.primaryCompanyId}${conflict}`,
  };
}

/** Salesforce's AccountId wins: make its company primary (demoting the old one), or demote on a clear. */
function towardsHubSpot(
  state: AssociationState,
  accountId: string | null,
  links: CompanyLinks,
  conflict: string,
): AssociationDecision {
  if (accountId === null) {
    // state.primaryCompanyId is set here: both blank would have agreed above.
    const companyId = state.primaryCompanyId ?? '';
    return {
      kind: 'demote-primary',
      companyId,
      snapshot: null,
      reason: `C6: AccountId cleared in Salesforce: company ${companyId} is no longer primary (still associated)${conflict}`,
    };
  }
  const companyId = links.companyOf(accountId);
  if (companyId === undefined) {
    return {
      kind: 'pending',
      needs: 'company',
      id: accountId,
      reason: `C6: account ${accountId} has no company yet (C2 creates or links one)`,
    };
  }
  return {
    kind: 'set-primary',
    companyId,
    demote: state.primaryCompanyId,
    snapshot: accountId,
    reason: `C6: primary company set to ${companyId}, linked to AccountId ${accountId}${
      state.primaryCompanyId ? `; company ${state.primaryCompanyId} demoted, still associated` : ''
    }${conflict}`,
  };
}

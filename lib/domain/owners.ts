import type { OwnerDirectory } from './company-entities.ts';
import { decideField } from './field-rules.ts';
import { normalizeEmail } from './identity.ts';
import type { CrmSide } from './notice.ts';

/**
 * Owners (docs/design.md#companies-accounts-and-owners, O1–O5). An owner id means nothing on the
 * other side, so owners are compared by a canonical key both sides share: the owner's normalized
 * email. O1 (always two-way, most recent wins) is then the `two-way` field rule applied to those
 * keys, and the three-way snapshot stores the key. What is left here is what owners add: an owner
 * is only written where it resolves to an assignable owner on the target side (O2, O3), the first
 * link never clears a Salesforce owner (O5), and creation sends an owner only when one matches (O4).
 */

/** The rule a decision applies, cited in the recorded decision. */
export type OwnerRule = 'O1' | 'O2' | 'O3' | 'O4' | 'O5';

/** Salesforce queue (Group) ids start with 00G; a Lead owned by a queue has no user to map (O3). */
const QUEUE_PREFIX = '00G';

/**
 * The canonical key of a HubSpot owner id: its normalized email; `hubspot-owner:<id>` when the
 * directory has no email for it (unknown, or no email), so it differs from every email and never
 * resolves to a Salesforce user; null for no owner.
 */
export function hubspotOwnerKey(
  ownerId: string | null | undefined,
  directory: OwnerDirectory,
): string | null {
  if (!ownerId) return null;
  const owner = directory.hubspotOwners.find((o) => o.id === ownerId);
  return normalizeEmail(owner?.email) ?? `hubspot-owner:${ownerId}`;
}

/** The canonical key of a Salesforce OwnerId: the user's normalized email, `queue:<id>` for a queue. */
export function salesforceOwnerKey(
  ownerId: string | null | undefined,
  directory: OwnerDirectory,
): string | null {
  if (!ownerId) return null;
  const user = directory.salesforceUsers.find((u) => u.id === ownerId);
  if (ownerId.startsWith(QUEUE_PREFIX) || user?.userType === 'Queue') return `queue:${ownerId}`;
  return normalizeEmail(user?.email) ?? `salesforce-user:${ownerId}`;
}

/** O2: the active Salesforce user with this email (case-insensitive), if any. */
export function activeSalesforceUserFor(key: string | null, directory: OwnerDirectory): string | undefined {
  if (key === null) return undefined;
  return directory.salesforceUsers.find(
    (u) => u.isActive && u.userType !== 'Queue' && normalizeEmail(u.email) === key,
  )?.id;
}

/** O3: the (not archived) HubSpot owner with this email, if any. */
export function hubspotOwnerFor(key: string | null, directory: OwnerDirectory): string | undefined {
  if (key === null) return undefined;
  return directory.hubspotOwners.find((o) => !o.archived && normalizeEmail(o.email) === key)?.id;
}

/**
 * Owner ids the directory does not know: the caller refreshes the cached directory once on a miss
 * before deciding, so an owner added since the last scheduled refresh is found.
 */
export function unknownOwners(
  ids: { hubspot: (string | null)[]; salesforce: (string | null)[] },
  directory: OwnerDirectory,
): { hubspot: string[]; salesforce: string[] } {
  const hs = new Set(directory.hubspotOwners.map((o) => o.id));
  const sf = new Set(directory.salesforceUsers.map((u) => u.id));
  return {
    hubspot: [...new Set(ids.hubspot.filter((id): id is string => !!id && !hs.has(id)))],
    salesforce: [
      ...new Set(
        ids.salesforce.filter((id): id is string => !!id && !id.startsWith(QUEUE_PREFIX) && !sf.has(id)),
      ),
    ],
  };
}

/**
 * A write refused because the owner it names can no longer own records: Salesforce's
 * `INACTIVE_OWNER_OR_USER` (OwnerId names a deactivated user), HubSpot's `INVALID_OWNER_ID` (a
 * `hubspot_owner_id` of a deactivated, archived owner). The adapters keep the CRM's code in the
 * outcome's message (Salesforce `<statusCode>: …`; HubSpot puts it in its own message). Such a
 * refusal means the cached directory is stale: refresh it and decide the owner again.
 */
export function isOwnerRefusal(message: string): boolean {
  return /\b(INACTIVE_OWNER_OR_USER|INVALID_OWNER_ID)\b/.test(message);
}

/** One record's owners on both sides and what the pair last synced. */
export interface OwnerState {
  /** `hubspot_owner_id` of the contact or company. */
  hubspotOwnerId: string | null;
  /** `OwnerId` of the Lead, Contact or Account. */
  salesforceOwnerId: string | null;
  /** The last-synced owner key; `undefined` for a pair that never synced its owner (O5). */
  snapshot: string | null | undefined;
  hubspotChangedAt: number;
  salesforceChangedAt: number;
}

/** What to do about one record's owner. */
export interface OwnerDecision {
  /** The HubSpot owner id to set, when HubSpot changes. */
  toHubSpot?: string;
  /** The Salesforce user id to set as OwnerId, when Salesforce changes. */
  toSalesforce?: string;
  /** The owner key to keep in the snapshot (unchanged when nothing could be applied). */
  snapshot: string | null | undefined;
  rule: OwnerRule;
  /** Why, for the decision trace. */
  reason: string;
  /** True when a change was refused (O2) or could not be mapped (O3): the decision says why. */
  refused: boolean;
}

/**
 * Decides one record's owner (O1–O3, O5). Owners sync two-way, most recent wins, on their emails;
 * HubSpot → Salesforce only to an active user with the owner's email (else OwnerId is not written
 * and the HubSpot owner is set back to Salesforce's, O2); Salesforce → HubSpot only to an existing
 * HubSpot owner with that email (else HubSpot is left as it is, O3). A Salesforce owner is never
 * cleared: OwnerId is required there, so a HubSpot owner cleared is set back like an O2 refusal.
 */
export function decideOwner(state: OwnerState, directory: OwnerDirectory): OwnerDecision {
  const hubspot = hubspotOwnerKey(state.hubspotOwnerId, directory);
  const salesforce = salesforceOwnerKey(state.salesforceOwnerId, directory);
  if (hubspot === salesforce) {
    return { snapshot: hubspot, rule: 'O1', reason: 'owners already match', refused: false };
  }
  if (state.snapshot === undefined) return firstLink(hubspot, salesforce, directory);
  const decision = decideField('two-way', {
    hubspot,
    salesforce,
    snapshot: state.snapshot,
    hubspotChangedAt: state.hubspotChangedAt,
    salesforceChangedAt: state.salesforceChangedAt,
  });
  const winner: CrmSide = decision.kind === 'value' && decision.value === hubspot ? 'hubspot' : 'salesforce';
  return winner === 'hubspot'
    ? toSalesforce(hubspot, salesforce, state.snapshot, directory)
    : toHubSpot(salesforce, state.snapshot, directory, 'O3');
}

/** O5: first link of two existing records: an active Salesforce owner wins, a blank HubSpot owner is filled. */
function firstLink(
  hubspot: string | null,
  salesforce: string | null,
  directory: OwnerDirectory,
): OwnerDecision {
  const salesforceActive = activeSalesforceUserFor(salesforce, directory) !== undefined;
  if (salesforceActive || hubspot === null) {
    const applied = toHubSpot(salesforce, undefined, directory, 'O5');
    return salesforce === null ? { ...applied, reason: 'O5: no owner on either side' } : applied;
  }
  // An inactive user or a queue owns the Salesforce record: the HubSpot owner goes over, when it is
  // an active Salesforce user (O2); otherwise neither side changes.
  const applied = toSalesforce(hubspot, salesforce, undefined, directory);
  if (!applied.refused) return { ...applied, rule: 'O5' };
  return {
    snapshot: undefined,
    rule: 'O5',
    reason:
      'O5: neither owner changed: the Salesforce owner is inactive or a queue, and the HubSpot owner’s email matches no active Salesforce user',
    refused: true,
  };
}

/** Salesforce's owner goes to HubSpot when a HubSpot owner has its email (O3). */
function toHubSpot(
  salesforce: string | null,
  previous: string | null | undefined,
  directory: OwnerDirectory,
  rule: 'O3' | 'O5',
): OwnerDecision {
  if (salesforce === null) {
    // Salesforce has no owner only before a first sync (OwnerId is required there); nothing to send.
    return { snapshot: previous, rule, reason: `${rule}: Salesforce has no owner`, refused: false };
  }
  const ownerId = hubspotOwnerFor(salesforce, directory);
  if (ownerId === undefined) {
    const what = salesforce.startsWith('queue:')
      ? 'the Salesforce owner is a queue'
      : 'no HubSpot owner has the Salesforce owner’s email (HubSpot owners cannot be created through the API)';
    return {
      snapshot: previous,
      rule,
      reason: `${rule}: HubSpot owner left unchanged: ${what}`,
      refused: true,
    };
  }
  return {
    toHubSpot: ownerId,
    snapshot: salesforce,
    rule,
    reason: `${rule}: HubSpot owner set to ${ownerId}, matched by the Salesforce owner’s email`,
    refused: false,
  };
}

/** HubSpot's owner goes to Salesforce only as an active user with its email (O2); else set back. */
function toSalesforce(
  hubspot: string | null,
  salesforce: string | null,
  previous: string | null | undefined,
  directory: OwnerDirectory,
): OwnerDecision {
  const userId = activeSalesforceUserFor(hubspot, directory);
  if (userId !== undefined) {
    return {
      toSalesforce: userId,
      snapshot: hubspot,
      rule: 'O2',
      reason: `O2: Salesforce OwnerId set to active user ${userId}, matched by the HubSpot owner’s email`,
      refused: false,
    };
  }
  const why =
    hubspot === null
      ? 'the HubSpot owner was cleared and a Salesforce owner is never cleared'
      : 'the HubSpot owner’s email matches no active Salesforce user';
  const back = hubspotOwnerFor(salesforce, directory);
  const setBack =
    back === undefined
      ? 'no HubSpot owner matches the Salesforce owner, so it stays'
      : `HubSpot owner set back to ${back}`;
  return {
    ...(back === undefined ? {} : { toHubSpot: back }),
    snapshot: back === undefined ? previous : salesforce,
    rule: 'O2',
    reason: `O2: OwnerId not written: ${why}; ${setBack}`,
    refused: true,
  };
}

/**
 * O4: the owner of a record crmsync creates. In Salesforce: the active user matching the HubSpot
 * owner's email, else none (assignment rules or the integration user apply). In HubSpot: the owner
 * matching the Salesforce owner's email, else none. `snapshot` is the key the new pair starts from.
 */
export function ownerForCreation(
  target: CrmSide,
  sourceOwnerId: string | null,
  directory: OwnerDirectory,
): { ownerId?: string; snapshot: string | null; reason: string } {
  const key =
    target === 'salesforce'
      ? hubspotOwnerKey(sourceOwnerId, directory)
      : salesforceOwnerKey(sourceOwnerId, directory);
  const ownerId =
    target === 'salesforce' ? activeSalesforceUserFor(key, directory) : hubspotOwnerFor(key, directory);
  if (ownerId === undefined) {
    const none =
      target === 'salesforce'
        ? 'no OwnerId sent: no active Salesforce user has the HubSpot owner’s email, so assignment rules apply'
        : 'no HubSpot owner set: no HubSpot owner has the Salesforce owner’s email';
    return { snapshot: key, reason: key === null ? 'O4: the source record has no owner' : `O4: ${none}` };
  }
  return { ownerId, snapshot: key, reason: `O4: created with owner ${ownerId}, matched by email` };
}

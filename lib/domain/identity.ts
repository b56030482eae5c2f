import type { CrmSide, SalesforceObject } from './notice.ts';
import type { HubSpotContact, PairState, SalesforceRecord } from './entities.ts';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The identity key of a contact: trimmed, NFC, lower-case. Undefined for blank or malformed input, so
 * a record without a usable email is never matched (and never merged with another by accident).
 */
export function normalizeEmail(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const email = raw.trim().normalize('NFC').toLowerCase();
  return EMAIL.test(email) ? email : undefined;
}

export interface SalesforceMatch {
  chosen: SalesforceRecord | undefined;
  /** Why this one, for the decision trace; says so when there were several. */
  reason: string;
}

/**
 * Chooses the Salesforce record a HubSpot contact links to among records with its email
 * (docs/design.md#email-match): converted and deleted leads are excluded; Contact before Lead; then
 * the most recently modified; then the lowest id, so the choice is deterministic.
 */
export function chooseSalesforceMatch(candidates: SalesforceRecord[]): SalesforceMatch {
  const eligible = candidates.filter((r) => !r.isConverted && !r.isDeleted);
  const sorted = [...eligible].sort(
    (a, b) =>
      (a.objectType === b.objectType ? 0 : a.objectType === 'Contact' ? -1 : 1) ||
      b.modifiedAt - a.modifiedAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const chosen = sorted[0];
  if (!chosen) {
    const excluded = candidates.length - eligible.length;
    return {
      chosen,
      reason:
        excluded > 0 ? `no match: ${excluded} converted or deleted record(s) excluded` : 'no match by email',
    };
  }
  if (sorted.length === 1) return { chosen, reason: `matched ${chosen.objectType} ${chosen.id} by email` };
  const contacts = sorted.filter((r) => r.objectType === 'Contact').length;
  const leads = sorted.length - contacts;
  const why =
    contacts > 0 && leads > 0 && contacts === 1
      ? 'Contact preferred over Lead'
      : contacts > 0 && leads > 0
        ? 'Contact preferred over Lead, then the most recently modified'
        : 'the most recently modified';
  return {
    chosen,
    reason: `matched ${chosen.objectType} ${chosen.id} by email among ${sorted.length} records (${contacts} Contact, ${leads} Lead): ${why}`,
  };
}

/** A pair write with the version the stored pair must have (0: must not exist). */
export interface PairWrite {
  pair: PairState;
  expectedVersion: number;
}

/** A pair removal (its version guards against a racing processor). */
export interface PairDelete {
  hubspotId: string;
  expectedVersion: number;
}

/**
 * Lead conversion (docs/design.md#lead-conversion): a converted Lead with a ConvertedContactId re-points the pair to
 * the Contact. The snapshot is kept (it is keyed by HubSpot property), so fields mapped for both
 * objects carry on without a conflict. Undefined when the lead is not converted or names no contact.
 */
export function repointForConversion(
  pair: PairState,
  lead: SalesforceRecord,
  now: number,
): PairWrite | undefined {
  if (lead.objectType !== 'Lead' || !lead.isConverted || !lead.convertedContactId) return undefined;
  if (pair.salesforceId === lead.convertedContactId) return undefined;
  return {
    pair: {
      ...pair,
      salesforceId: lead.convertedContactId,
      salesforceType: 'Contact',
      version: pair.version + 1,
      lastSyncedAt: now,
    },
    expectedVersion: pair.version,
  };
}

export interface MergeRepointInput {
  /** The side where records were merged. */
  side: CrmSide;
  /** Ids merged away (HubSpot `mergedIds` minus the survivor; Salesforce: the deleted record). */
  loserIds: string[];
  survivorId: string;
  /** Salesforce merges: the survivor's object (a merge never changes object type). */
  survivorType?: SalesforceObject;
  /** Every stored pair involving a loser or the survivor. */
  pairs: PairState[];
  /**
   * The survivor was linked earlier in the same batch (a new link or a counterpart being created):
   * the HubSpot id (Salesforce merges) or Salesforce id (HubSpot merges) it is linked to, '' while
   * the counterpart is still being created. Treated like a stored survivor link.
   */
  survivorLinkedInBatch?: string;
  /**
   * Salesforce merges: the survivor's normalized email, and the normalized email of each loser pair's
   * HubSpot contact (by HubSpot id; a contact that was read and has no usable email maps to undefined).
   * A link is not moved onto a survivor carrying another email: links are matched by email, and a
   * merge must not make crmsync write another person's email onto a contact (reliability finding 7).
   * Left out (or a contact missing from the map): the link moves as before.
   */
  emails?: { survivor: string | undefined; hubspot: ReadonlyMap<string, string | undefined> };
  /**
   * HubSpot merges: loser pairs (by HubSpot id) whose Salesforce record must not take the survivor's
   * email, because another live Salesforce record has that email already — moving the link would make
   * crmsync write a duplicate email into Salesforce (reliability seed 1198196775). Removed, not moved
   * (`otherEmail`); the survivor then links by email to the record that has its email.
   */
  keepApart?: ReadonlySet<string>;
  now: number;
}

/** What a merge does to the stored pairs. */
export interface MergeRepoint {
  put: PairWrite[];
  delete: PairDelete[];
  /**
   * Loser pairs removed because the survivor is linked already (its link stays: links are one-to-one).
   * Their other side is unlinked afterwards and follows the identity rules on its next notice.
   */
  unlinked: PairState[];
  /**
   * Loser pairs removed, not moved, because the survivor's email differs from their HubSpot contact's
   * (`emails`), or another Salesforce record has the HubSpot survivor's email (`keepApart`). The
   * record left unlinked follows the identity rules; the survivor links by email to the record that
   * has its email.
   */
  otherEmail: PairState[];
}

/**
 * Merges (HubSpot `contact.merge`, Salesforce delete with MasterRecordId) re-point links to the
 * survivor, keeping links one-to-one: when the survivor is already linked (stored, or linked earlier
 * in the same batch), its link stays and the losers' links go (`unlinked`: their other side is left
 * without a link, never linked twice); otherwise the first loser's link (by id) moves to the survivor
 * and any others go. A Salesforce survivor whose email differs from a loser's HubSpot contact's
 * (`emails`) does not take that contact's link, nor does a HubSpot survivor whose email another
 * Salesforce record has (`keepApart`): the pair goes (`otherEmail`), as links match by email.
 */
export function repointForMerge(input: MergeRepointInput): MergeRepoint {
  const idOf = (p: PairState) => (input.side === 'hubspot' ? p.hubspotId : p.salesforceId);
  const losers = new Set(input.loserIds.filter((id) => id !== input.survivorId));
  const survivorPair = input.pairs.find((p) => idOf(p) === input.survivorId);
  const loserPairs = input.pairs
    .filter((p) => losers.has(idOf(p)))
    .sort((a, b) => (idOf(a) < idOf(b) ? -1 : 1));
  const put: PairWrite[] = [];
  const del: PairDelete[] = [];
  const unlinked: PairState[] = [];
  const otherEmail: PairState[] = [];
  const emailDiffers = (pair: PairState): boolean => {
    if (input.keepApart?.has(pair.hubspotId)) return true;
    const emails = input.emails;
    if (input.side !== 'salesforce' || !emails || emails.survivor === undefined) return false;
    if (!emails.hubspot.has(pair.hubspotId)) return false;
    return emails.hubspot.get(pair.hubspotId) !== emails.survivor;
  };
  const survivorLinked = survivorPair !== undefined || input.survivorLinkedInBatch !== undefined;
  let moved = survivorLinked;
  for (const pair of loserPairs) {
    if (!moved && emailDiffers(pair)) {
      del.push({ hubspotId: pair.hubspotId, expectedVersion: pair.version });
      otherEmail.push(pair);
      continue;
    }
    if (!moved) {
      moved = true;
      if (input.side === 'hubspot') {
        // Pairs are keyed by HubSpot id: moving one is a delete of the old key plus a create.
        del.push({ hubspotId: pair.hubspotId, expectedVersion: pair.version });
        put.push({
          pair: { ...pair, hubspotId: input.survivorId, version: 1, lastSyncedAt: input.now },
          expectedVersion: 0,
        });
      } else {
        put.push({
          pair: {
            ...pair,
            salesforceId: input.survivorId,
            salesforceType: input.survivorType ?? pair.salesforceType,
            version: pair.version + 1,
            lastSyncedAt: input.now,
          },
          expectedVersion: pair.version,
        });
      }
      continue;
    }
    del.push({ hubspotId: pair.hubspotId, expectedVersion: pair.version });
    if (survivorLinked) unlinked.push(pair);
  }
  return { put, delete: del, unlinked, otherEmail };
}

export interface HubSpotMatch {
  chosen: HubSpotContact | undefined;
  /** Why this one, for the decision trace; says so when there were several. */
  reason: string;
}

/**
 * Chooses the HubSpot contact a Salesforce record links to among unlinked contacts with its email
 * (docs/design.md#email-match). HubSpot keeps emails unique, so several candidates only happen in the
 * middle of a merge: the oldest contact (the one a merge keeps by default), then the lowest id.
 */
export function chooseHubSpotMatch(candidates: HubSpotContact[]): HubSpotMatch {
  const sorted = [...candidates].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  const chosen = sorted[0];
  if (!chosen) return { chosen, reason: 'no match by email' };
  if (sorted.length === 1) return { chosen, reason: 'matched HubSpot contact by email' };
  return {
    chosen,
    reason: `matched HubSpot contact by email among ${sorted.length} contacts: the oldest`,
  };
}

/**
 * HubSpot's property holding a contact's secondary emails. A merge puts the merged-away contact's
 * email there, and HubSpot then refuses a new contact with it ("Contact already exists. Existing ID:
 * <survivor>"): docs/design.md#merged-away-email.
 */
export const ADDITIONAL_EMAILS = 'hs_additional_emails';

/** A contact's additional emails, normalized (HubSpot separates a multi-value property with `;`). */
export function additionalEmails(contact: HubSpotContact): string[] {
  const raw = contact.properties[ADDITIONAL_EMAILS];
  if (!raw) return [];
  return raw
    .split(';')
    .map((e) => normalizeEmail(e))
    .filter((e): e is string => e !== undefined);
}

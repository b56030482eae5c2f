import type { HubSpotContact, PairState, SalesforceRecord } from '../entities.ts';
import type { PlanRecord } from '../coalesce.ts';
import {
  chooseHubSpotMatch,
  chooseSalesforceMatch,
  normalizeEmail,
  type PairWrite,
  repointForConversion,
} from '../identity.ts';
import type { NoticeObject } from '../notice.ts';
import type { Batch } from './batch.ts';
import type { GateSubject } from './gate.ts';
import { mergeSurvivor } from './merges.ts';

/** The pipeline stops before acting, with this decision (and the record's carried pair write, if any). */
export interface Stop {
  kind: 'stop';
  outcome: 'skipped' | 'noop' | 'relinked';
  reason: string;
  detail?: Record<string, unknown>;
  carried?: PairWrite | undefined;
}

/** Who a record is, once resolved: what the gate is asked about and what the act works on. */
export interface Resolved {
  kind: 'resolved';
  /** The record, its kind corrected by the read (a `deleted` record that reads back alive is `restored`). */
  record: PlanRecord;
  /** The object the gate sees (a converted Lead's record is gated as its Contact). */
  objectType: NoticeObject;
  subject: GateSubject;
  /** The HubSpot contact: the record, its linked counterpart, or the one its email matched. */
  contact: HubSpotContact | undefined;
  /** The Salesforce record: the record, its linked counterpart, or the one its email matched. */
  salesforce: SalesforceRecord | undefined;
  /** The link to sync through; undefined for a new link (a match) or a counterpart to create. */
  pair: PairState | undefined;
  /** Why a new link was made, for its `linked` decision. */
  linkReason?: string;
  /** A link re-pointed by a Lead conversion: written with the sync, or alone when the pipeline stops. */
  carried?: PairWrite | undefined;
}

export type Resolution =
  | { kind: 'merge'; survivorId: string }
  | { kind: 'delete'; pair: PairState | undefined }
  | Stop
  | Resolved;

const stop = (
  outcome: Stop['outcome'],
  reason: string,
  detail?: Record<string, unknown>,
  carried?: PairWrite,
): Stop => ({ kind: 'stop', outcome, reason, ...(detail ? { detail } : {}), carried });

/**
 * Step 1 of the pipeline, the same for both sides: the record as read (a merge, a delete, or not
 * found), a Lead conversion (the carried pair write), its link and counterpart, or else the record on
 * the other side its normalized email matches (`chooseSalesforceMatch` / `chooseHubSpotMatch`).
 */
export function resolve(batch: Batch, record: PlanRecord): Resolution {
  return record.source === 'hubspot' ? resolveHubSpot(batch, record) : resolveSalesforce(batch, record);
}

function resolveHubSpot(batch: Batch, record: PlanRecord): Resolution {
  const contact = batch.hubspotById.get(record.recordId);
  const pair = batch.pairByHubSpot.get(record.recordId);
  const survivorId = mergeSurvivor(record);
  if (survivorId !== undefined) return { kind: 'merge', survivorId };
  if (record.kind === 'deleted' && !contact) return { kind: 'delete', pair };
  // Decision 1: the latest read wins over the notice. A "deleted" contact that reads back alive was restored since.
  if (record.kind === 'deleted') record = { ...record, kind: 'restored' };
  if (!contact) return stop('skipped', 'not-found');
  const base = { kind: 'resolved', record, objectType: 'contact', contact } as const;
  const subject = { hubspotId: contact.id, pair };

  if (pair) {
    const linked = batch.salesforceById.get(pair.salesforceId);
    const converted = linked ? convert(batch, record, pair, linked) : undefined;
    if (converted === 'unlinked') return stop('relinked', CONVERTED_INTO_OTHER_EMAIL, unlinkDetail(pair));
    const carried = converted;
    const current = carried ? carried.pair : pair;
    const sf = batch.salesforceById.get(current.salesforceId);
    if ((!sf || sf.isDeleted) && !sf?.masterRecordId && !carried && batch.input.config.deletes === 'ignore')
      return unlinkDeletedCounterpart(batch, pair);
    if (!sf || sf.isDeleted)
      return stop('skipped', 'not-found', { salesforceId: current.salesforceId }, carried);
    const through = carried ? { ...carried.pair, version: carried.expectedVersion } : pair;
    return { ...base, subject, salesforce: sf, pair: through, carried };
  }

  // Unlinked: match by normalized email before creating anything, so no duplicate is made.
  const email = normalizeEmail(contact.properties['email']);
  const sameEmail = email ? (batch.salesforceByEmail.get(email) ?? []) : [];
  const candidates = sameEmail.filter(
    (r) => !batch.pairBySalesforce.has(r.id) && !batch.claimed.has(`salesforce:${r.id}`),
  );
  if (sameEmail.length > 0 && candidates.length === 0) {
    // Every Salesforce record with this email is already linked to another contact: creating one more
    // would be the duplicate that matching by email exists to prevent.
    return stop('skipped', 'duplicate-email', { salesforceIds: sameEmail.map((r) => r.id).sort() });
  }
  const match = chooseSalesforceMatch(candidates);
  return {
    ...base,
    subject,
    salesforce: match.chosen,
    pair: undefined,
    ...(match.chosen ? { linkReason: match.reason } : {}),
  };
}

function resolveSalesforce(batch: Batch, record: PlanRecord): Resolution {
  let sf = batch.salesforceById.get(record.recordId);
  let pair = batch.pairBySalesforce.get(record.recordId);
  const survivorId = mergeSurvivor(record, { salesforce: sf });
  if (survivorId !== undefined) return { kind: 'merge', survivorId };
  if ((record.kind === 'deleted' && !sf) || sf?.isDeleted) return { kind: 'delete', pair };
  // Decision 1: the latest read wins over the notice (a record that reads back alive was undeleted).
  if (record.kind === 'deleted') record = { ...record, kind: 'restored' };
  if (!sf) return stop('skipped', 'not-found');

  // Lead conversion re-points the link to the Contact; an unlinked converted Lead is left to the Contact's own notice.
  let carried: PairWrite | undefined;
  if (sf.objectType === 'Lead' && sf.isConverted) {
    const contactRecord = sf.convertedContactId ? batch.salesforceById.get(sf.convertedContactId) : undefined;
    const converted = pair ? convert(batch, record, pair, sf, contactRecord) : undefined;
    const detail = { convertedContactId: sf.convertedContactId ?? null };
    if (converted === 'unlinked' && pair !== undefined) {
      // The HubSpot contact is left unlinked: its decision (named after this record) starts its follow-up.
      batch.plan.decisions.push({
        at: batch.input.now,
        recordKey: `hubspot:${pair.hubspotId}`,
        outcome: 'relinked',
        reason: CONVERTED_INTO_OTHER_EMAIL,
        detail: { via: record.key, ...unlinkDetail(pair) },
        ...(record.eventIds[0] !== undefined ? { eventId: record.eventIds[0] } : {}),
      });
      return stop('relinked', CONVERTED_INTO_OTHER_EMAIL, { ...detail, ...unlinkDetail(pair) });
    }
    carried = converted === 'unlinked' ? undefined : converted;
    if (!carried) return stop('skipped', 'converted lead', detail);
    if (!contactRecord) return stop('relinked', 'lead converted', detail, carried);
    sf = contactRecord;
    pair = { ...carried.pair, version: carried.expectedVersion };
  }

  const linked = pair ? batch.hubspotById.get(pair.hubspotId) : undefined;
  if (pair && !linked) return stop('skipped', 'not-found', { hubspotId: pair.hubspotId }, carried);
  // A HubSpot record of this batch (their keys sort first) may have linked this one by email already.
  const handledBy = batch.handledBy(record, `salesforce:${sf.id}`);
  if (handledBy !== undefined)
    return stop('noop', 'handled-with-counterpart', { handledWith: handledBy }, carried);
  const base = {
    kind: 'resolved',
    record,
    objectType: sf.objectType,
    salesforce: sf,
    pair,
    carried,
  } as const;
  if (linked) return { ...base, subject: { hubspotId: linked.id, pair }, contact: linked };

  const email = normalizeEmail(sf.fields['Email']);
  const sameEmail = email ? (batch.hubspotByEmail.get(email) ?? []) : [];
  const candidates = sameEmail.filter((c) => !batch.pairByHubSpot.has(c.id));
  if (sameEmail.length > 0 && candidates.length === 0) {
    // The contact with this email is linked to another Salesforce record; HubSpot would refuse a
    // second contact with the same email anyway (409), so record why instead of trying.
    return stop('skipped', 'duplicate-email', { hubspotIds: sameEmail.map((c) => c.id).sort() }, carried);
  }
  if (email && sameEmail.length === 0) {
    const survivor = batch.hubspotByAdditionalEmail.get(email);
    if (survivor) return stop('skipped', EMAIL_OF_MERGED_CONTACT, mergedEmailDetail(survivor.id), carried);
  }
  const match = chooseHubSpotMatch(candidates);
  if (match.chosen && batch.claimed.has(`hubspot:${match.chosen.id}`))
    return stop('skipped', 'duplicate-email', { hubspotId: match.chosen.id });
  return {
    ...base,
    subject: { hubspotId: match.chosen?.id, pair },
    contact: match.chosen,
    ...(match.chosen ? { linkReason: match.reason } : {}),
  };
}

/** Decision reason: the record's email is an additional email of a HubSpot contact (a merge put it there). */
export const EMAIL_OF_MERGED_CONTACT = 'email-of-merged-contact';

/**
 * An unlinked Salesforce record whose email only a merge survivor holds, as an additional email
 * (docs/design.md#merged-away-email): the person already has a contact, and HubSpot refuses a new one
 * with that email. It is neither created (R6 included: a replayed creation after the merge must not
 * make a second contact) nor linked (the survivor's own email is another; a first link would write one
 * over the other). Reliability finding 22, seed 1222103396.
 */
const mergedEmailDetail = (hubspotId: string) => ({
  hubspotId,
  message:
    `this email belongs to hubspot:${hubspotId} as an additional email (a HubSpot merge kept it there); ` +
    'no contact is created for it. Link the two by hand, or give the record another email',
});

/** Decision reason: the linked Salesforce record was deleted (not merged), and the link was removed. */
export const COUNTERPART_DELETED = 'counterpart-deleted';

/**
 * A link to a Salesforce record deleted in Salesforce (not merged: a merge re-points; deletes `ignore`:
 * under `propagate` the delete notice archives the contact) is stale, and must not block the contact
 * (docs/design.md#stale-link): the pair is removed, and the contact is planned again at once as
 * unlinked — matched by email, else its counterpart created again, gated by the segment like any
 * contact. Done in two steps (this removal, then the follow-up pass of lib/sync/merges.ts) so the new
 * pair is written once the old one is gone.
 */
function unlinkDeletedCounterpart(batch: Batch, pair: PairState): Stop {
  batch.plan.pairDeletes.push({ hubspotId: pair.hubspotId, expectedVersion: pair.version });
  batch.pairByHubSpot.delete(pair.hubspotId);
  batch.pairBySalesforce.delete(pair.salesforceId);
  return stop('relinked', COUNTERPART_DELETED, {
    unlinkedFrom: `salesforce:${pair.salesforceId}`,
    message: `salesforce:${pair.salesforceId} was deleted in Salesforce; the link is removed and the contact is matched by email or its record created again`,
  });
}

/** Decision reason: a conversion ended in a Contact with another person's email, and the link was removed. */
export const CONVERTED_INTO_OTHER_EMAIL = 'converted-into-other-email';

const unlinkDetail = (pair: PairState) => ({
  unlinkedFrom: `salesforce:${pair.salesforceId}`,
  hubspotId: pair.hubspotId,
  message: `the Contact this Lead was converted into (then merged) has another email than hubspot:${pair.hubspotId}; the link is removed, not moved`,
});

/**
 * A linked Lead that was converted: the link moves to the Contact (`repointForConversion`), and the
 * record's trace says so. Undefined when the Lead is not converted or names no Contact.
 *
 * 'unlinked' when the Contact at the end of the chain has another email than the linked HubSpot
 * contact (the Lead was converted into, or its Contact then merged into, another person's Contact):
 * links match by email, and moving this one would write that person's email onto the contact, which
 * HubSpot refuses once that person's own contact exists (reliability seed 1198196993; the same rule
 * as a Salesforce merge into another email, docs/design.md#merges). The pair is deleted instead; the
 * contact is planned again as unlinked (email match, else create), and the Contact links by email
 * to the contact that has its email.
 */
function convert(
  batch: Batch,
  record: PlanRecord,
  pair: PairState,
  lead: SalesforceRecord,
  contactRecord?: SalesforceRecord,
): PairWrite | 'unlinked' | undefined {
  const repointed = repointForConversion(pair, lead, batch.input.now);
  if (!repointed) return undefined;
  const target = contactRecord ?? batch.salesforceById.get(repointed.pair.salesforceId);
  const targetEmail = target ? normalizeEmail(target.fields['Email']) : undefined;
  const contact = batch.hubspotById.get(pair.hubspotId);
  const contactEmail = contact ? normalizeEmail(contact.properties['email']) : undefined;
  if (targetEmail !== undefined && contactEmail !== undefined && targetEmail !== contactEmail) {
    batch.plan.pairDeletes.push({ hubspotId: pair.hubspotId, expectedVersion: pair.version });
    // Later records of the batch see the contact and the Lead unlinked (and delete the pair once).
    batch.pairByHubSpot.delete(pair.hubspotId);
    batch.pairBySalesforce.delete(pair.salesforceId);
    return 'unlinked';
  }
  if (record.source === 'hubspot' || contactRecord) {
    batch.decision(record, 'relinked', 'lead converted', {
      from: pair.salesforceId,
      to: repointed.pair.salesforceId,
    });
  }
  return repointed;
}

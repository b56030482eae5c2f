import type { Decision, PairState, SalesforceRecord } from '../entities.ts';
import type { PlanRecord } from '../coalesce.ts';
import { normalizeEmail, repointForMerge } from '../identity.ts';
import type { Batch } from './batch.ts';

/**
 * Merges, in one place (docs/design.md#merges): what counts as a merge, where merges go in the
 * order of work, and how a merge re-points links. The processor's side of merges — merge notices
 * applied before the rest of their batch, stale-link repair, the follow-up pass for contacts a merge
 * left unlinked — is `lib/sync/merges.ts`, built on the same `isMerge`.
 */

/** What was read about a Salesforce record; left out before anything was read. */
export interface MergeRead {
  salesforce?: SalesforceRecord | undefined;
}

/**
 * The survivor a record was merged into, when the record is a merge: a `merged` notice naming its
 * survivor (HubSpot `contact.merge`, Salesforce CDC delete with MasterRecordId), or — once read — a
 * Salesforce record deleted by a merge (its MasterRecordId), whatever the notice said. Before the read
 * (`read` left out) only the notice can tell.
 */
export function mergeSurvivor(record: PlanRecord, read?: MergeRead): string | undefined {
  if (record.source === 'hubspot' || read === undefined)
    return record.kind === 'merged' ? record.survivorId : undefined;
  const sf = read.salesforce;
  const survivorId = record.survivorId ?? sf?.masterRecordId ?? undefined;
  const gone = !sf || sf.isDeleted === true;
  const merged = record.kind === 'merged' || (record.kind === 'deleted' && gone) || sf?.isDeleted === true;
  return merged ? survivorId : undefined;
}

/** The one definition of "this record is a merge" (see `mergeSurvivor`). */
export function isMerge(record: PlanRecord, read?: MergeRead): boolean {
  return mergeSurvivor(record, read) !== undefined;
}

/**
 * The order the plan handles a batch's records in: by key, merges last. A survivor linked by another
 * record of this batch (matched by email, or its counterpart created) keeps that link, and the merge
 * drops the losers' links instead of moving one onto it — which the store would refuse as a second
 * link (one-to-one). (Merge *notices* are applied before their batch by the processor, so a notice
 * about the survivor sees the moved link; what is left here are merges only the read revealed.)
 */
export function mergesLast(batch: Batch, records: readonly PlanRecord[]): PlanRecord[] {
  const byKey = (a: PlanRecord, b: PlanRecord) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const sorted = [...records].sort(byKey);
  const merge = (r: PlanRecord) => isMerge(r, { salesforce: batch.salesforceById.get(r.recordId) });
  return [...sorted.filter((r) => !merge(r)), ...sorted.filter(merge)];
}

/**
 * Re-points the links of a merge to its survivor (`repointForMerge`), and records a `relinked`
 * decision for each record the merge left unlinked (`merged-into-linked-record`,
 * `merged-into-other-email`), named by `detail.via` after the merge record that caused it.
 */
export function planMerge(batch: Batch, record: PlanRecord, survivorId: string): void {
  const { input, plan } = batch;
  const side = record.source;
  const loserIds =
    side === 'hubspot' ? [...new Set([record.recordId, ...(record.mergedIds ?? [])])] : [record.recordId];
  const ids = new Set([...loserIds, survivorId]);
  const pairs = input.pairs.filter((p) => ids.has(side === 'hubspot' ? p.hubspotId : p.salesforceId));
  const survivor = side === 'salesforce' ? batch.salesforceById.get(survivorId) : undefined;
  const survivorKey = `${side}:${survivorId}`;
  const survivorLinkedInBatch = batch.linkedInBatch.get(survivorKey);
  // Links match by email: the survivor's email and that of each loser's contact read in this batch
  // (a contact not read is left out, and its link moves as before).
  const contactEmails = new Map<string, string | undefined>();
  for (const p of pairs) {
    const contact = batch.hubspotById.get(p.hubspotId);
    if (contact) contactEmails.set(p.hubspotId, normalizeEmail(contact.properties['email']));
  }
  const keepApart = side === 'hubspot' ? emailTakenInSalesforce(batch, survivorId, pairs) : undefined;
  const out = repointForMerge({
    side,
    loserIds,
    survivorId,
    ...(survivor ? { survivorType: survivor.objectType } : {}),
    pairs,
    ...(survivorLinkedInBatch !== undefined ? { survivorLinkedInBatch } : {}),
    ...(survivor
      ? { emails: { survivor: normalizeEmail(survivor.fields['Email']), hubspot: contactEmails } }
      : {}),
    ...(keepApart ? { keepApart } : {}),
    now: input.now,
  });
  for (const w of out.put) plan.pairWrites.push({ ...w, ref: record.key });
  plan.pairDeletes.push(...out.delete);
  batch.decision(record, out.put.length + out.delete.length > 0 ? 'relinked' : 'noop', 'merged', {
    survivorId,
    loserIds,
  });
  const eventId = record.eventIds[0];
  if (side === 'hubspot') {
    for (const loser of out.otherEmail)
      plan.decisions.push(...takenEmailDecisions(record, loser, survivorId, input.now));
    if (out.unlinked.length === 0) return;
  }
  for (const loser of side === 'salesforce' ? out.otherEmail : []) {
    // Reliability finding 7: the survivor carries another person's email. Moving the link would write
    // that email onto this contact (HubSpot refuses it once that person's contact exists, and that
    // contact could never link). The contact is unlinked instead; the survivor links by email to the
    // contact with its email, and this contact follows the identity rules (email match, else create).
    const d: Decision = {
      at: input.now,
      recordKey: `hubspot:${loser.hubspotId}`,
      outcome: 'relinked',
      reason: 'merged-into-other-email',
      detail: {
        via: record.key,
        unlinkedFrom: `salesforce:${loser.salesforceId}`,
        mergedInto: survivorKey,
        message: `${survivorKey} (the merge survivor) has another email than this contact; the link to the merged-away record is removed, not moved`,
      },
    };
    if (eventId !== undefined) d.eventId = eventId;
    plan.decisions.push(d);
  }
  if (out.unlinked.length === 0) return;
  // The survivor keeps its own link (one-to-one): the losers' counterparts are left unlinked, each
  // with a decision naming the survivor and what it is linked to; their next notice matches by email
  // or creates, like any unlinked record (docs/design.md#identity).
  const stored = pairs.find((p) => (side === 'hubspot' ? p.hubspotId : p.salesforceId) === survivorId);
  const survivorLinkedTo =
    (side === 'hubspot' ? stored?.salesforceId : stored?.hubspotId) ?? survivorLinkedInBatch ?? '';
  const otherSide = side === 'hubspot' ? 'salesforce' : 'hubspot';
  for (const loser of out.unlinked) {
    const d: Decision = {
      at: input.now,
      recordKey: side === 'hubspot' ? `salesforce:${loser.salesforceId}` : `hubspot:${loser.hubspotId}`,
      outcome: 'relinked',
      reason: 'merged-into-linked-record',
      detail: {
        via: record.key,
        unlinkedFrom: `${side}:${side === 'hubspot' ? loser.hubspotId : loser.salesforceId}`,
        mergedInto: survivorKey,
        // '' while the survivor's counterpart is being created in this batch (its id is not known yet).
        survivorLinkedTo: survivorLinkedTo === '' ? null : `${otherSide}:${survivorLinkedTo}`,
        message: `${survivorKey} (the merge survivor) is already linked to ${
          survivorLinkedTo === ''
            ? `a ${otherSide} record created in this batch`
            : `${otherSide}:${survivorLinkedTo}`
        }; the link to the merged-away record is removed, not moved`,
      },
    };
    if (eventId !== undefined) d.eventId = eventId;
    plan.decisions.push(d);
  }
}

/**
 * HubSpot merges: the loser pairs whose Salesforce record must not take the survivor's email, because
 * another live Salesforce record has it already (read in the batch by the survivor's email). Moving
 * such a link would write that email onto a second Salesforce record — a duplicate crmsync made
 * (reliability seed 1198196775: p0's Lead took p2's email while p2's Contact existed).
 */
function emailTakenInSalesforce(batch: Batch, survivorId: string, pairs: PairState[]): Set<string> {
  const out = new Set<string>();
  const email = normalizeEmail(batch.hubspotById.get(survivorId)?.properties['email']);
  if (!email) return out;
  const holders = batch.salesforceByEmail.get(email) ?? [];
  for (const p of pairs) {
    if (p.hubspotId === survivorId) continue;
    const linked = batch.salesforceById.get(p.salesforceId);
    if (!linked || normalizeEmail(linked.fields['Email']) === email) continue;
    if (holders.some((r) => r.id !== p.salesforceId)) out.add(p.hubspotId);
  }
  return out;
}

/**
 * The trace of a HubSpot merge that removed a link instead of moving it (`emailTakenInSalesforce`):
 * the Salesforce record is left unlinked (its R6 is spent, like any record a merge unlinked), and
 * the survivor is planned at once as an unlinked contact, so it links by email to the record that
 * has its email (`syncUnlinkedByMerge` in lib/sync/merges.ts picks up the `hubspot:` decision).
 */
function takenEmailDecisions(
  record: PlanRecord,
  loser: PairState,
  survivorId: string,
  now: number,
): Decision[] {
  const detail = {
    via: record.key,
    unlinkedFrom: `hubspot:${loser.hubspotId}`,
    mergedInto: `hubspot:${survivorId}`,
    message: `another Salesforce record has the email of hubspot:${survivorId} (the merge survivor); the link of salesforce:${loser.salesforceId} is removed, not moved, so no second record gets that email`,
  };
  const eventId = record.eventIds[0];
  return [`salesforce:${loser.salesforceId}`, `hubspot:${survivorId}`].map((recordKey) => ({
    at: now,
    recordKey,
    outcome: 'relinked',
    reason: 'merged-into-other-email',
    detail,
    ...(eventId !== undefined ? { eventId } : {}),
  }));
}

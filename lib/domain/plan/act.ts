import type { HubSpotContact, PairState, SalesforceRecord } from '../entities.ts';
import type { PlanRecord } from '../coalesce.ts';
import { linksReason } from '../contact-links.ts';
import { valuesForNewHubSpotRecord, valuesForNewSalesforceRecord } from '../creation.ts';
import type { GateDecision } from '../segment-gate.ts';
import { merge, type Snapshot } from '../three-way-merge.ts';
import type { Batch } from './batch.ts';
import { changeTimes } from './change-times.ts';
import { gateRecord } from './gate.ts';
import {
  creationObject,
  hubspotCreationLinks,
  pairLinks,
  planAssociation,
  salesforceCreationLinks,
} from './links.ts';
import { LATE_FIRST_LINK, lateFirstLink, ownCreation, salesforceHistoryChangedAt } from './own-creation.ts';
import type { Resolved } from './resolve.ts';
import { unclearSetBacks, usersChanges } from './set-back.ts';
import { unfinishedUpdate } from './unfinished-update.ts';

/** A gate decision that lets the record through. */
export type Passed = Extract<GateDecision, { action: 'sync' | 'sync-email-only' }>;

/**
 * Step 3 of the pipeline, the same for both sides: claim the pair for this batch (one unit of work
 * per pair: a second record about it is a noop), then sync the pair (three-way merge) when both sides
 * are known, or create the counterpart on the other side.
 */
export function act(batch: Batch, who: Resolved, gate: Passed): void {
  const { record } = who;
  const by = batch.claim(record, who.contact?.id, who.salesforce?.id);
  if (by) {
    batch.carry(record, who.carried);
    batch.decision(record, 'noop', 'handled-with-counterpart', { handledWith: by });
    return;
  }
  if (who.contact && who.salesforce) syncPair(batch, who, who.contact, who.salesforce, gate);
  else if (who.contact) createInSalesforce(batch, record, who.contact, gate);
  else if (who.salesforce) createInHubSpot(batch, record, who.salesforce, gate);
}

/**
 * A deleted record: ignored (the default; the pair is kept for a restore) or, under `deletes:
 * propagate`, gated like any other change (a linked contact outside the segment: R8) and propagated
 * to the counterpart.
 */
export function actOnDelete(batch: Batch, record: PlanRecord, pair: PairState | undefined): void {
  const { input, plan } = batch;
  if (input.config.deletes !== 'propagate' || !pair) {
    batch.decision(record, 'skipped', 'deleted', {
      policy: input.config.deletes,
      ...(pair ? { pairKept: true } : {}),
    });
    return;
  }
  const gate = gateRecord(
    { ...record, kind: 'deleted' },
    { hubspotId: pair.hubspotId, pair },
    batch.gateContext,
  );
  if (gate.action === 'skip') {
    batch.skip(record, gate);
    return;
  }
  if (record.source === 'hubspot') plan.salesforceDeletes.push(pair.salesforceId);
  else plan.hubspotArchives.push(pair.hubspotId);
  plan.pairDeletes.push({ hubspotId: pair.hubspotId, expectedVersion: pair.version });
  batch.decision(record, 'synced', 'deleted', {
    policy: 'propagate',
    hubspotId: pair.hubspotId,
    salesforceId: pair.salesforceId,
  });
}

const sameSnapshot = (a: Snapshot, b: Snapshot): boolean => {
  const ak = Object.keys(a).sort();
  const bk = Object.keys(b).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && a[k] === b[k]);
};

/** The snapshot keys of a pair's links (C6 `@account`, O1 `@owner`): not mapped fields, so the merge does not return them. */
const linkKeys = (snapshot: Snapshot | undefined): Snapshot =>
  Object.fromEntries(Object.entries(snapshot ?? {}).filter(([k]) => k.startsWith('@')));

/** How a pair came to be, from the rule that let its first sync through. */
const originOf = (gate: Passed, otherwise: PairState['origin']): PairState['origin'] =>
  gate.rule === 'R6' ? 'auto-create' : gate.rule === 'R7' ? 'import' : otherwise;

/**
 * Merges a linked (or just-matched) pair and emits the writes, the pair write and the decisions.
 * `who.pair` undefined means a new link (no snapshot: first-sync rules apply; stored with version 0).
 */
function syncPair(
  batch: Batch,
  who: Resolved,
  contact: HubSpotContact,
  sf: SalesforceRecord,
  gate: Passed,
): void {
  const { input, plan } = batch;
  const { record, pair } = who;
  const emailOnly = gate.action === 'sync-email-only';
  const times = changeTimes(record, contact, sf);
  // A first link whose sync wrote and lost its responses (its pair unlinked, or claimed and never
  // committed: an empty snapshot): that sync finishes late (write-intents.ts), from its own intent —
  // the latest try at this link, even when the link was itself a late creation (seed 1214883355).
  const unsynced = pair !== undefined && Object.keys(pair.snapshot).length === 0;
  const committed = pair !== undefined && !unsynced;
  // Users' changes the batch's notices report per field, on either record of the pair; for a committed
  // pair also those its fields' histories show, where the batch read them (set-back.ts).
  const noticed = {
    hubspot: batch.reportedChange('hubspot', contact.id),
    salesforce: batch.reportedChange('salesforce', sf.id),
  };
  const reported = committed ? usersChanges(input, contact, sf, batch.reportedChange.bind(batch)) : noticed;
  const mappings = batch.mappings(sf.objectType, emailOnly);
  const sfHistory = salesforceHistoryChangedAt(input, sf.id);
  const late =
    pair && !unsynced
      ? undefined
      : lateFirstLink(input, contact, sf, mappings, {
          // A field's own last change known to the batch; HubSpot's property history counts any author.
          hubspot: (p) =>
            Math.max(reported.hubspot(p) ?? 0, contact.propertyChangedAt?.[p] ?? 0) || undefined,
          // A Salesforce field's: the notices', else its Field History by a user (read when asked for).
          salesforce: (f) => Math.max(reported.salesforce(f) ?? 0, sfHistory(f) ?? 0) || undefined,
        });
  // Otherwise a record crmsync created itself, whose create response was lost: the creation finishes late.
  const own = (pair && !unsynced) || late ? undefined : ownCreation(input, contact, sf, mappings);
  // What a new link's merge starts from (both are set only for a pair not yet synced).
  const startedFrom = late?.snapshot ?? own?.snapshot;
  // A late first link's intent: why the first try linked (`link.reason`) and when it was planned (`at`).
  const lateIntent = late ? input.creationIntents?.get(`hubspot:${contact.id}`) : undefined;
  // The record's Salesforce field history since the intent would decide a field: read it, plan again.
  if (late?.salesforceHistoryWanted && lateIntent) {
    const wanted = plan.salesforceHistoryWanted ?? [];
    wanted.push({ id: sf.id, objectType: sf.objectType, since: lateIntent.at });
    plan.salesforceHistoryWanted = wanted;
  }
  // Why a new link links: the first try's reason, which a late first link's intent kept.
  const linkReason = late
    ? (lateIntent?.link?.reason ?? who.linkReason ?? 'matched by email')
    : (own?.reason ?? who.linkReason ?? (unsynced ? 'matched by email' : undefined));
  const result = merge({
    mappings,
    picklists: input.config.picklists,
    hubspot: {
      values: contact.properties,
      changedAt: times.hubspot,
      reportedAt: reported.hubspot,
    },
    salesforce: {
      values: sf.fields,
      changedAt: times.salesforce,
      reportedAt: reported.salesforce,
    },
    // A committed pair's earlier sync that wrote and lost its responses finishes from its intent.
    snapshot: pair && !unsynced ? unfinishedUpdate(input, pair, contact, sf, mappings) : startedFrom,
  });
  // A side that looks unchanged but was modified after the other side's change may have been set back:
  // its history tells (read only then, and the batch planned again).
  const unclear = committed
    ? unclearSetBacks(input, { contact, sf }, mappings, result, times, reported)
    : { salesforce: [], hubspot: [] };
  if (unclear.salesforce.length > 0)
    plan.salesforceHistoryWanted = [...(plan.salesforceHistoryWanted ?? []), ...unclear.salesforce];
  const ref = record.key;
  // C6 and O1–O5: owner and AccountId ride in the pair's own updates; the primary company is one association write.
  const links = pairLinks(batch, record, contact, sf, pair, emailOnly);
  const toHubSpot = { ...result.toHubSpot, ...links.toHubSpot };
  const toSalesforce = { ...result.toSalesforce, ...links.toSalesforce };
  const hsProps = Object.keys(toHubSpot);
  const sfFields = Object.keys(toSalesforce);
  if (hsProps.length > 0) plan.hubspotUpdates.push({ ref, id: contact.id, properties: toHubSpot });
  if (sfFields.length > 0)
    plan.salesforceUpdates[sf.objectType].push({ ref, id: sf.id, fields: toSalesforce });
  planAssociation(batch, ref, contact.id, links);
  const writes = hsProps.length + sfFields.length + (links.association ? 1 : 0);

  // Email-only (R7) keeps the rest of an existing snapshot; a full sync replaces it and ends email-only.
  // The links' keys (`@owner`, `@account`) are kept unless the links decided them anew.
  const snapshot: Snapshot = emailOnly
    ? { ...(pair?.snapshot ?? {}), ...result.snapshot }
    : { ...linkKeys(pair?.snapshot), ...result.snapshot, ...links.snapshot };
  const wasEmailOnly = pair?.emailOnly === true;
  const nowEmailOnly = emailOnly ? (pair ? wasEmailOnly || pair.version === 0 : true) : false;
  const base: PairState = pair ?? {
    hubspotId: contact.id,
    salesforceId: sf.id,
    salesforceType: sf.objectType,
    snapshot: {},
    version: 0,
    lastSyncedAt: input.now,
    origin: originOf(gate, 'matched'),
  };
  const needsWrite =
    pair === undefined ||
    who.carried !== undefined ||
    !sameSnapshot(pair.snapshot, snapshot) ||
    wasEmailOnly !== nowEmailOnly ||
    writes > 0;
  if (needsWrite) {
    const next: PairState = { ...base, snapshot, version: base.version + 1, lastSyncedAt: input.now };
    if (nowEmailOnly) next.emailOnly = true;
    else delete next.emailOnly;
    // A new link keeps what its merge started from and why it linked: a retry whose write did not land
    // merges from it again, and records the link the failed try could not.
    const from = startedFrom ? { base: startedFrom } : {};
    const why = linkReason ? { linkReason } : {};
    plan.pairWrites.push({ ref, pair: next, expectedVersion: base.version, ...from, ...why });
  }
  if (pair === undefined) {
    batch.linkedInBatch.set(`hubspot:${contact.id}`, sf.id);
    batch.linkedInBatch.set(`salesforce:${sf.id}`, contact.id);
  }
  // A link an earlier try claimed and never committed is linked now too: that try's decisions were
  // lost with it, and without this one the trace never says why or when the two were linked
  // (docs/reliability.md, finding 21). A late first link was planned when its intent was written.
  if (pair === undefined || unsynced) {
    const plannedAt = lateIntent?.at;
    batch.decision(record, 'linked', late ? `${linkReason}; ${LATE_FIRST_LINK}` : linkReason, {
      hubspotId: contact.id,
      salesforceId: sf.id,
      salesforceType: sf.objectType,
      ...(plannedAt !== undefined ? { linkPlannedAt: plannedAt } : {}),
      ...(late && late.historyWanted.length > 0 ? { historyWanted: late.historyWanted } : {}),
    });
  }
  const detail: Record<string, unknown> = { rule: gate.rule, hubspotId: contact.id, salesforceId: sf.id };
  if (emailOnly) detail['emailOnly'] = true;
  if (hsProps.length > 0) detail['toHubSpot'] = hsProps;
  if (sfFields.length > 0) detail['toSalesforce'] = sfFields;
  if (result.conflicts.length > 0) detail['conflicts'] = result.conflicts;
  if (unclear.hubspot.length > 0) detail['setBackUnclear'] = unclear.hubspot;
  if (links.association) detail['association'] = links.association;
  if (links.notes.length > 0) detail['links'] = links.notes;
  batch.decision(record, writes > 0 ? 'synced' : 'noop', linksReason(links.notes), detail);
  batch.errors(record, result.errors);
}

/** A HubSpot contact with no Salesforce record: create one, as a Lead or Contact per the settings. */
function createInSalesforce(batch: Batch, record: PlanRecord, contact: HubSpotContact, gate: Passed): void {
  const { input, plan } = batch;
  const objectType = creationObject(batch, contact);
  const emailOnly = gate.action === 'sync-email-only';
  const created = valuesForNewSalesforceRecord(
    contact.properties,
    batch.mappings(objectType, emailOnly),
    input.config.picklists,
    { objectType, defaultCompany: input.config.creation.defaultCompany },
  );
  if (!created.ok) {
    batch.errors(record, created.errors);
    return;
  }
  const links = salesforceCreationLinks(batch, objectType, contact, emailOnly);
  batch.linkedInBatch.set(`hubspot:${contact.id}`, '');
  plan.salesforceCreates[objectType].push({
    ref: record.key,
    fields: { ...created.value, ...links.toSalesforce },
    hubspotId: contact.id,
    pair: {
      hubspotId: contact.id,
      salesforceId: '',
      salesforceType: objectType,
      snapshot: { ...created.snapshot, ...links.snapshot },
      version: 1,
      lastSyncedAt: input.now,
      origin: 'created-in-salesforce',
      ...(emailOnly ? { emailOnly: true } : {}),
    },
  });
  batch.decision(record, 'synced', 'created in Salesforce', {
    rule: gate.rule,
    objectType,
    fields: Object.keys(created.value),
    ...(links.notes.length > 0 ? { links: links.notes } : {}),
  });
  batch.errors(record, created.warnings);
}

/** A Salesforce record with no HubSpot contact (R6 auto-create, R7 import, or no segment): create one. */
function createInHubSpot(batch: Batch, record: PlanRecord, sf: SalesforceRecord, gate: Passed): void {
  const { input, plan } = batch;
  const emailOnly = gate.action === 'sync-email-only';
  const created = valuesForNewHubSpotRecord(
    sf.fields,
    batch.mappings(sf.objectType, emailOnly),
    input.config.picklists,
  );
  if (!created.ok) {
    batch.errors(record, created.errors);
    return;
  }
  const links = hubspotCreationLinks(batch, sf, emailOnly);
  batch.linkedInBatch.set(`salesforce:${sf.id}`, '');
  // The new contact's primary company is associated once HubSpot has given it an id.
  planAssociation(batch, record.key, '', links);
  plan.hubspotCreates.push({
    ref: record.key,
    properties: { ...created.value, ...links.toHubSpot },
    salesforceId: sf.id,
    salesforceType: sf.objectType,
    pair: {
      hubspotId: '',
      salesforceId: sf.id,
      salesforceType: sf.objectType,
      snapshot: { ...created.snapshot, ...links.snapshot },
      version: 1,
      lastSyncedAt: input.now,
      origin: originOf(gate, 'created-in-hubspot'),
      ...(emailOnly ? { emailOnly: true } : {}),
    },
  });
  batch.decision(record, 'synced', 'created in HubSpot', {
    rule: gate.rule,
    properties: Object.keys(created.value),
    ...(links.notes.length > 0 ? { links: links.notes } : {}),
  });
  batch.errors(record, created.warnings);
}

import type { FieldMapping, PlanConfig as CrmSyncConfig } from './field-mapping.ts';
import type { Decision, FieldValues, HubSpotContact, PairState, SalesforceRecord } from './entities.ts';
import type { PlanRecord } from './coalesce.ts';
import { valuesForNewHubSpotContact, valuesForNewSalesforceRecord } from './creation.ts';
import {
  chooseSalesforceMatch,
  normalizeEmail,
  type PairDelete,
  type PairWrite,
  repointForConversion,
  repointForMerge,
} from './identity.ts';
import type { SalesforceObject } from './notice.ts';
import { decide, type GateDecision } from './segment-gate.ts';
import type { FieldError } from './sync-rule-error.ts';
import { merge, type Snapshot } from './three-way-merge.ts';

/**
 * Everything the plan needs, already read by the processor (the plan does no I/O).
 *
 * The processor reads in this order: pairs for the batch's record ids; the records themselves
 * (HubSpot contacts by id, Salesforce records by id per object); the counterparts of linked records;
 * for unlinked records, candidates by normalized email on the other side (and the pairs of those
 * candidates); for converted Leads, the Contact named by ConvertedContactId; membership of every
 * HubSpot contact involved. Records missing from the arrays are treated as not found (deleted).
 */
export interface PlanInput {
  now: number;
  /** Coalesced notices of the batch: `coalesce(notices)`, or any record with these fields (see `steeringKind`). */
  records: PlanRecord[];
  config: Pick<CrmSyncConfig, 'mappings' | 'picklists' | 'creation' | 'deletes'>;
  /** Run-time settings (segment, R6 toggles). */
  settings: {
    inclusionSegmentId: string | null;
    autoCreateFromLeads: boolean;
    autoCreateFromContacts: boolean;
  };
  /** Every HubSpot contact read: batch records, counterparts, email candidates. */
  hubspotContacts: HubSpotContact[];
  /** Every Salesforce record read: batch records, counterparts, email candidates, converted Contacts. */
  salesforceRecords: SalesforceRecord[];
  /** Every stored pair touching any id above. */
  pairs: PairState[];
  /** HubSpot ids (among those involved) that are members of the inclusion segment. */
  members: ReadonlySet<string>;
  /** Record keys (`hubspot:<id>` / `salesforce:<id>`) known to be echoes of our own writes. */
  echoes?: ReadonlySet<string>;
}

/** A HubSpot contact to create; `ref` correlates the batch outcome (WriteOutcome.ref). */
export interface HubSpotCreate {
  ref: string;
  properties: Record<string, string>;
  /** The Salesforce record the new contact is linked to once created. */
  salesforceId: string;
  salesforceType: SalesforceObject;
  /** Pair to store once the id is known (`hubspotId` is '' until then); expectedVersion 0. */
  pair: PairState;
}

export interface HubSpotUpdate {
  ref: string;
  id: string;
  properties: Record<string, string>;
}

export interface SalesforceCreate {
  ref: string;
  fields: FieldValues;
  hubspotId: string;
  /** Pair to store once the id is known (`salesforceId` is '' until then); expectedVersion 0. */
  pair: PairState;
}

export interface SalesforceUpdate {
  ref: string;
  id: string;
  fields: FieldValues;
}

/** A permanent error about one record (recorded as a decision with outcome `error`). */
export interface PlanError {
  ref: string;
  recordKey: string;
  errors: FieldError[];
}

/**
 * The plan for one batch. Apply order: creates and updates on both sides (batched), then pair writes
 * for the refs whose writes succeeded (creates fill in the new id), then pair deletes, then
 * decisions. A pair write whose ref's writes failed must not be stored (its snapshot assumes them).
 */
export interface SyncPlan {
  hubspotCreates: HubSpotCreate[];
  hubspotUpdates: HubSpotUpdate[];
  salesforceCreates: Record<SalesforceObject, SalesforceCreate[]>;
  salesforceUpdates: Record<SalesforceObject, SalesforceUpdate[]>;
  /** Propagated deletes (`deletes: propagate`). */
  hubspotArchives: string[];
  salesforceDeletes: string[];
  /** Pair writes, each with the `ref` whose writes it depends on. */
  pairWrites: (PairWrite & { ref: string })[];
  pairDeletes: PairDelete[];
  decisions: Decision[];
  errors: PlanError[];
}

/** Index of the batch's reads, plus what the plan has already claimed in this batch. */
class Batch {
  readonly hubspotById = new Map<string, HubSpotContact>();
  readonly salesforceById = new Map<string, SalesforceRecord>();
  readonly pairByHubSpot = new Map<string, PairState>();
  readonly pairBySalesforce = new Map<string, PairState>();
  readonly hubspotByEmail = new Map<string, HubSpotContact[]>();
  readonly salesforceByEmail = new Map<string, SalesforceRecord[]>();
  /** Ids handled by an earlier record of this batch → the key that handled them (one-to-one, one write each). */
  readonly claimed = new Map<string, string>();
  /**
   * Links made earlier in this batch, by record key (`hubspot:<id>` / `salesforce:<id>`) → the other
   * side's id ('' while that counterpart is being created). A merge planned later must not re-point a
   * loser's link onto one of them (links are one-to-one).
   */
  readonly linkedInBatch = new Map<string, string>();
  readonly plan: SyncPlan = {
    hubspotCreates: [],
    hubspotUpdates: [],
    salesforceCreates: { Lead: [], Contact: [] },
    salesforceUpdates: { Lead: [], Contact: [] },
    hubspotArchives: [],
    salesforceDeletes: [],
    pairWrites: [],
    pairDeletes: [],
    decisions: [],
    errors: [],
  };

  constructor(readonly input: PlanInput) {
    for (const c of input.hubspotContacts) {
      if (c.archived) continue;
      this.hubspotById.set(c.id, c);
      const email = normalizeEmail(c.properties['email']);
      if (email) push(this.hubspotByEmail, email, c);
    }
    for (const r of input.salesforceRecords) {
      this.salesforceById.set(r.id, r);
      const email = normalizeEmail(r.fields['Email']);
      if (email && !r.isDeleted && !r.isConverted) push(this.salesforceByEmail, email, r);
    }
    for (const p of input.pairs) {
      this.pairByHubSpot.set(p.hubspotId, p);
      this.pairBySalesforce.set(p.salesforceId, p);
    }
  }

  get segment(): { listId: string } | null {
    const id = this.input.settings.inclusionSegmentId;
    return id ? { listId: id } : null;
  }

  isMember(hubspotId: string | undefined): boolean | undefined {
    if (hubspotId === undefined) return undefined;
    return this.input.members.has(hubspotId);
  }

  gate(
    record: PlanRecord,
    objectType: PlanRecord['objectType'],
    hubspotId: string | undefined,
    pair?: PairState,
  ): GateDecision {
    const input = this.input;
    return decide({
      notice: { source: record.source, objectType, kind: record.kind },
      segment: this.segment,
      isMember: this.isMember(hubspotId),
      ...(pair ? { pair } : {}),
      autoCreate: {
        Lead: input.settings.autoCreateFromLeads,
        Contact: input.settings.autoCreateFromContacts,
      },
      echo: input.echoes?.has(record.key) ?? false,
    });
  }

  decision(
    record: PlanRecord,
    outcome: Decision['outcome'],
    reason?: string,
    detail?: Record<string, unknown>,
  ): void {
    const d: Decision = { at: this.input.now, recordKey: record.key, outcome };
    const eventId = record.eventIds[0];
    if (eventId !== undefined) d.eventId = eventId;
    if (reason !== undefined) d.reason = reason;
    const fullDetail = {
      ...(detail ?? {}),
      ...(record.eventIds.length > 1 ? { eventIds: record.eventIds } : {}),
    };
    if (Object.keys(fullDetail).length > 0) d.detail = fullDetail;
    this.plan.decisions.push(d);
  }

  /** Marks both sides of a unit of work as handled; returns the key that already handled one, if any. */
  claim(
    record: PlanRecord,
    hubspotId: string | undefined,
    salesforceId: string | undefined,
  ): string | undefined {
    const ids = [hubspotId && `hubspot:${hubspotId}`, salesforceId && `salesforce:${salesforceId}`].filter(
      (x): x is string => typeof x === 'string' && x.length > 0,
    );
    for (const id of ids) {
      const by = this.claimed.get(id);
      if (by !== undefined && by !== record.key) return by;
    }
    for (const id of ids) this.claimed.set(id, record.key);
    return undefined;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const sameSnapshot = (a: Snapshot, b: Snapshot): boolean => {
  const ak = Object.keys(a).sort();
  const bk = Object.keys(b).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && a[k] === b[k]);
};

function skipDecision(
  batch: Batch,
  record: PlanRecord,
  decision: Extract<GateDecision, { action: 'skip' }>,
): void {
  batch.decision(record, 'skipped', decision.reason, { rule: decision.rule });
}

function mappingsFor(batch: Batch, objectType: SalesforceObject, emailOnly: boolean): FieldMapping[] {
  const all = batch.input.config.mappings[objectType];
  return emailOnly ? all.filter((m) => m.hubspot === 'email') : all;
}

/**
 * Merges a linked (or just-matched) pair and emits the writes, the pair write and the decisions.
 * `pair` undefined means a new link (no snapshot: first-sync rules apply; stored with version 0).
 */
function syncPair(
  batch: Batch,
  record: PlanRecord,
  contact: HubSpotContact,
  sf: SalesforceRecord,
  pair: PairState | undefined,
  gate: Extract<GateDecision, { action: 'sync' | 'sync-email-only' }>,
  options: { linkReason?: string; repointed?: boolean } = {},
): void {
  const { input, plan } = batch;
  const emailOnly = gate.action === 'sync-email-only';
  const mappings = mappingsFor(batch, sf.objectType, emailOnly);
  const changed = new Set(record.changedFields ?? []);
  const result = merge({
    mappings,
    picklists: input.config.picklists,
    hubspot: {
      values: contact.properties,
      changedAt: (p) =>
        record.source === 'hubspot' && changed.has(p)
          ? record.occurredAt
          : (contact.propertyChangedAt?.[p] ?? contact.updatedAt),
    },
    salesforce: {
      values: sf.fields,
      changedAt: (f) =>
        record.source === 'salesforce' && changed.has(f) ? record.occurredAt : sf.modifiedAt,
    },
    snapshot: pair?.snapshot,
  });
  const ref = record.key;
  const hsProps = Object.keys(result.toHubSpot);
  const sfFields = Object.keys(result.toSalesforce);
  if (hsProps.length > 0) plan.hubspotUpdates.push({ ref, id: contact.id, properties: result.toHubSpot });
  if (sfFields.length > 0)
    plan.salesforceUpdates[sf.objectType].push({ ref, id: sf.id, fields: result.toSalesforce });

  // Email-only (R7) keeps the rest of an existing snapshot; a full sync replaces it and ends email-only.
  const snapshot: Snapshot = emailOnly ? { ...(pair?.snapshot ?? {}), ...result.snapshot } : result.snapshot;
  const wasEmailOnly = pair?.emailOnly === true;
  const nowEmailOnly = emailOnly ? (pair ? wasEmailOnly || pair.version === 0 : true) : false;
  const base: PairState = pair ?? {
    hubspotId: contact.id,
    salesforceId: sf.id,
    salesforceType: sf.objectType,
    snapshot: {},
    version: 0,
    lastSyncedAt: input.now,
    origin: gate.rule === 'R6' ? 'auto-create' : gate.rule === 'R7' ? 'import' : 'matched',
  };
  const needsWrite =
    pair === undefined ||
    options.repointed === true ||
    !sameSnapshot(pair.snapshot, snapshot) ||
    wasEmailOnly !== nowEmailOnly ||
    hsProps.length + sfFields.length > 0;
  if (needsWrite) {
    const next: PairState = { ...base, snapshot, version: base.version + 1, lastSyncedAt: input.now };
    if (nowEmailOnly) next.emailOnly = true;
    else delete next.emailOnly;
    plan.pairWrites.push({ ref, pair: next, expectedVersion: base.version });
  }
  if (pair === undefined) {
    batch.linkedInBatch.set(`hubspot:${contact.id}`, sf.id);
    batch.linkedInBatch.set(`salesforce:${sf.id}`, contact.id);
    batch.decision(record, 'linked', options.linkReason, {
      hubspotId: contact.id,
      salesforceId: sf.id,
      salesforceType: sf.objectType,
    });
  }
  const detail: Record<string, unknown> = { rule: gate.rule, hubspotId: contact.id, salesforceId: sf.id };
  if (emailOnly) detail['emailOnly'] = true;
  if (hsProps.length > 0) detail['toHubSpot'] = hsProps;
  if (sfFields.length > 0) detail['toSalesforce'] = sfFields;
  if (result.conflicts.length > 0) detail['conflicts'] = result.conflicts;
  batch.decision(record, hsProps.length + sfFields.length > 0 ? 'synced' : 'noop', undefined, detail);
  recordErrors(batch, record, result.errors);
}

function recordErrors(batch: Batch, record: PlanRecord, errors: FieldError[]): void {
  if (errors.length === 0) return;
  batch.plan.errors.push({ ref: record.key, recordKey: record.key, errors });
  for (const e of errors) {
    batch.decision(record, 'error', e.message, { field: e.field, side: e.side });
    const last = batch.plan.decisions.at(-1);
    if (last) last.category = e.category;
  }
}

/** A deleted record: ignore (default) or propagate to the counterpart, within the segment rules. */
function planDelete(batch: Batch, record: PlanRecord, pair: PairState | undefined): void {
  const { input, plan } = batch;
  if (input.config.deletes !== 'propagate' || !pair) {
    batch.decision(record, 'skipped', 'deleted', {
      policy: input.config.deletes,
      ...(pair ? { pairKept: true } : {}),
    });
    return;
  }
  // R3: a delete is a change like any other; outside the segment it is not propagated.
  if (batch.segment !== null && !input.members.has(pair.hubspotId)) {
    batch.decision(record, 'skipped', 'not-in-segment', { rule: 'R3', deleted: true });
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

function planMerge(batch: Batch, record: PlanRecord, survivorId: string): void {
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
    now: input.now,
  });
  for (const w of out.put) plan.pairWrites.push({ ...w, ref: record.key });
  plan.pairDeletes.push(...out.delete);
  batch.decision(record, out.put.length + out.delete.length > 0 ? 'relinked' : 'noop', 'merged', {
    survivorId,
    loserIds,
  });
  const eventId = record.eventIds[0];
  for (const loser of out.otherEmail) {
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

/** A record whose plan is a merge (re-pointing links): planned after the batch's other records. */
function isMerge(batch: Batch, record: PlanRecord): boolean {
  if (record.source === 'hubspot') return record.kind === 'merged' && record.survivorId !== undefined;
  const sf = batch.salesforceById.get(record.recordId);
  const survivorId = record.survivorId ?? sf?.masterRecordId ?? undefined;
  const gone = !sf || sf.isDeleted === true;
  return (
    survivorId !== undefined &&
    (record.kind === 'merged' || (record.kind === 'deleted' && gone) || sf?.isDeleted === true)
  );
}

function planHubSpotRecord(batch: Batch, record: PlanRecord): void {
  const { input, plan } = batch;
  const pair = batch.pairByHubSpot.get(record.recordId);
  if (record.kind === 'merged' && record.survivorId) {
    planMerge(batch, record, record.survivorId);
    return;
  }
  const contact = batch.hubspotById.get(record.recordId);
  if (record.kind === 'deleted' && !contact) {
    planDelete(batch, record, pair);
    return;
  }
  // Decision 1: the latest read wins over the notice. A "deleted" contact that reads back alive was
  // restored since.
  if (record.kind === 'deleted') record = { ...record, kind: 'restored' };
  if (!contact) {
    batch.decision(record, 'skipped', 'not-found');
    return;
  }

  const gate = batch.gate(record, 'contact', contact.id, pair);
  if (gate.action === 'skip') {
    skipDecision(batch, record, gate);
    return;
  }

  if (pair) {
    let current = pair;
    let sf = batch.salesforceById.get(pair.salesforceId);
    if (sf?.objectType === 'Lead' && sf.isConverted && sf.convertedContactId) {
      const repointed = repointForConversion(pair, sf, input.now);
      if (repointed) {
        batch.decision(record, 'relinked', 'lead converted', {
          from: pair.salesforceId,
          to: repointed.pair.salesforceId,
        });
        current = repointed.pair;
        sf = batch.salesforceById.get(current.salesforceId);
        if (!sf) {
          plan.pairWrites.push({ ...repointed, ref: record.key });
          batch.decision(record, 'skipped', 'not-found', { salesforceId: current.salesforceId });
          return;
        }
        const by = batch.claim(record, contact.id, sf.id);
        if (by) {
          plan.pairWrites.push({ ...repointed, ref: record.key });
          batch.decision(record, 'noop', 'handled-with-counterpart', { handledWith: by });
          return;
        }
        syncPair(batch, record, contact, sf, { ...current, version: pair.version }, gate, {
          repointed: true,
        });
        return;
      }
    }
    if (!sf || sf.isDeleted) {
      batch.decision(record, 'skipped', 'not-found', { salesforceId: pair.salesforceId });
      return;
    }
    const by = batch.claim(record, contact.id, sf.id);
    if (by) {
      batch.decision(record, 'noop', 'handled-with-counterpart', { handledWith: by });
      return;
    }
    syncPair(batch, record, contact, sf, current, gate);
    return;
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
    batch.decision(record, 'skipped', 'duplicate-email', {
      salesforceIds: sameEmail.map((r) => r.id).sort(),
    });
    return;
  }
  const match = chooseSalesforceMatch(candidates);
  if (match.chosen) {
    const by = batch.claim(record, contact.id, match.chosen.id);
    if (by) {
      batch.decision(record, 'noop', 'handled-with-counterpart', { handledWith: by });
      return;
    }
    syncPair(batch, record, contact, match.chosen, undefined, gate, { linkReason: match.reason });
    return;
  }
  const by = batch.claim(record, contact.id, undefined);
  if (by) {
    batch.decision(record, 'noop', 'handled-with-counterpart', { handledWith: by });
    return;
  }
  const objectType = input.config.creation.salesforceObject;
  const emailOnly = gate.action === 'sync-email-only';
  const created = valuesForNewSalesforceRecord(
    contact.properties,
    mappingsFor(batch, objectType, emailOnly),
    input.config.picklists,
    {
      objectType,
      defaultCompany: input.config.creation.defaultCompany,
    },
  );
  if (!created.ok) {
    recordErrors(batch, record, created.errors);
    return;
  }
  batch.linkedInBatch.set(`hubspot:${contact.id}`, '');
  plan.salesforceCreates[objectType].push({
    ref: record.key,
    fields: created.value,
    hubspotId: contact.id,
    pair: {
      hubspotId: contact.id,
      salesforceId: '',
      salesforceType: objectType,
      snapshot: created.snapshot,
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
  });
  recordErrors(batch, record, created.warnings);
}

function planSalesforceRecord(batch: Batch, record: PlanRecord): void {
  const { input, plan } = batch;
  let sf = batch.salesforceById.get(record.recordId);
  let pair = batch.pairBySalesforce.get(record.recordId);
  const survivorId = record.survivorId ?? sf?.masterRecordId ?? undefined;
  const gone = !sf || sf.isDeleted === true;
  if (survivorId && (record.kind === 'merged' || (record.kind === 'deleted' && gone) || sf?.isDeleted)) {
    planMerge(batch, record, survivorId);
    return;
  }
  if ((record.kind === 'deleted' && gone) || sf?.isDeleted) {
    planDelete(batch, record, pair);
    return;
  }
  // Decision 1: the latest read wins over the notice (a record that reads back alive was undeleted).
  if (record.kind === 'deleted') record = { ...record, kind: 'restored' };
  if (!sf) {
    batch.decision(record, 'skipped', 'not-found');
    return;
  }

  // Lead conversion re-points the link to the Contact; an unlinked converted Lead is left to the Contact's own notice.
  let repointed: PairWrite | undefined;
  if (sf.objectType === 'Lead' && sf.isConverted) {
    const contactRecord = sf.convertedContactId ? batch.salesforceById.get(sf.convertedContactId) : undefined;
    repointed = pair ? repointForConversion(pair, sf, input.now) : undefined;
    if (!repointed || !contactRecord) {
      if (repointed) plan.pairWrites.push({ ...repointed, ref: record.key });
      batch.decision(
        record,
        repointed ? 'relinked' : 'skipped',
        repointed ? 'lead converted' : 'converted lead',
        {
          convertedContactId: sf.convertedContactId ?? null,
        },
      );
      return;
    }
    batch.decision(record, 'relinked', 'lead converted', { from: sf.id, to: contactRecord.id });
    sf = contactRecord;
    pair = { ...repointed.pair, version: repointed.expectedVersion };
  }

  const contact = pair ? batch.hubspotById.get(pair.hubspotId) : undefined;
  if (pair && !contact) {
    if (repointed) plan.pairWrites.push({ ...repointed, ref: record.key });
    batch.decision(record, 'skipped', 'not-found', { hubspotId: pair.hubspotId });
    return;
  }
  const handledBy = batch.claimed.get(`salesforce:${sf.id}`);
  if (handledBy !== undefined && handledBy !== record.key) {
    if (repointed) plan.pairWrites.push({ ...repointed, ref: record.key });
    batch.decision(record, 'noop', 'handled-with-counterpart', { handledWith: handledBy });
    return;
  }
  let matched: HubSpotContact | undefined;
  if (!pair) {
    const email = normalizeEmail(sf.fields['Email']);
    const sameEmail = email ? (batch.hubspotByEmail.get(email) ?? []) : [];
    const candidates = sameEmail.filter((c) => !batch.pairByHubSpot.has(c.id));
    if (sameEmail.length > 0 && candidates.length === 0) {
      // The contact with this email is linked to another Salesforce record; HubSpot would refuse a
      // second contact with the same email anyway (409), so record why instead of trying.
      if (repointed) plan.pairWrites.push({ ...repointed, ref: record.key });
      batch.decision(record, 'skipped', 'duplicate-email', { hubspotIds: sameEmail.map((c) => c.id).sort() });
      return;
    }
    // HubSpot keeps emails unique, so several candidates only happen mid-merge: take the oldest.
    matched = [...candidates].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))[0];
    if (matched && batch.claimed.has(`hubspot:${matched.id}`)) {
      batch.decision(record, 'skipped', 'duplicate-email', { hubspotId: matched.id });
      return;
    }
  }
  const hubspot = contact ?? matched;
  const gate = batch.gate(record, sf.objectType, hubspot?.id, pair);
  if (gate.action === 'skip') {
    if (repointed) plan.pairWrites.push({ ...repointed, ref: record.key });
    skipDecision(batch, record, gate);
    return;
  }
  const by = batch.claim(record, hubspot?.id, sf.id);
  if (by) {
    if (repointed) plan.pairWrites.push({ ...repointed, ref: record.key });
    batch.decision(record, 'noop', 'handled-with-counterpart', { handledWith: by });
    return;
  }
  if (hubspot) {
    syncPair(batch, record, hubspot, sf, pair, gate, {
      repointed: repointed !== undefined,
      ...(pair ? {} : { linkReason: 'matched HubSpot contact by email' }),
    });
    return;
  }

  const emailOnly = gate.action === 'sync-email-only';
  const created = valuesForNewHubSpotContact(
    sf.fields,
    mappingsFor(batch, sf.objectType, emailOnly),
    input.config.picklists,
  );
  if (!created.ok) {
    recordErrors(batch, record, created.errors);
    return;
  }
  batch.linkedInBatch.set(`salesforce:${sf.id}`, '');
  plan.hubspotCreates.push({
    ref: record.key,
    properties: created.value,
    salesforceId: sf.id,
    salesforceType: sf.objectType,
    pair: {
      hubspotId: '',
      salesforceId: sf.id,
      salesforceType: sf.objectType,
      snapshot: created.snapshot,
      version: 1,
      lastSyncedAt: input.now,
      origin: gate.rule === 'R6' ? 'auto-create' : gate.rule === 'R7' ? 'import' : 'created-in-hubspot',
      ...(emailOnly ? { emailOnly: true } : {}),
    },
  });
  batch.decision(record, 'synced', 'created in HubSpot', {
    rule: gate.rule,
    properties: Object.keys(created.value),
  });
  recordErrors(batch, record, created.warnings);
}

/**
 * Plans one batch: identity (match by normalized email before creating, link, lead-conversion and
 * merge re-pointing), the segment gate (R2–R8), then three-way merge of linked pairs or creation of
 * the counterpart, and a decision for every record. Pure and deterministic: records are handled in
 * key order, and a pair touched by two records of the batch is handled once (the second is a noop,
 * as both read the same latest state).
 *
 * Pair writes for new records ride in the create items (`pair`, id filled in by the processor);
 * `pairWrites` holds updates and new links of existing records, each with the `ref` it depends on.
 */
export function planBatch(input: PlanInput): SyncPlan {
  const batch = new Batch(input);
  // Merges last: a survivor linked by another record of this batch (matched by email, or its
  // counterpart created) keeps that link, and the merge drops the losers' links instead of moving one
  // onto it — which the store would refuse as a second link (one-to-one).
  const byKey = (a: PlanRecord, b: PlanRecord) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const sorted = [...input.records].sort(byKey);
  const records = [...sorted.filter((r) => !isMerge(batch, r)), ...sorted.filter((r) => isMerge(batch, r))];
  for (const record of records) {
    if (record.source === 'hubspot') planHubSpotRecord(batch, record);
    else planSalesforceRecord(batch, record);
  }
  return batch.plan;
}

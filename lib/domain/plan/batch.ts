import type { FieldMapping } from '../field-mapping.ts';
import type { Decision, HubSpotContact, PairState, SalesforceRecord } from '../entities.ts';
import { DEFAULT_AUTO_CREATE_WINDOW_MS } from '../auto-create.ts';
import type { PlanRecord } from '../coalesce.ts';
import { additionalEmails, normalizeEmail, type PairWrite } from '../identity.ts';
import type { SalesforceObject } from '../notice.ts';
import type { GateDecision } from '../segment-gate.ts';
import type { FieldError } from '../sync-rule-error.ts';
import type { GateContext } from './gate.ts';
import type { PlanInput, SyncPlan } from './types.ts';

/**
 * The batch's reads, indexed, plus what the plan has claimed so far and the plan being built. Every
 * step of the pipeline (resolve, gate, act, merges) reads and writes through it.
 */
export class Batch {
  readonly hubspotById = new Map<string, HubSpotContact>();
  readonly salesforceById = new Map<string, SalesforceRecord>();
  readonly pairByHubSpot = new Map<string, PairState>();
  readonly pairBySalesforce = new Map<string, PairState>();
  readonly hubspotByEmail = new Map<string, HubSpotContact[]>();
  readonly salesforceByEmail = new Map<string, SalesforceRecord[]>();
  /**
   * Contacts by an *additional* email (a merge put the merged-away contact's email there): HubSpot keeps
   * it reserved for the survivor, so it names a person who already has a contact (docs/design.md#merged-away-email).
   */
  readonly hubspotByAdditionalEmail = new Map<string, HubSpotContact>();
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
    associationWrites: [],
    pairWrites: [],
    pairDeletes: [],
    decisions: [],
    errors: [],
  };
  /** What the segment gate reads besides the record (see `gateInput`). */
  readonly gateContext: GateContext;

  constructor(readonly input: PlanInput) {
    for (const c of input.hubspotContacts) {
      if (c.archived) continue;
      this.hubspotById.set(c.id, c);
      const email = normalizeEmail(c.properties['email']);
      if (email) push(this.hubspotByEmail, email, c);
      for (const extra of additionalEmails(c)) this.hubspotByAdditionalEmail.set(extra, c);
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
    this.gateContext = {
      settings: input.settings,
      members: input.members,
      echoes: input.echoes,
      deletes: input.config.deletes,
      autoCreate: {
        integrationUserId: input.integrationUserId,
        now: input.now,
        windowMs: input.autoCreateWindowMs ?? DEFAULT_AUTO_CREATE_WINDOW_MS,
      },
    };
  }

  /** Records a decision about `record` (its first event id, and all of them when it coalesced several). */
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

  /** The gate said skip: recorded with its reason and the rule that says so (R3, R8, …). */
  skip(record: PlanRecord, gate: Extract<GateDecision, { action: 'skip' }>): void {
    this.decision(record, 'skipped', gate.reason, {
      rule: gate.rule,
      ...(gate.autoCreateRefused ? { autoCreateRefused: gate.autoCreateRefused } : {}),
    });
  }

  /** A pair write the record carries whatever happens next (a conversion's re-pointed link). */
  carry(record: PlanRecord, write: PairWrite | undefined): void {
    if (write) this.plan.pairWrites.push({ ...write, ref: record.key });
  }

  /** Permanent errors about one record: a plan error plus one `error` decision per field. */
  errors(record: PlanRecord, errors: FieldError[]): void {
    if (errors.length === 0) return;
    this.plan.errors.push({ ref: record.key, recordKey: record.key, errors });
    for (const e of errors) {
      this.decision(record, 'error', e.message, { field: e.field, side: e.side });
      const last = this.plan.decisions.at(-1);
      if (last) last.category = e.category;
    }
  }

  /** The mappings of an object: all of them, or only the email's under R7's email-only import. */
  mappings(objectType: SalesforceObject, emailOnly: boolean): FieldMapping[] {
    const all = this.input.config.mappings[objectType];
    return emailOnly ? all.filter((m) => m.hubspot === 'email') : all;
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

  /**
   * When a notice of this batch said a field of this record changed (`fieldChangedAt`, from webhooks
   * and CDC events: users' changes), for the three-way merge of its pair — whichever of the pair's
   * records the batch plans it through (docs/design.md#two-way).
   */
  reportedChange(side: 'hubspot' | 'salesforce', id: string): (field: string) => number | undefined {
    const times = this.input.records.find((r) => r.key === `${side}:${id}`)?.fieldChangedAt;
    return (field) => times?.[field];
  }

  /** The key of another record of this batch that already handled `key`, if any. */
  handledBy(record: PlanRecord, key: string): string | undefined {
    const by = this.claimed.get(key);
    return by !== undefined && by !== record.key ? by : undefined;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

import { recordKey } from '../domain/notice.ts';
import { type PlanInput, planBatch, type SyncPlan } from '../domain/plan/index.ts';
import { RetryableError } from '../errors.ts';
import type { Decision, HubSpotContact, PairState, RuntimeSettings } from '../ports.ts';
import { applyPlan, type ApplyResult, type RefFailure } from './apply-plan.ts';
import { coalesceTracked, type ProcessorRecord } from './coalesce.ts';
import { CREATED_BY_CRMSYNC } from './processor-crmsync-created.ts';
import { type ClassifiedError, classifyError } from './processor-errors.ts';
import { readFields } from './processor-fields.ts';
import { type Gathered, gather } from './processor-gather.ts';
import { contactsNeedingHistory } from './processor-history.ts';
import { intakeMessages, type TrackedNotice } from './processor-intake.ts';
import { MessageLedger } from './processor-ledger.ts';
import { mapLimit, settle } from './processor-pool.ts';
import type { MessageStatus, ProcessorDeps, ProcessorMessage, ProcessorResult } from './processor-types.ts';

export type {
  ProcessorDeps,
  ProcessorMessage,
  ProcessorResult,
  ProcessorSummary,
} from './processor-types.ts';

/**
 * Turns one batch of queued notices into synced records (docs/design.md#architecture):
 * parse (malformed → recorded, never retried) → drop duplicates by event id → coalesce per record →
 * segment gate on what the store knows → batch reads from both CRMs → plan (`lib/domain`: identity,
 * gate, three-way merge, creation) → claim pairs, batch writes, commit pairs → record every decision
 * → mark the events processed.
 *
 * Only messages whose record must be retried (429 after the limiter gave up, 5xx, timeouts, a pair
 * changed concurrently) come back in `batchItemFailures`; a permanent problem (validation, missing
 * required field, unmapped picklist value) is recorded as a sync error with its category and the
 * message is acknowledged, so nothing loops. Events are marked processed only after their record's
 * outcome is final and recorded: a crash before that redelivers the message, and the re-read plus
 * three-way merge make the second pass write nothing that was already written.
 */
export async function processBatch(
  messages: ProcessorMessage[],
  deps: ProcessorDeps,
): Promise<ProcessorResult> {
  const now = (deps.now ?? Date.now)();
  const ledger = new MessageLedger(messages.map((m) => m.messageId));
  const { summary } = ledger;
  const decisions: Decision[] = [];
  const eventsToMark: string[] = [];

  // Parse and drop in-batch duplicates.
  const intake = intakeMessages(messages, deps.parseNotice);
  for (const m of intake.malformed) {
    ledger.mark([m.messageId], 'malformed');
    summary.malformed++;
    decisions.push({
      at: now,
      recordKey: `message:${m.messageId}`,
      outcome: 'error',
      category: 'other',
      reason: `malformed notice, dropped: ${m.reason}`,
    });
  }
  for (const d of intake.duplicates) {
    ledger.mark([d.messageId], 'duplicate');
    summary.duplicates++;
  }

  // Drop events processed by an earlier batch (a redelivery after a lost ack, an outbound-message retry).
  const fresh = await dropProcessed(intake.notices, now, deps);
  for (const t of fresh.processed) {
    ledger.mark([t.messageId], 'duplicate');
    summary.duplicates++;
    decisions.push({ ...received(t, now), reason: 'duplicate' });
  }
  for (const t of fresh.notices) decisions.push(received(t, now));

  const records = coalesceTracked(fresh.notices);
  summary.records = records.length;
  const phased = await syncInPhases(records, deps, now);
  const outcomes = [...phased, ...(await syncUnlinkedByMerge(phased, deps, now))];

  for (const o of outcomes) {
    ledger.mark(o.record.messageIds, o.status);
    decisions.push(...o.decisions);
    if (o.status !== 'retry') eventsToMark.push(...o.record.eventIds);
    // Link repairs the processor made up itself carry no message: they are in the trace, not the counts.
    if (o.record.messageIds.length > 0) countStatus(summary, o.status);
    if (o.written.hubspot) summary.writes.hubspot++;
    if (o.written.salesforce) summary.writes.salesforce++;
  }

  // The trace first, then the idempotency marks: a crash in between redelivers, and the second pass
  // records a noop instead of losing the decision.
  await recordTrace(decisions, deps);
  await mapLimit(eventsToMark, 16, async (eventId) => {
    const marked = await settle(deps.store.markEventProcessed(eventId, now));
    if (!marked.ok)
      deps.log?.warn('event mark failed', { eventId, error: classifyError(marked.error).message });
  });

  emitMetrics(decisions, summary, deps);
  const batchItemFailures = ledger.batchItemFailures();
  deps.log?.info('processor batch', { ...summary, failures: batchItemFailures.length });
  return { batchItemFailures, summary };
}

/** The outcome of one coalesced record. */
interface RecordOutcome {
  record: ProcessorRecord;
  status: MessageStatus;
  decisions: Decision[];
  written: { hubspot: boolean; salesforce: boolean };
}

/**
 * Merges first, then everything else, each phase planned on the pairs the previous one left. A
 * merge re-points links (the merged-away contact's link moves to the survivor); a notice about the
 * survivor in the same batch must see that link, or it would look unlinked and create a duplicate
 * counterpart. When a merge must be retried, the records it touches wait for it (they are retried too).
 */
async function syncInPhases(
  records: ProcessorRecord[],
  deps: ProcessorDeps,
  now: number,
): Promise<RecordOutcome[]> {
  const merges = records.filter((r) => r.kind === 'merged');
  if (merges.length === 0) return records.length > 0 ? (await syncRecords(records, deps, now)).records : [];
  const rest = records.filter((r) => r.kind !== 'merged');
  const first = (await syncRecords(merges, deps, now)).records;
  const pending = new Set(
    first
      .filter((o) => o.status === 'retry')
      .flatMap((o) => [
        o.record.recordId,
        ...(o.record.mergedIds ?? []),
        ...(o.record.survivorId ? [o.record.survivorId] : []),
      ]),
  );
  const blocked = rest.filter((r) => pending.has(r.recordId));
  const ready = rest.filter((r) => !pending.has(r.recordId));
  const waiting = blocked.map((record) =>
    retryOutcome(
      record,
      {
        retryable: true,
        category: 'other',
        message: 'waits for a merge of the same record to be retried',
        stage: 'merge',
      },
      now,
    ),
  );
  const second = ready.length > 0 ? (await syncRecords(ready, deps, now)).records : [];
  return [...first, ...waiting, ...second];
}

/** Decision reasons of a merge that left a HubSpot contact unlinked (see `syncUnlinkedByMerge`). */
const UNLINKED_BY_MERGE = new Set(['merged-into-linked-record', 'merged-into-other-email']);

/**
 * A merge into a record linked already keeps the survivor's link and removes the losers' links
 * (`merged-into-linked-record`, one-to-one); a Salesforce merge into a record with another email
 * than the loser's contact removes that link too (`merged-into-other-email`: links match by email,
 * and the survivor's email is not written onto the contact). The HubSpot contact such a merge left unlinked is then
 * planned right away, like any unlinked contact (match by email, else create; outside the segment:
 * skipped, R3), so the batch ends in a state its own notices, delivered again, do not change.
 * The follow-up carries no message (like a link repair): it is in the trace, not in the counts; if it
 * must be retried, the contact's next notice does the same.
 */
async function syncUnlinkedByMerge(
  outcomes: RecordOutcome[],
  deps: ProcessorDeps,
  now: number,
): Promise<RecordOutcome[]> {
  const ids = new Set<string>();
  for (const o of outcomes) {
    if (o.status === 'retry' || o.status === 'error') continue;
    for (const d of o.decisions)
      if (UNLINKED_BY_MERGE.has(d.reason ?? '') && d.recordKey.startsWith('hubspot:'))
        ids.add(d.recordKey.slice('hubspot:'.length));
  }
  if (ids.size === 0) return [];
  const followUps: ProcessorRecord[] = [...ids].sort().map((id) => ({
    key: `hubspot:${id}`,
    source: 'hubspot',
    objectType: 'contact',
    recordId: id,
    kind: 'updated',
    created: false,
    eventIds: [],
    occurredAt: now,
    forceRead: true,
    messageIds: [],
  }));
  const out = (await syncRecords(followUps, deps, now)).records;
  // A retry of a follow-up has no message to hand back: the contact's next notice plans it again.
  return out.map((o) => (o.status === 'retry' ? { ...o, status: 'noop' as const } : o));
}

/** Settings, reads, plan and apply for the coalesced records; a failure before apply retries them all. */
async function syncRecords(
  records: ProcessorRecord[],
  deps: ProcessorDeps,
  now: number,
  repair = true,
): Promise<{ records: RecordOutcome[] }> {
  const retryAll = (list: ProcessorRecord[], error: unknown, stage: string) => {
    const classified = classifyError(error);
    deps.log?.warn('processor batch retried', { stage, records: list.length, error: classified.message });
    return list.map((record) => retryOutcome(record, { ...classified, stage }, now));
  };

  const settings = await settle(deps.store.getSettings());
  if (!settings.ok) return { records: retryAll(records, settings.error, 'settings') };
  const effective = effectiveSettings(settings.value, deps);

  const gathered = await settle(
    gather(records, {
      store: deps.store,
      hubspot: deps.hubspot,
      salesforce: deps.salesforce,
      fields: readFields(deps.config),
      settings: effective,
      now,
    }),
  );
  if (!gathered.ok) return { records: retryAll(records, gathered.error, 'store') };
  const g = gathered.value;
  const out: RecordOutcome[] = g.preSkipped.map(({ record, decision }) => ({
    record,
    status: 'skipped',
    decisions: [decision],
    written: { hubspot: false, salesforce: false },
  }));
  if (g.readError !== undefined) return { records: [...out, ...retryAll(g.toPlan, g.readError, 'read')] };
  if (repair && g.repairs.length > 0) {
    // Re-point links to merge survivors first, then read and plan the batch again on the repaired links.
    deps.log?.info('stale links repaired', { count: g.repairs.length });
    const repaired = (await syncRecords(g.repairs, deps, now, false)).records;
    if (repaired.some((o) => o.status === 'retry')) {
      return {
        records: [
          ...repaired,
          ...retryAll(records, new RetryableError('a stale link could not be re-pointed yet'), 'repair'),
        ],
      };
    }
    return { records: [...repaired, ...(await syncRecords(records, deps, now, false)).records] };
  }
  if (g.toPlan.length === 0) return { records: out };

  const plan = await planWithHistory(g, effective, deps, now);
  if (!plan.ok) return { records: [...out, ...retryAll(g.toPlan, plan.error, 'plan')] };

  const pairsByHubSpotId = new Map(g.pairs.map((p) => [p.hubspotId, p]));
  const applied = await applyPlan(plan.value, {
    store: deps.store,
    hubspot: deps.hubspot,
    salesforce: deps.salesforce,
    pairsByHubSpotId,
    refsOf: refIndex(g.toPlan, g.pairs),
  });
  for (const record of g.toPlan) out.push(outcomeOf(record, plan.value, applied, now));
  return { records: out };
}

/**
 * Plans the batch; when a conflict was decided on record-level times, reads those contacts' property
 * history (one extra read, only then) and plans again with per-property change times.
 */
async function planWithHistory(
  g: Gathered,
  settings: PlanInput['settings'],
  deps: ProcessorDeps,
  now: number,
): Promise<{ ok: true; value: SyncPlan } | { ok: false; error: unknown }> {
  const plan = (hubspotContacts: HubSpotContact[]) =>
    planBatch({
      now,
      records: g.toPlan,
      config: deps.config,
      settings,
      hubspotContacts,
      salesforceRecords: g.salesforceRecords,
      pairs: g.pairs,
      members: g.members,
    });
  try {
    const first = plan(g.hubspotContacts);
    const ids = contactsNeedingHistory(first, g.hubspotContacts);
    if (ids.length === 0) return { ok: true, value: first };
    const withHistory = await deps.hubspot.readContacts(ids, readFields(deps.config).hubspot, {
      withHistory: true,
    });
    const byId = new Map(withHistory.map((c) => [c.id, c]));
    return { ok: true, value: plan(g.hubspotContacts.map((c) => byId.get(c.id) ?? c)) };
  } catch (error) {
    deps.log?.error('plan failed', { error: classifyError(error).message });
    return { ok: false, error };
  }
}

/** The store's run-time settings, or the config's defaults before anyone changed them. */
function effectiveSettings(
  stored: RuntimeSettings | undefined,
  deps: ProcessorDeps,
): { inclusionSegmentId: string | null; autoCreateFromLeads: boolean; autoCreateFromContacts: boolean } {
  if (stored) {
    return {
      inclusionSegmentId: stored.inclusionSegmentId,
      autoCreateFromLeads: stored.autoCreateFromLeads,
      autoCreateFromContacts: stored.autoCreateFromContacts,
    };
  }
  return {
    inclusionSegmentId: deps.config.hubspot.inclusionSegmentId,
    autoCreateFromLeads: deps.config.creation.autoCreateFromLeads,
    autoCreateFromContacts: deps.config.creation.autoCreateFromContacts,
  };
}

/** Which plan refs (record keys) depend on a HubSpot or Salesforce id, for the writes that carry no ref. */
function refIndex(
  records: ProcessorRecord[],
  pairs: PairState[],
): (side: 'hubspot' | 'salesforce', id: string) => string[] {
  const bySide = { hubspot: new Map<string, Set<string>>(), salesforce: new Map<string, Set<string>>() };
  const add = (side: 'hubspot' | 'salesforce', id: string | undefined, ref: string) => {
    if (!id) return;
    const set = bySide[side].get(id) ?? new Set<string>();
    set.add(ref);
    bySide[side].set(id, set);
  };
  const byHubSpot = new Map(pairs.map((p) => [p.hubspotId, p]));
  const bySalesforce = new Map(pairs.map((p) => [p.salesforceId, p]));
  for (const r of records) {
    const ids = [r.recordId, ...(r.mergedIds ?? []), ...(r.survivorId ? [r.survivorId] : [])];
    for (const id of ids) {
      add(r.source, id, r.key);
      const pair = r.source === 'hubspot' ? byHubSpot.get(id) : bySalesforce.get(id);
      add('hubspot', pair?.hubspotId, r.key);
      add('salesforce', pair?.salesforceId, r.key);
    }
  }
  return (side, id) => [...(bySide[side].get(id) ?? [])];
}

/** Maps the plan's decisions and the apply result of one record to its status and trace. */
function outcomeOf(
  record: ProcessorRecord,
  plan: SyncPlan,
  applied: ApplyResult,
  now: number,
): RecordOutcome {
  const ref = record.key;
  // A decision about another record made on this record's behalf (a merge unlinking the loser's
  // counterpart) names it in `detail.via`, and goes with this record's outcome.
  const planned = plan.decisions.filter((d) =>
    d.detail?.['via'] === undefined ? d.recordKey === ref : d.detail['via'] === ref,
  );
  const written = {
    hubspot: applied.written.hubspot.has(ref),
    salesforce: applied.written.salesforce.has(ref),
  };
  const failure = applied.failures.get(ref);
  if (failure?.retryable) return retryOutcome(record, failure, now);
  if (failure) {
    // What was planned as synced did not (fully) happen: the error replaces it in the trace.
    const kept = planned.filter((d) => d.outcome !== 'synced' && d.outcome !== 'noop');
    return {
      record,
      status: 'error',
      written,
      decisions: [...kept, errorDecision(record, failure, written, now)],
    };
  }
  const created = applied.created.get(ref);
  const decisions = planned.map((d) =>
    d.outcome === 'synced'
      ? { ...d, detail: { ...(d.detail ?? {}), written, ...(created ? { createdId: created.id } : {}) } }
      : d,
  );
  if (created) decisions.push(createdByCrmsync(record, created, now));
  const outcomes = new Set(decisions.map((d) => d.outcome));
  const status: MessageStatus = plan.errors.some((e) => e.ref === ref)
    ? 'error'
    : outcomes.has('synced') || outcomes.has('linked') || outcomes.has('relinked')
      ? 'synced'
      : outcomes.has('skipped')
        ? 'skipped'
        : 'noop';
  return { record, status, decisions, written };
}

/**
 * The new record's own trace starts with who made it and for which record. The processor also reads
 * it back: a `created` notice about a record crmsync made (the outbound message of our own create)
 * is never an auto-create (R6), even once the record is no longer linked (see processor-crmsync-created.ts).
 */
function createdByCrmsync(
  record: ProcessorRecord,
  created: { side: 'hubspot' | 'salesforce'; id: string },
  now: number,
): Decision {
  const d: Decision = {
    at: now,
    recordKey: `${created.side}:${created.id}`,
    outcome: 'linked',
    reason: CREATED_BY_CRMSYNC,
    detail: { for: record.key },
  };
  const eventId = record.eventIds[0];
  if (eventId !== undefined) d.eventId = eventId;
  return d;
}

function errorDecision(
  record: ProcessorRecord,
  failure: RefFailure,
  written: { hubspot: boolean; salesforce: boolean },
  now: number,
): Decision {
  const d: Decision = {
    at: now,
    recordKey: record.key,
    outcome: 'error',
    category: failure.category,
    reason: failure.message,
    detail: { stage: failure.stage, written },
  };
  const eventId = record.eventIds[0];
  if (eventId !== undefined) d.eventId = eventId;
  return d;
}

/**
 * A record handed back to SQS. Its trace says so with outcome `received` (not `error`): a retry is
 * not a sync error a user must fix, and must not open one on the sync-errors page.
 */
function retryOutcome(
  record: ProcessorRecord,
  error: ClassifiedError & { stage: string },
  now: number,
): RecordOutcome {
  const d: Decision = {
    at: now,
    recordKey: record.key,
    outcome: 'received',
    reason: 'retry',
    detail: { stage: error.stage, category: error.category, message: error.message },
  };
  const eventId = record.eventIds[0];
  if (eventId !== undefined) d.eventId = eventId;
  return { record, status: 'retry', decisions: [d], written: { hubspot: false, salesforce: false } };
}

function received(t: TrackedNotice, now: number): Decision {
  const n = t.notice;
  return {
    at: now,
    recordKey: recordKey(n),
    eventId: n.eventId,
    outcome: 'received',
    detail: {
      kind: n.kind,
      objectType: n.objectType,
      occurredAt: n.occurredAt,
      ...(n.changedFields ? { changedFields: n.changedFields } : {}),
      ...(n.survivorId ? { survivorId: n.survivorId } : {}),
    },
  };
}

async function dropProcessed(
  notices: TrackedNotice[],
  now: number,
  deps: ProcessorDeps,
): Promise<{ notices: TrackedNotice[]; processed: TrackedNotice[] }> {
  const filter = deps.store.filterProcessedEvents?.bind(deps.store);
  if (!filter || notices.length === 0) return { notices, processed: [] };
  const seen = await settle(
    filter(
      notices.map((t) => t.notice.eventId),
      now,
    ),
  );
  // Dedupe saves reads; it is not needed for correctness, so a failed lookup just processes everything.
  if (!seen.ok) return { notices, processed: [] };
  return {
    notices: notices.filter((t) => !seen.value.has(t.notice.eventId)),
    processed: notices.filter((t) => seen.value.has(t.notice.eventId)),
  };
}

async function recordTrace(decisions: Decision[], deps: ProcessorDeps): Promise<void> {
  if (decisions.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    const done = await settle(deps.store.recordDecisions(decisions));
    if (done.ok) return;
    if (attempt >= 2) {
      // The syncs themselves are committed; failing the messages now would not bring the trace back.
      deps.log?.error('decisions not recorded', {
        count: decisions.length,
        error: classifyError(done.error).message,
      });
      return;
    }
  }
}

function countStatus(summary: ProcessorResult['summary'], status: MessageStatus): void {
  if (status === 'synced') summary.synced++;
  else if (status === 'noop') summary.noop++;
  else if (status === 'skipped') summary.skipped++;
  else if (status === 'error') summary.errors++;
  else if (status === 'retry') summary.retried++;
}

/**
 * One Count metric per outcome, skip reason and error category, named like the intake's
 * (`processor.<outcome>[.<reason>]`, e.g. `processor.skipped.not-in-segment`,
 * `processor.error.validation`); zero counts are not emitted.
 */
function emitMetrics(decisions: Decision[], summary: ProcessorResult['summary'], deps: ProcessorDeps): void {
  const metrics = deps.metrics;
  if (!metrics) return;
  const counts = new Map<string, number>([
    ['processor.synced', summary.synced],
    ['processor.noop', summary.noop],
    ['processor.retried', summary.retried],
    ['processor.malformed', summary.malformed],
    ['processor.duplicate', summary.duplicates],
    ['processor.written.hubspot', summary.writes.hubspot],
    ['processor.written.salesforce', summary.writes.salesforce],
  ]);
  for (const d of decisions) {
    const name =
      d.outcome === 'skipped'
        ? `processor.skipped.${d.reason ?? 'unknown'}`
        : d.outcome === 'error'
          ? `processor.error.${d.category ?? 'other'}`
          : undefined;
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  for (const [name, n] of counts) if (n > 0) metrics.addMetric(name, 'Count', n);
}

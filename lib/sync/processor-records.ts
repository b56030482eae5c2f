import { type PlanInput, type PlanSettings, planBatch, type SyncPlan } from '../domain/plan/index.ts';
import type { HubSpotContact, PairState, RuntimeSettings, SalesforcePort } from '../ports.ts';
import type { SalesforceFieldChange } from '../domain/entities.ts';
import { type ApplyResult, applyPlan } from './apply-plan.ts';
import type { ProcessorRecord } from './coalesce.ts';
import { repairThenSync } from './merges.ts';
import { loadContactLinks } from './contact-links.ts';
import { classifyError, errorDecision, retryOutcome, settle } from './processor-errors.ts';
import { type Gathered, gather, readFields } from './processor-gather.ts';
import { createdByCrmsync } from './processor-identity.ts';
import type { MessageStatus, ProcessorDeps, RecordOutcome } from './processor-types.ts';

/**
 * One pass over coalesced records: settings → gather (pre-gate, reads; stale links repaired first)
 * → plan (with property history when a conflict needs it) → apply → one outcome per record.
 * A failure before apply retries them all; it never throws.
 */
export async function syncRecords(
  records: ProcessorRecord[],
  deps: ProcessorDeps,
  now: number,
  repair = true,
): Promise<RecordOutcome[]> {
  const retryAll = (list: ProcessorRecord[], error: unknown, stage: string) => {
    const classified = classifyError(error);
    deps.log?.warn('processor batch retried', { stage, records: list.length, error: classified.message });
    return list.map((record) => retryOutcome(record, { ...classified, stage }, now));
  };

  const settings = await settle(deps.store.getSettings());
  if (!settings.ok) return retryAll(records, settings.error, 'settings');
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
  if (!gathered.ok) return retryAll(records, gathered.error, 'store');
  const g = gathered.value;
  const out: RecordOutcome[] = g.preSkipped.map(({ record, decision }) => ({
    record,
    status: 'skipped',
    decisions: [decision],
    written: { hubspot: false, salesforce: false },
  }));
  if (g.readError !== undefined) return [...out, ...retryAll(g.toPlan, g.readError, 'read')];
  if (repair && g.repairs.length > 0) {
    return repairThenSync(g.repairs, records, {
      syncOnce: (list) => syncRecords(list, deps, now, false),
      retryAll,
      log: deps.log,
    });
  }
  if (g.toPlan.length === 0) return out;

  // C6 and O1–O5: primary companies, company/account links and owners, read once for the batch.
  const links = await settle(loadContactLinks(g, deps, settings.value, now));
  if (!links.ok) return [...out, ...retryAll(g.toPlan, links.error, 'read')];
  const plan = await planWithHistory(g, effective, deps, now, links.value.links);
  if (!plan.ok) return [...out, ...retryAll(g.toPlan, plan.error, 'plan')];

  const pairsByHubSpotId = new Map(g.pairs.map((p) => [p.hubspotId, p]));
  const applied = await applyPlan(plan.value, {
    store: deps.store,
    hubspot: deps.hubspot,
    salesforce: deps.salesforce,
    pairsByHubSpotId,
    refsOf: refIndex(g.toPlan, g.pairs),
    now,
  });
  for (const record of g.toPlan) out.push(outcomeOf(record, plan.value, applied, now));
  // Companies and accounts the links needed linked first (C2, C4) are traced with the batch's first record.
  const first = out.find((o) => o.record.messageIds.length > 0) ?? out[0];
  first?.decisions.push(...links.value.decisions);
  return out;
}

/**
 * Plans the batch; when a conflict was decided on record-level times, reads those contacts' property
 * history (one extra read, only then) and plans again with per-property change times.
 */
async function planWithHistory(
  g: Gathered,
  settings: PlanSettings,
  deps: ProcessorDeps,
  now: number,
  links: PlanInput['links'],
): Promise<{ ok: true; value: SyncPlan } | { ok: false; error: unknown }> {
  // R6 and late-finished creations need crmsync's own Salesforce user (one call per cold start, cached
  // by the adapter); only batches with something to plan ask.
  const needsAuthor = g.toPlan.length > 0;
  const plan = (
    hubspotContacts: HubSpotContact[],
    integrationUserId: string | undefined,
    salesforceFieldChanges?: SalesforceFieldChange[],
  ) =>
    planBatch({
      now,
      records: g.toPlan,
      config: deps.config,
      settings,
      hubspotContacts,
      salesforceRecords: g.salesforceRecords,
      pairs: g.pairs,
      members: g.members,
      ...(integrationUserId ? { integrationUserId } : {}),
      autoCreateWindowMs: deps.config.creation.autoCreateWindowHours * 3_600_000,
      hubspotAppId: deps.config.hubspot.appId,
      ...(links ? { links } : {}),
      creationIntents: g.creationIntents,
      ...(salesforceFieldChanges ? { salesforceFieldChanges } : {}),
    } satisfies PlanInput);
  try {
    const integrationUserId = needsAuthor ? await deps.salesforce.integrationUserId() : undefined;
    const first = plan(g.hubspotContacts, integrationUserId);
    // Both histories only when the first plan says they decide something (rare: conflicts, late links,
    // unclear set-backs), read in parallel: neither depends on the other.
    const ids = contactsNeedingHistory(first, g.hubspotContacts);
    const [fieldChanges, withHistory] = await Promise.all([
      salesforceHistory(deps.salesforce, first.salesforceHistoryWanted),
      ids.length === 0
        ? []
        : deps.hubspot.readContacts(ids, readFields(deps.config).hubspot, { withHistory: true }),
    ]);
    if (ids.length === 0 && fieldChanges === undefined) return { ok: true, value: first };
    const byId = new Map(withHistory.map((c) => [c.id, c]));
    return {
      ok: true,
      value: plan(
        g.hubspotContacts.map((c) => byId.get(c.id) ?? c),
        integrationUserId,
        fieldChanges,
      ),
    };
  } catch (error) {
    deps.log?.error('plan failed', { error: classifyError(error).message });
    return { ok: false, error };
  }
}

/**
 * The Salesforce field history a late first link or an unclear set-back asked for
 * (`salesforceHistoryWanted`): one SOQL per object, from the earliest time asked about. Undefined when
 * none was asked for or the adapter cannot read history; the late link then fills as any first link
 * and the merge stands (docs/design.md#late-first-link, docs/design.md#set-back).
 */
export async function salesforceHistory(
  salesforce: SalesforcePort,
  wanted: SyncPlan['salesforceHistoryWanted'],
): Promise<SalesforceFieldChange[] | undefined> {
  if (!wanted || wanted.length === 0 || !salesforce.readFieldHistory) return undefined;
  const read = salesforce.readFieldHistory.bind(salesforce);
  const byObject = (['Lead', 'Contact'] as const)
    .map((objectType) => ({ objectType, asked: wanted.filter((w) => w.objectType === objectType) }))
    .filter((o) => o.asked.length > 0);
  const rows = await Promise.all(
    byObject.map(({ objectType, asked }) =>
      read(
        objectType,
        asked.map((w) => w.id),
        Math.min(...asked.map((w) => w.since)),
      ),
    ),
  );
  return rows.flat();
}

/**
 * HubSpot contacts whose plan resolved a conflict (a field changed on both sides) by change time
 * while only the record's `hs_lastmodifieddate` was known, or whose late first link could not tell
 * whether a property it wrote was changed since (`historyWanted`). Property history gives each property's
 * own change time (docs/design.md#two-way), but costs twice the read calls (HubSpot returns at
 * most 50 contacts per batch read with `propertiesWithHistory`), so the processor reads history only
 * for these few contacts and plans again, instead of for every batch.
 */
export function contactsNeedingHistory(plan: SyncPlan, contacts: HubSpotContact[]): string[] {
  const withoutHistory = new Set(contacts.filter((c) => c.propertyChangedAt === undefined).map((c) => c.id));
  const ids = new Set<string>();
  const some = (x: unknown) => Array.isArray(x) && x.length > 0;
  for (const d of plan.decisions) {
    const hubspotId = d.detail?.['hubspotId'];
    // A late first link that cannot tell a HubSpot write that never landed from one changed since
    // asks for the history too (`historyWanted`, docs/design.md#late-first-link).
    // So does a property set back to its last-synced value, maybe, since the other side's change
    // (`setBackUnclear`, docs/design.md#set-back).
    const wanted =
      some(d.detail?.['conflicts']) ||
      some(d.detail?.['historyWanted']) ||
      some(d.detail?.['setBackUnclear']);
    if (wanted && typeof hubspotId === 'string' && withoutHistory.has(hubspotId)) ids.add(hubspotId);
  }
  return [...ids];
}

/** The store's run-time settings, or the config's defaults before anyone changed them. */
function effectiveSettings(stored: RuntimeSettings | undefined, deps: ProcessorDeps): PlanSettings {
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
  // The new record's trace starts with who made it: read back for a later `created` notice (R6).
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

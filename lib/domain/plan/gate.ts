import { type AutoCreateEvidence, confirmAutoCreate } from '../auto-create.ts';
import type { PairState, SalesforceRecord } from '../entities.ts';
import type { PlanRecord } from '../coalesce.ts';
import { decide, type GateDecision, type GateInput } from '../segment-gate.ts';
import type { PlanInput, PlanSettings } from './types.ts';

/** Who the gate is asked about: the record's HubSpot contact (membership) and its pair, when known. */
export interface GateSubject {
  /** The HubSpot contact whose membership decides; undefined when the record has none yet. */
  hubspotId: string | undefined;
  /** The record's link, when it has one (R6 applies to unlinked records only; R8 to linked ones). */
  pair: PairState | undefined;
  /** The Salesforce record as read in this batch: its word decides whether a `created` notice takes R6. */
  salesforce?: SalesforceRecord | undefined;
}

/** What the gate reads besides the record: settings, membership, echoes and the delete policy. */
export interface GateContext {
  settings: PlanSettings;
  members: ReadonlySet<string>;
  echoes?: ReadonlySet<string> | undefined;
  /** `propagate`: a delete is gated like any other change; `ignore`: it is skipped (`deleted`). */
  deletes?: PlanInput['config']['deletes'];
  /**
   * What R6's evidence is weighed against (`confirmAutoCreate`): crmsync's Salesforce user, the batch time
   * and the auto-create window. The processor's pre-gate has no record read yet and passes none: R6 is then
   * not confirmed there, as the plan would not confirm it without the record either.
   */
  autoCreate?: { integrationUserId: string | undefined; now: number; windowMs: number };
}

/**
 * The one builder of the segment gate's input (docs/design.md#segment, R2–R8), used by the planner and by
 * the processor's pre-gate on what the store knows. Both must ask the same question, or a record the
 * pre-gate lets through could be planned under another rule. The R6 toggles and the membership of
 * the subject's HubSpot contact are read here and nowhere else.
 */
export function gateInput(
  record: Pick<PlanRecord, 'key' | 'source' | 'objectType' | 'kind'>,
  subject: GateSubject,
  ctx: GateContext,
): GateInput {
  return {
    notice: { source: record.source, objectType: record.objectType, kind: record.kind },
    segment: ctx.settings.inclusionSegmentId ? { listId: ctx.settings.inclusionSegmentId } : null,
    isMember: subject.hubspotId === undefined ? undefined : ctx.members.has(subject.hubspotId),
    ...(subject.pair ? { pair: subject.pair } : {}),
    autoCreate: { Lead: ctx.settings.autoCreateFromLeads, Contact: ctx.settings.autoCreateFromContacts },
    echo: ctx.echoes?.has(record.key) ?? false,
    ...(ctx.deletes ? { deletes: ctx.deletes } : {}),
    ...evidenceOf(record, subject, ctx),
  };
}

/**
 * R6 is granted by the record (docs/design.md, R6): a Salesforce `created` notice about a record not
 * linked yet carries the evidence of the record read in the batch; other notices carry none.
 */
function evidenceOf(
  record: Pick<PlanRecord, 'source' | 'kind'>,
  subject: GateSubject,
  ctx: GateContext,
): { autoCreateEvidence?: AutoCreateEvidence } {
  if (!ctx.autoCreate || record.source !== 'salesforce' || record.kind !== 'created' || subject.pair)
    return {};
  return { autoCreateEvidence: confirmAutoCreate(subject.salesforce, ctx.autoCreate) };
}

/** The gate's decision for a record about `subject` (see `gateInput`). */
export function gateRecord(
  record: Pick<PlanRecord, 'key' | 'source' | 'objectType' | 'kind'>,
  subject: GateSubject,
  ctx: GateContext,
): GateDecision {
  return decide(gateInput(record, subject, ctx));
}

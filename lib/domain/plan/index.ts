import type { PlanRecord } from '../coalesce.ts';
import { act, actOnDelete } from './act.ts';
import { Batch } from './batch.ts';
import { gateRecord } from './gate.ts';
import { mergesLast, planMerge } from './merges.ts';
import { resolve } from './resolve.ts';
import type { PlanInput, SyncPlan } from './types.ts';

export { type GateContext, type GateSubject, gateInput, gateRecord } from './gate.ts';
export { isMerge, mergeSurvivor } from './merges.ts';
export { CREATED_BY_CRMSYNC_LATE } from './own-creation.ts';
export { CONVERTED_INTO_OTHER_EMAIL, COUNTERPART_DELETED } from './resolve.ts';
export type * from './types.ts';

/**
 * Plans one batch. Every record goes through one pipeline, the same for both sides:
 * 1. **resolve** who the record is (`resolve.ts`): the record as read, a Lead conversion's re-pointed
 *    link, its pair and counterpart, or the record on the other side its email matches — or a merge
 *    (`merges.ts`), a delete, or a stop with a decision (not found, duplicate email, handled already);
 * 2. **gate** (`gate.ts`, R2–R8): the same gate input the processor's pre-gate builds;
 * 3. **act** (`act.ts`): sync the pair (three-way merge), create the counterpart, or propagate a delete.
 * Pure and deterministic: records are handled in key order, merges last (`mergesLast`), and a pair
 * touched by two records of the batch is handled once (the second is a noop, as both read the same
 * latest state).
 *
 * Pair writes for new records ride in the create items (`pair`, id filled in by the processor);
 * `pairWrites` holds updates and new links of existing records, each with the `ref` it depends on.
 */
export function planBatch(input: PlanInput): SyncPlan {
  const batch = new Batch(input);
  for (const record of mergesLast(batch, input.records)) planRecord(batch, record);
  return batch.plan;
}

function planRecord(batch: Batch, record: PlanRecord): void {
  const who = resolve(batch, record);
  if (who.kind === 'merge') {
    planMerge(batch, record, who.survivorId);
    return;
  }
  if (who.kind === 'delete') {
    actOnDelete(batch, record, who.pair);
    return;
  }
  if (who.kind === 'stop') {
    batch.carry(record, who.carried);
    batch.decision(record, who.outcome, who.reason, who.detail);
    return;
  }
  // The Salesforce record as read is R6's evidence (a created notice alone does not grant it).
  const subject = { ...who.subject, salesforce: who.salesforce };
  const gate = gateRecord({ ...who.record, objectType: who.objectType }, subject, batch.gateContext);
  if (gate.action === 'skip') {
    batch.carry(record, who.carried);
    batch.skip(record, gate);
    return;
  }
  act(batch, who, gate);
}

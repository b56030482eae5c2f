import type { AutoCreateEvidence } from './auto-create.ts';
import type { HubSpotList, PairState } from './entities.ts';
import type { ChangeNotice } from './notice.ts';
import { SyncRuleError } from './sync-rule-error.ts';

/** Why a record was not synced; recorded as `skipped: <reason>` so a user can see why (R3). */
export type SkipReason =
  | 'not-in-segment'
  | 'echo'
  | 'deleted'
  | 'dont-sync'
  | 'not-found'
  | 'merged-away'
  | 'duplicate-email';

/** Rule ids of docs/design.md#segment (and `echo`, docs/design.md#echo-suppression) that a gate decision can cite in the trace. */
export type GateRule = 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8' | 'member' | 'echo' | 'deleted';

export interface GateInput {
  /** The (coalesced) notice; only source, objectType and kind steer the gate. */
  notice: Pick<ChangeNotice, 'source' | 'objectType' | 'kind'>;
  /** The inclusion segment, or null when none is set (R2). */
  segment: { listId: string } | null;
  /** Membership of the HubSpot contact involved; undefined when there is no HubSpot contact yet. */
  isMember: boolean | undefined;
  /** The pair, when the record is linked. */
  pair?: PairState;
  /** R6 toggles from the run-time settings. */
  autoCreate: { Lead: boolean; Contact: boolean };
  /** The change is our own write coming back (decision 3, layer 1/2 missed it). */
  echo?: boolean;
  /**
   * The delete policy. Under `propagate` a `deleted` notice is a change like any other and meets the
   * same segment rules (a linked contact that left the segment: R8); otherwise it is skipped as `deleted`.
   */
  deletes?: 'ignore' | 'propagate';
  /**
   * R6 needs the record's word, not the notice's: what the Salesforce record read in this batch says
   * (`confirmAutoCreate`). Absent: not confirmed.
   */
  autoCreateEvidence?: AutoCreateEvidence;
}

export type GateDecision =
  | { action: 'sync'; rule: GateRule }
  | { action: 'sync-email-only'; rule: GateRule }
  | {
      action: 'skip';
      reason: SkipReason;
      rule: GateRule;
      /** A `created` notice that claimed R6 and why the record did not confirm it (recorded in the trace). */
      autoCreateRefused?: Exclude<AutoCreateEvidence, { confirmed: true }>['why'];
    };

/**
 * The segment gate (docs/design.md#segment, R2–R8). Pure: everything it needs is in the input.
 * - echo → skip; deleted → skip, unless deletes propagate: then it is gated like any change;
 * - R2: no segment → sync;
 * - R6: a Salesforce `created` notice with auto-create on for that object, for a record not linked yet,
 *   *confirmed by the record* (`autoCreateEvidence`: not crmsync's own, created within the window) →
 *   sync, member or not; unconfirmed, it is an ordinary change (and a skip says why R6 was refused);
 * - R7: `import` → full sync for a member, else email only;
 * - R4/R5: `segment-joined` and `resync` sync members (like any change of a member);
 * - R3: a non-member (or a Salesforce record with no HubSpot contact yet) → skip not-in-segment;
 * - R8: a linked contact that left the segment → skip not-in-segment; the pair is kept untouched.
 */
export function decide(input: GateInput): GateDecision {
  const { notice } = input;
  if (input.echo) return { action: 'skip', reason: 'echo', rule: 'echo' };
  if (notice.kind === 'deleted' && input.deletes !== 'propagate')
    return { action: 'skip', reason: 'deleted', rule: 'deleted' };
  if (input.segment === null) return { action: 'sync', rule: 'R2' };
  // R6 bypasses the segment once: for a record not linked yet. A `created` notice for a linked record is
  // our own creation coming back (an outbound message carries no change origin, so the intake cannot
  // drop it) or a late copy of an auto-create already done; like any later change it is gated below.
  const claimsAutoCreate =
    notice.source === 'salesforce' &&
    notice.kind === 'created' &&
    (notice.objectType === 'Lead' || notice.objectType === 'Contact') &&
    input.autoCreate[notice.objectType] &&
    input.pair === undefined;
  const evidence = input.autoCreateEvidence;
  if (claimsAutoCreate && evidence?.confirmed) return { action: 'sync', rule: 'R6' };
  if (notice.kind === 'import') {
    return input.isMember === true
      ? { action: 'sync', rule: 'R7' }
      : { action: 'sync-email-only', rule: 'R7' };
  }
  if (input.isMember === true) {
    if (notice.kind === 'segment-joined') return { action: 'sync', rule: 'R4' };
    if (notice.kind === 'resync') return { action: 'sync', rule: 'R5' };
    return { action: 'sync', rule: 'member' };
  }
  const skip: GateDecision = { action: 'skip', reason: 'not-in-segment', rule: input.pair ? 'R8' : 'R3' };
  if (claimsAutoCreate)
    skip.autoCreateRefused = evidence?.confirmed === false ? evidence.why : 'record-not-found';
  return skip;
}

/** R1: the segment is not an active (DYNAMIC) list. */
export class SegmentNotActiveError extends SyncRuleError {
  constructor(readonly list: Pick<HubSpotList, 'listId' | 'name' | 'processingType'>) {
    super(
      `list ${list.listId} ("${list.name}") is a ${list.processingType} list; the inclusion segment must be an ` +
        `active (DYNAMIC) list. Choose an active list (crmsync segment list), or recreate "${list.name}" as an ` +
        `active list in HubSpot, or clear the segment to sync every contact (crmsync segment clear)`,
      'validation',
    );
  }
}

/**
 * R1: refuses a MANUAL or SNAPSHOT list as the inclusion segment, with an error naming the list, its
 * type and what to do. Call it when the config is loaded and when the segment is changed.
 */
export function assertActiveSegment(list: Pick<HubSpotList, 'listId' | 'name' | 'processingType'>): void {
  if (list.processingType !== 'DYNAMIC') throw new SegmentNotActiveError(list);
}

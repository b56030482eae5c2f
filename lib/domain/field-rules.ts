import type { SyncRule } from './field-mapping.ts';
import type { CrmSide } from './notice.ts';

/** One field's inputs to a rule, all in canonical form (see `normalizeValue`). */
export interface FieldState {
  hubspot: string | null;
  salesforce: string | null;
  /** Last-synced value; `undefined` when this field was never synced for this pair. */
  snapshot: string | null | undefined;
  /** When each side's value last changed, epoch ms (field change time, else record modified time). */
  hubspotChangedAt: number;
  salesforceChangedAt: number;
  /**
   * When the CRM itself said this field changed (a webhook property change, a CDC changed field — our
   * own writes are dropped at intake, so these are users' changes). A value equal to the snapshot can
   * still be a change: a user who set the field back to the last-synced value (A→B→A) after the other
   * side's change made the latest change (reliability seed 1198197101).
   */
  hubspotReportedAt?: number | undefined;
  salesforceReportedAt?: number | undefined;
}

/** What a rule decided for one field. */
export type FieldDecision =
  /** Do nothing and keep no snapshot for the field (`dont-sync`). */
  | { kind: 'ignore' }
  /**
   * The value both sides should hold after the sync. Writes go only where the side differs from it
   * AND the rule allows writing towards that side.
   */
  | {
      kind: 'value';
      value: string | null;
      writeHubSpot: boolean;
      writeSalesforce: boolean;
      /** Set when both sides changed to different values and one was chosen. */
      conflict?: { winner: CrmSide; reason: string };
    };

/**
 * Later change wins; a tie goes to Salesforce (docs/design.md#two-way, "tie: Salesforce"), so the outcome
 * never depends on which side's notice arrived first.
 */
function laterWins(
  state: FieldState,
  why: string,
): { value: string | null; conflict: { winner: CrmSide; reason: string } } {
  const hubspotLater = state.hubspotChangedAt > state.salesforceChangedAt;
  const winner: CrmSide = hubspotLater ? 'hubspot' : 'salesforce';
  const reason =
    state.hubspotChangedAt === state.salesforceChangedAt
      ? `${why}; same change time, Salesforce wins ties`
      : `${why}; ${winner === 'hubspot' ? 'HubSpot' : 'Salesforce'} changed later`;
  return { value: hubspotLater ? state.hubspot : state.salesforce, conflict: { winner, reason } };
}

/** The side that set a field back to its last-synced value after the other side's change wins. */
const setBack = (winner: CrmSide, value: string | null) => ({
  value,
  conflict: {
    winner,
    reason: `changed on both sides; ${winner === 'hubspot' ? 'HubSpot' : 'Salesforce'} set it back to the last-synced value later`,
  },
});

/**
 * two-way: the most recent value wins, clearing included. With a snapshot, a side "changed" when it
 * differs from it, or when its CRM reported a change of the field after the other side's change (a
 * value set back to the snapshot's); one side changed → it wins; both changed to different values → later change
 * wins (tie: Salesforce). Without a snapshot (a newly linked pair): equal values need nothing; one
 * blank side takes the other's value (a link never clears data); two different values → later wins.
 */
function twoWay(state: FieldState): FieldDecision {
  const { hubspot, salesforce, snapshot } = state;
  const both = { writeHubSpot: true, writeSalesforce: true } as const;
  if (hubspot === salesforce) return { kind: 'value', value: hubspot, ...both };
  if (snapshot === undefined) {
    if (hubspot === null) return { kind: 'value', value: salesforce, ...both };
    if (salesforce === null) return { kind: 'value', value: hubspot, ...both };
    return { kind: 'value', ...laterWins(state, 'first sync of a new link, values differ'), ...both };
  }
  const hubspotChanged = hubspot !== snapshot;
  const salesforceChanged = salesforce !== snapshot;
  // A side back at the snapshot value changed too when its CRM reported a change of the field after
  // the other side's change: the most recent change wins, even one that restores the old value.
  const revertedLater = (reportedAt: number | undefined, otherChangedAt: number) =>
    reportedAt !== undefined && reportedAt > otherChangedAt;
  if (hubspotChanged && !salesforceChanged) {
    if (revertedLater(state.salesforceReportedAt, state.hubspotChangedAt))
      return { kind: 'value', ...setBack('salesforce', salesforce), ...both };
    return { kind: 'value', value: hubspot, ...both };
  }
  if (salesforceChanged && !hubspotChanged) {
    if (revertedLater(state.hubspotReportedAt, state.salesforceChangedAt))
      return { kind: 'value', ...setBack('hubspot', hubspot), ...both };
    return { kind: 'value', value: salesforce, ...both };
  }
  return { kind: 'value', ...laterWins(state, 'changed on both sides'), ...both };
}

/**
 * prefer-salesforce-unless-blank (the native connector's rule): a Salesforce value always wins; a
 * Salesforce clear (blank now, non-blank in the snapshot) clears HubSpot; HubSpot writes to
 * Salesforce only while the Salesforce field is blank and was not just cleared there.
 */
function preferSalesforce(state: FieldState): FieldDecision {
  const { hubspot, salesforce, snapshot } = state;
  const both = { writeHubSpot: true, writeSalesforce: true } as const;
  if (salesforce !== null) return { kind: 'value', value: salesforce, ...both };
  const justCleared = snapshot !== undefined && snapshot !== null;
  if (justCleared) return { kind: 'value', value: null, ...both };
  return { kind: 'value', value: hubspot, ...both };
}

/**
 * Decides one field by its sync rule (docs/design.md#sync-rules). `always-*` rules make the source's value
 * (blank included) the target and only ever write away from the source.
 */
export function decideField(rule: SyncRule, state: FieldState): FieldDecision {
  switch (rule) {
    case 'dont-sync':
      return { kind: 'ignore' };
    case 'always-salesforce':
      return { kind: 'value', value: state.salesforce, writeHubSpot: true, writeSalesforce: false };
    case 'always-hubspot':
      return { kind: 'value', value: state.hubspot, writeHubSpot: false, writeSalesforce: true };
    case 'two-way':
      return twoWay(state);
    case 'prefer-salesforce-unless-blank':
      return preferSalesforce(state);
  }
}

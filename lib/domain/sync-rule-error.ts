import type { SyncErrorCategory } from './entities.ts';
import type { CrmSide } from './notice.ts';

/**
 * A permanent problem found by a pure rule (unmapped picklist value, a value that is not of its
 * field's type, a missing required field, a non-active segment). The domain may not import the
 * error classes of `lib/errors.ts` (it stays dependency-free), so the processor maps this to a
 * `PermanentSyncError` with the same `category`.
 */
export class SyncRuleError extends Error {
  constructor(
    message: string,
    readonly category: SyncErrorCategory,
    /** The HubSpot property or Salesforce field concerned, when there is one. */
    readonly field?: string,
    readonly value?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A picklist value with no entry in its value table: a sync error naming field and value, never a silent drop. */
export class PicklistUnmappedError extends SyncRuleError {
  constructor(
    field: string,
    value: unknown,
    table: string,
    direction: 'hubspot-to-salesforce' | 'salesforce-to-hubspot',
  ) {
    super(
      `picklist value ${JSON.stringify(value)} of ${field} has no mapping in table "${table}" (${direction}); ` +
        `add it under picklists.${table} in the config`,
      'picklist-value-unmapped',
      field,
      value,
    );
  }
}

/** A value that is not valid for its field type (e.g. "abc" in a number field). */
export class InvalidValueError extends SyncRuleError {
  constructor(field: string, value: unknown, expected: string) {
    super(
      `value ${JSON.stringify(value)} of ${field} is not a valid ${expected}`,
      'validation',
      field,
      value,
    );
  }
}

/** A per-field sync error, as reported by merge and creation (the processor records it as a decision). */
export interface FieldError {
  /** HubSpot property name of the mapping (Salesforce field name for Salesforce-only fields like LastName). */
  field: string;
  value: unknown;
  /** The side whose value could not be used or written. */
  side: CrmSide;
  category: 'picklist-value-unmapped' | 'validation' | 'missing-required-field';
  message: string;
}

/** Turns a thrown SyncRuleError into a FieldError; anything else is a bug and is rethrown. */
export function toFieldError(error: unknown, field: string, side: CrmSide): FieldError {
  if (!(error instanceof SyncRuleError)) throw error;
  const category =
    error.category === 'picklist-value-unmapped' || error.category === 'missing-required-field'
      ? error.category
      : 'validation';
  return { field, value: error.value, side, category, message: error.message };
}

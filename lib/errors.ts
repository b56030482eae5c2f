/**
 * Named errors under one base (docs/design.md#named-errors). Three families matter to the processor:
 * - RetryableError: try again later (429, 5xx, timeouts, version conflicts); the message is
 *   reported in `batchItemFailures` and SQS redelivers it with backoff.
 * - PermanentSyncError: a sync error a user must fix (validation, missing required field,
 *   unmapped picklist value); recorded with its category and never retried.
 * - ConfigError: the configuration is wrong; says where and how to fix it.
 * A *skip* is a decision, not an error, and is modelled in the domain.
 */
import type { SyncErrorCategory } from './domain/entities.ts';

// The category is a domain concept (a decision carries it); re-exported for the adapters.
export type { SyncErrorCategory } from './domain/entities.ts';

export class CrmSyncError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RetryableError extends CrmSyncError {
  constructor(
    message: string,
    /** Milliseconds the caller should wait before retrying, when the CRM said (Retry-After). */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class PermanentSyncError extends CrmSyncError {
  constructor(
    message: string,
    readonly category: SyncErrorCategory,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The CRM refused our credentials (HubSpot 401, Salesforce INVALID_SESSION_ID): nothing in a batch
 * can succeed until a person fixes the token or the connected app. Permanent for the record, but the
 * processor should treat it as an outage of the whole CRM, not as one record's sync error.
 */
export class CrmAuthError extends PermanentSyncError {
  constructor(
    readonly crm: 'hubspot' | 'salesforce',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, 'permission', options);
  }
}

/** One problem found in a configuration: where, what was there, what is wrong, and the fix. */
export interface ConfigProblem {
  path: string;
  value: unknown;
  message: string;
  fix: string;
}

export class ConfigError extends CrmSyncError {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` +
        problems
          .map((p) => `  - ${p.path}: ${p.message} (got ${renderValue(p.value)}). Fix: ${p.fix}`)
          .join('\n'),
    );
  }
}

function renderValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

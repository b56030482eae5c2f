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

/**
 * Why trying again can help, set where a RetryableError is made (the adapter, the rate limiter, the
 * store), so that nobody downstream guesses it from the message text:
 * - `rate-limit`: the CRM, the limiter or the API budget said "not now" (429, REQUEST_LIMIT_EXCEEDED,
 *   a daily share used up);
 * - `server`: the other side failed (5xx, a Salesforce row lock, a queue or table that did not take it);
 * - `timeout`: no answer in time (the request may have been applied);
 * - `network`: no answer at all (reset, refused, DNS);
 * - `conflict`: another writer changed the same pair first (a conditional write lost the race).
 */
export type RetryCategory = 'rate-limit' | 'server' | 'timeout' | 'network' | 'conflict';

export class RetryableError extends CrmSyncError {
  /** Milliseconds the caller should wait before retrying, when the CRM said (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    readonly category: RetryCategory,
    options?: { retryAfterMs?: number | undefined; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A Bulk API 2.0 query job cannot give (the rest of) its records: it failed, was aborted, took longer
 * than the polling bound, or no longer exists (Salesforce deletes jobs 7 days after creation). The
 * reader falls back to SOQL pages from its last Id (docs/design.md#bulk-reads).
 */
export class BulkQueryUnavailableError extends RetryableError {
  constructor(
    readonly jobId: string,
    reason: string,
    cause?: unknown,
  ) {
    super(
      `Salesforce Bulk API 2.0 query job ${jobId}: ${reason}`,
      'server',
      cause === undefined ? undefined : { cause },
    );
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

/**
 * A long job's checkpoint is leased by another invocation that is still running it (its lease has not
 * lapsed): this one must not continue the job, or both would do the same pages twice. Nothing to fix:
 * the holder finishes or pauses it, or its lease lapses (a crashed holder) and the next run takes over.
 */
export class CheckpointLeaseError extends CrmSyncError {
  constructor(readonly checkpoint: string) {
    super(
      `the ${checkpoint} job is being run by another invocation (its checkpoint lease is live); this run leaves it alone`,
    );
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

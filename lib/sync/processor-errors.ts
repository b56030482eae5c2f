import {
  CrmAuthError,
  PermanentSyncError,
  type RetryCategory,
  RetryableError,
  type SyncErrorCategory,
} from '../errors.ts';
import type { Decision } from '../ports.ts';
import type { ProcessorRecord } from './coalesce.ts';
import type { RecordOutcome } from './processor-types.ts';

/**
 * Failures, from the error thrown to the record's trace: retry the record's messages, or record a
 * sync error a user must fix (docs/design.md#partial-batch-failure).
 */

/** How the processor treats a failure: retry the record's messages, or record a sync error. */
export interface ClassifiedError {
  retryable: boolean;
  category: SyncErrorCategory;
  /** Why a retry can help, as the code that threw the RetryableError said (`RetryCategory`). */
  retryCategory?: RetryCategory;
  message: string;
  retryAfterMs?: number;
}

/**
 * Classifies a thrown error. Adapters throw RetryableError for 429, 5xx, timeouts and version
 * conflicts, with its category set where it was made (never guessed from the message here), and
 * PermanentSyncError for what a user must fix. Anything else (a network reset the
 * client did not wrap, a bug) is treated as retryable: SQS redelivers it and, after the queue's
 * maxReceiveCount, parks it in the DLQ, so it can neither loop nor be lost.
 */
export function classifyError(error: unknown): ClassifiedError {
  // A refused token is an outage of the whole CRM, not this record's fault: acknowledging would lose
  // the change, so the messages go back to the queue (and to the DLQ, for a redrive once fixed).
  if (error instanceof CrmAuthError)
    return { retryable: true, category: 'permission', message: error.message };
  if (error instanceof PermanentSyncError) {
    return { retryable: false, category: error.category, message: error.message };
  }
  if (error instanceof RetryableError) {
    return {
      retryable: true,
      category: error.category === 'rate-limit' ? 'rate-limit' : 'other',
      retryCategory: error.category,
      message: error.message,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { retryable: true, category: 'other', message };
}

/** Settles a promise into a value-or-error pair, so one failure never hides the others' outcomes. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * A record handed back to SQS. Its trace says so with outcome `received` (not `error`): a retry is
 * not a sync error a user must fix, and must not open one on the sync-errors page.
 */
export function retryOutcome(
  record: ProcessorRecord,
  error: ClassifiedError & { stage: string },
  now: number,
): RecordOutcome {
  const d: Decision = {
    at: now,
    recordKey: record.key,
    outcome: 'received',
    reason: 'retry',
    detail: {
      stage: error.stage,
      category: error.category,
      ...(error.retryCategory ? { retryCategory: error.retryCategory } : {}),
      message: error.message,
    },
  };
  const eventId = record.eventIds[0];
  if (eventId !== undefined) d.eventId = eventId;
  return { record, status: 'retry', decisions: [d], written: { hubspot: false, salesforce: false } };
}

/** A permanent failure of one record: an `error` decision with its category (the sync-errors page). */
export function errorDecision(
  record: ProcessorRecord,
  failure: ClassifiedError & { stage: string },
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

import { CrmAuthError, PermanentSyncError, RetryableError, type SyncErrorCategory } from '../errors.ts';

/** How the processor treats a failure: retry the record's messages, or record a sync error. */
export interface ClassifiedError {
  retryable: boolean;
  category: SyncErrorCategory;
  message: string;
  retryAfterMs?: number;
}

/**
 * Classifies a thrown error (docs/design.md#partial-batch-failure). Adapters throw RetryableError for 429, 5xx,
 * timeouts and version conflicts, and PermanentSyncError for what a user must fix. Anything else
 * (a network reset the client did not wrap, a bug) is treated as retryable: SQS redelivers it and,
 * after the queue's maxReceiveCount, parks it in the DLQ, so it can neither loop nor be lost.
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
      category: /429|rate|limit/i.test(error.message) ? 'rate-limit' : 'other',
      message: error.message,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { retryable: true, category: 'other', message };
}

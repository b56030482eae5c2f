import { describe, expect, it } from 'vitest';
import { CrmAuthError, PermanentSyncError, RetryableError } from '../../lib/errors.ts';
import type { ProcessorRecord } from '../../lib/sync/coalesce.ts';
import { classifyError, retryOutcome } from '../../lib/sync/processor-errors.ts';

const record: ProcessorRecord = {
  key: 'hubspot:101',
  source: 'hubspot',
  objectType: 'contact',
  recordId: '101',
  kind: 'updated',
  created: false,
  eventIds: ['e1'],
  occurredAt: 0,
  forceRead: false,
  messageIds: ['m1'],
};

describe('processor errors', () => {
  it("a RetryableError's category is the one it was made with, never guessed from its message", () => {
    // The rate limiter's daily share says neither 429 nor "rate" nor "limit".
    expect(classifyError(new RetryableError('hubspot daily API share used (50/50)', 'rate-limit'))).toEqual({
      retryable: true,
      category: 'rate-limit',
      retryCategory: 'rate-limit',
      message: 'hubspot daily API share used (50/50)',
    });
    // A server failure whose text happens to mention a limit is not a rate limit.
    expect(classifyError(new RetryableError('503 error rate over the limit', 'server'))).toMatchObject({
      retryable: true,
      category: 'other',
      retryCategory: 'server',
    });
    expect(classifyError(new RetryableError('429', 'rate-limit', { retryAfterMs: 3000 })).retryAfterMs).toBe(
      3000,
    );
  });

  it('permanent errors keep their category; a refused token and unknown errors are retried', () => {
    expect(classifyError(new PermanentSyncError('bad', 'validation'))).toEqual({
      retryable: false,
      category: 'validation',
      message: 'bad',
    });
    expect(classifyError(new CrmAuthError('hubspot', 'expired'))).toMatchObject({
      retryable: true,
      category: 'permission',
    });
    expect(classifyError(new TypeError('x'))).toEqual({
      retryable: true,
      category: 'other',
      message: 'TypeError: x',
    });
  });

  it('a retry is traced as received/retry with the category set where the error was made', () => {
    const classified = classifyError(new RetryableError('pair hubspot:101 changed concurrently', 'conflict'));
    const outcome = retryOutcome(record, { ...classified, stage: 'claim' }, 5);
    expect(outcome.status).toBe('retry');
    expect(outcome.decisions).toEqual([
      {
        at: 5,
        recordKey: 'hubspot:101',
        eventId: 'e1',
        outcome: 'received',
        reason: 'retry',
        detail: {
          stage: 'claim',
          category: 'other',
          retryCategory: 'conflict',
          message: 'pair hubspot:101 changed concurrently',
        },
      },
    ]);
  });
});

import { type RetryCategory, RetryableError } from '../errors.ts';
import type { Lane, RateLimiter } from './rate-limiter.ts';

/** How an adapter classifies a failed call. */
export type CallFailure =
  /** The CRM said "too many": wait `waitMs` (from Retry-After or its policy), then try again. */
  | { kind: 'rate-limited'; waitMs: number; message: string }
  /**
   * 5xx, a timeout, a reset connection: back off and try again, a bounded number of times.
   * `notProcessed`: the CRM certainly did not apply the request (503, a lock error), so even a
   * non-idempotent call (a create) may go again; a timeout or a 502 may have been applied.
   */
  | {
      kind: 'transient';
      message: string;
      /** What kind of failure, for the RetryableError the caller gets when attempts run out. */
      category: Extract<RetryCategory, 'server' | 'timeout' | 'network'>;
      notProcessed?: boolean;
    }
  /** Anything else: give up now and throw this error. */
  | { kind: 'fatal'; error: Error };

export interface LimitedCallOptions<T> {
  limiter: RateLimiter;
  op: string;
  lane: Lane;
  call: () => Promise<T>;
  classify: (error: unknown) => CallFailure;
  /** Attempts in total, including the first (default 5). */
  maxAttempts?: number;
  /** First backoff after a transient failure, doubled each time (default 500 ms). */
  backoffMs?: number;
  /**
   * False for creates: after an ambiguous failure (timeout, reset, 500/502/504) the records may
   * exist already, so the call is not repeated here; the caller gets a RetryableError and its retry
   * matches by email first instead of creating twice. Default true.
   */
  idempotent?: boolean;
}

/**
 * Runs one API call through the limiter with bounded retries. A rate-limit answer pauses the whole
 * limiter (every caller of this CRM waits, not just this one) and the call goes again once the pause
 * is over; transient failures back off exponentially. When attempts run out the caller gets a
 * RetryableError, so the queue message is retried later rather than lost.
 */
export async function limitedCall<T>(opts: LimitedCallOptions<T>): Promise<T> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const backoffMs = opts.backoffMs ?? 500;
  let last: CallFailure | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    await opts.limiter.acquire(opts.op, opts.lane);
    try {
      return await opts.call();
    } catch (error) {
      const failure = opts.classify(error);
      if (failure.kind === 'fatal') throw failure.error;
      last = failure;
      if (failure.kind === 'rate-limited') {
        opts.limiter.noteRateLimited();
        opts.limiter.pauseFor(failure.waitMs);
        if (attempt === maxAttempts) {
          throw new RetryableError(`${opts.limiter.crm} ${opts.op}: ${failure.message}`, 'rate-limit', {
            retryAfterMs: failure.waitMs,
            cause: error,
          });
        }
        continue;
      }
      const ambiguous = opts.idempotent === false && !failure.notProcessed;
      if (attempt === maxAttempts || ambiguous) {
        throw new RetryableError(
          `${opts.limiter.crm} ${opts.op}: ${failure.message} (after ${attempt} attempt${attempt === 1 ? '' : 's'}${ambiguous ? '; not repeated: it may have been applied' : ''})`,
          failure.category,
          { cause: error },
        );
      }
      await opts.limiter.backoff(backoffMs * 2 ** (attempt - 1));
    }
  }
  // Unreachable: the loop returns or throws.
  throw new RetryableError(
    `${opts.limiter.crm} ${opts.op}: ${last?.kind ?? 'failed'}`,
    last?.kind === 'transient' ? last.category : last?.kind === 'rate-limited' ? 'rate-limit' : 'server',
  );
}

/** Rejects with a timeout error when `promise` takes longer than `ms` (the request itself is not cancelled). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A call that did not answer in time: transient by definition. */
export class CallTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallTimeoutError';
  }
}

import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { type ChangeNotice, changeNoticeSchema } from '../domain/notice.ts';
import { CrmSyncError, RetryableError } from '../errors.ts';
import type { ChangeQueue } from '../ports.ts';

/**
 * SQS limits for SendMessageBatch: at most 10 entries per call, and the whole request (bodies plus
 * message attributes) at most 256 KiB, the classic SQS cap (raised to 1 MiB in 2025, but 256 KiB is
 * what every region and every local stand-in accepts).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 */
export const SQS_BATCH_MAX_ENTRIES = 10;
export const SQS_MAX_BYTES = 256 * 1024;

/** A notice that does not satisfy changeNoticeSchema: a bug in the caller, never retried. */
export class InvalidNoticeError extends CrmSyncError {}

export interface SqsChangeQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** Attempts for entries that fail inside a batch (the SDK already retries whole-call failures). Default 4. */
  maxAttempts?: number;
  /** Cap per message and per batch request, bytes. Default 256 KiB. */
  maxBytes?: number;
  /** Waits between attempts; default exponential backoff (50, 100, 200 ms...). */
  sleep?: (ms: number) => Promise<void>;
}

interface Entry {
  entry: SendMessageBatchRequestEntry;
  bytes: number;
}

/** The ChangeQueue on SQS: JSON notice bodies, with source / objectType / kind as message attributes. */
export class SqsChangeQueue implements ChangeQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #maxAttempts: number;
  readonly #maxBytes: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(opts: SqsChangeQueueOptions) {
    this.#client = opts.client;
    this.#queueUrl = opts.queueUrl;
    this.#maxAttempts = opts.maxAttempts ?? 4;
    this.#maxBytes = opts.maxBytes ?? SQS_MAX_BYTES;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Validates every notice first (nothing is sent if one is invalid), then sends them in batches of
   * up to 10 and 256 KiB. Entries that fail inside a batch, and batches whose call fails, are retried
   * up to `maxAttempts`; if some are still not queued, rejects with a RetryableError saying how many,
   * so the intake answers 5xx and the CRM redelivers. Notices that were queued stay queued: duplicates
   * on redelivery are dropped by the processor's event-id check.
   */
  async send(notices: ChangeNotice[]): Promise<void> {
    let pending = notices.map((notice, i) => this.#toEntry(validate(notice, i), i));
    let lastProblem = '';
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > this.#maxAttempts) {
        throw new RetryableError(
          `${pending.length} of ${notices.length} change notices were not queued after ${this.#maxAttempts} attempts (${lastProblem})`,
          'server',
        );
      }
      if (attempt > 1) await this.#sleep(50 * 2 ** (attempt - 2));
      const failed: Entry[] = [];
      const problems = new Set<string>();
      await Promise.all(
        this.#batches(pending).map(async (batch) => {
          try {
            const res = await this.#client.send(
              new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: batch.map((e) => e.entry) }),
            );
            const failedIds = new Set<string>();
            for (const f of res.Failed ?? []) {
              if (f.Id) failedIds.add(f.Id);
              problems.add(`${f.Code ?? 'error'}: ${f.Message ?? 'no message'}`);
            }
            // An entry in neither list was not confirmed: treat it as failed (SendMessageBatch docs).
            const ok = new Set((res.Successful ?? []).map((s) => s.Id));
            failed.push(...batch.filter((e) => failedIds.has(e.entry.Id!) || !ok.has(e.entry.Id!)));
          } catch (err) {
            problems.add(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
            failed.push(...batch);
          }
        }),
      );
      pending = failed;
      lastProblem = [...problems].join('; ');
    }
  }

  #toEntry(notice: ChangeNotice, index: number): Entry {
    let body = JSON.stringify(notice);
    const attributes: Record<string, MessageAttributeValue> = {
      source: { DataType: 'String', StringValue: notice.source },
      objectType: { DataType: 'String', StringValue: notice.objectType },
      kind: { DataType: 'String', StringValue: notice.kind },
    };
    const attributeBytes = Object.entries(attributes).reduce(
      (sum, [name, v]) =>
        sum + byteLength(name) + byteLength(v.DataType ?? '') + byteLength(v.StringValue ?? ''),
      0,
    );
    if (byteLength(body) + attributeBytes > this.#maxBytes) {
      // Only a huge changedFields list can make a notice this large. The processor re-reads the
      // record anyway (notices, not values), so the list is dropped and a full read is asked for.
      const { changedFields: _dropped, ...rest } = notice;
      body = JSON.stringify({ ...rest, forceRead: true });
    }
    return {
      entry: { Id: `n${index}`, MessageBody: body, MessageAttributes: attributes },
      bytes: byteLength(body) + attributeBytes,
    };
  }

  /** Groups entries into requests of at most 10 entries and `maxBytes` in total. */
  #batches(entries: Entry[]): Entry[][] {
    const out: Entry[][] = [];
    let current: Entry[] = [];
    let bytes = 0;
    for (const e of entries) {
      if (
        current.length === SQS_BATCH_MAX_ENTRIES ||
        (current.length > 0 && bytes + e.bytes > this.#maxBytes)
      ) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(e);
      bytes += e.bytes;
    }
    if (current.length > 0) out.push(current);
    return out;
  }
}

function validate(notice: ChangeNotice, index: number): ChangeNotice {
  const parsed = changeNoticeSchema.safeParse(notice);
  if (!parsed.success) {
    throw new InvalidNoticeError(`change notice #${index} is invalid: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

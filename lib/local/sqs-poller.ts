import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** The function the poller invokes: the same contract as a Lambda SQS handler with ReportBatchItemFailures. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

/** What one invocation did, for the dashboard's counters and charts. */
export interface PollerBatchReport {
  at: number;
  records: SQSRecord[];
  /** Message ids the handler reported as failed (they stay on the queue). */
  failedIds: string[];
  /** The handler threw: the whole batch stays on the queue, as Lambda does. */
  error?: unknown;
  durationMs: number;
}

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  handler: SqsBatchHandler;
  /** Lambda's BatchSize (1–10,000); SQS hands out at most 10 per ReceiveMessage. */
  batchSize: number;
  /** Lambda's MaximumBatchingWindowInSeconds, in ms: how long to gather a batch once a message arrived. */
  batchingWindowMs: number;
  /** Called after each invocation. */
  onBatch?: (report: PollerBatchReport) => void;
  /** Called when receiving itself fails (the poller keeps going). */
  onError?: (error: unknown) => void;
  /** ARN reported in the records' eventSourceARN. */
  queueArn?: string;
  /** Long-poll wait while idle, seconds (0–20). Short by default so that stop() returns promptly. */
  idleWaitSeconds?: number;
  /**
   * Invocations in flight at once (default 1), as the event source mapping's `maxConcurrency`: while
   * one batch waits on a CRM or the store, the next one is gathered and processed.
   */
  maxConcurrency?: number;
}

/** SQS returns at most 10 messages per ReceiveMessage call. */
const SQS_RECEIVE_MAX = 10;

/**
 * Plays Lambda's SQS event source mapping on one machine: gathers up to `batchSize` messages within
 * the batching window, invokes the handler with an SQS event, then deletes every message except the
 * ones the handler reported in `batchItemFailures` (all of them stay if it threw). Messages that
 * stay become visible again after the queue's visibility timeout and are retried; the queue's redrive
 * policy moves them to the DLQ after `maxReceiveCount` receives, exactly as in AWS.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export class SqsPoller {
  readonly #opts: SqsPollerOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  readonly #aborts = new Set<AbortController>();
  /** Bounds invocations in flight (background loops and drain() together) to `maxConcurrency`. */
  readonly #slots: Slots;

  constructor(opts: SqsPollerOptions) {
    if (opts.batchSize < 1 || opts.batchSize > 10_000) throw new RangeError('batchSize must be 1..10000');
    const concurrency = opts.maxConcurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)
      throw new RangeError('maxConcurrency must be an integer 1..1000');
    this.#opts = opts;
    this.#slots = new Slots(concurrency);
  }

  /** Starts polling in the background. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops polling and waits for the invocations in flight, if any, to finish and delete their messages. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const abort of this.#aborts) abort.abort();
    await this.#loop;
    await this.#slots.idle();
    this.#loop = undefined;
  }

  /**
   * Processes batches, ignoring the batching window, until a receive finds no visible message.
   * Deterministic flushing for tests and the CLI; returns the number of messages handed to the handler.
   */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      await this.#slots.acquire();
      let handled: number;
      try {
        const messages = await this.#gather(0, 0);
        if (messages.length > 0) await this.#invoke(messages);
        handled = messages.length;
      } finally {
        this.#slots.release();
      }
      if (handled === 0) return total;
      total += handled;
    }
  }

  /**
   * One gatherer, up to `maxConcurrency` invocations: a batch is gathered only when an invocation
   * slot is free, and handed over without waiting, so the next batch is gathered while it runs. One
   * gatherer at a time keeps batches full under light traffic (two would split them, and a half
   * batch costs as many CRM calls as a full one).
   */
  async #run(): Promise<void> {
    while (this.#running) {
      await this.#slots.acquire();
      if (!this.#running) {
        this.#slots.release();
        return;
      }
      let messages: Message[];
      try {
        messages = await this.#gather(this.#opts.idleWaitSeconds ?? 1, this.#opts.batchingWindowMs);
      } catch (error) {
        this.#slots.release();
        if (!this.#running) return;
        this.#opts.onError?.(error);
        // A receive failed (queue gone, endpoint restarting): back off briefly rather than spin.
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (messages.length === 0) {
        this.#slots.release();
        continue;
      }
      this.#slots.track(
        this.#invoke(messages)
          .catch((error: unknown) => this.#opts.onError?.(error))
          .finally(() => this.#slots.release()),
      );
    }
  }

  /** One batch: the first receive may long-poll; then keep receiving until full or the window closes. */
  async #gather(waitSeconds: number, windowMs: number): Promise<Message[]> {
    const { batchSize } = this.#opts;
    const first = await this.#receive(Math.min(SQS_RECEIVE_MAX, batchSize), waitSeconds);
    if (first.length === 0) return first;
    const batch = [...first];
    const deadline = Date.now() + windowMs;
    let emptyStreak = 0;
    while (batch.length < batchSize) {
      const received = await this.#receive(Math.min(SQS_RECEIVE_MAX, batchSize - batch.length), 0);
      // A very short visibility timeout can hand the same message out twice: keep one copy per batch.
      const seen = new Set(batch.map((m) => m.MessageId));
      const more = received.filter((m) => !seen.has(m.MessageId));
      if (more.length > 0) {
        batch.push(...more);
        emptyStreak = 0;
        continue;
      }
      emptyStreak++;
      const left = deadline - Date.now();
      if (left <= 0 || !this.#running || windowMs === 0) break;
      // Nothing visible right now; wait a little within the window for more to arrive.
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, 50 * emptyStreak)));
    }
    return batch;
  }

  async #receive(max: number, waitSeconds: number): Promise<Message[]> {
    const abort = new AbortController();
    this.#aborts.add(abort);
    try {
      const out = await this.#opts.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#opts.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      );
      return out.Messages ?? [];
    } finally {
      this.#aborts.delete(abort);
    }
  }

  async #invoke(messages: Message[]): Promise<void> {
    const records = messages.map((m) => this.#toRecord(m));
    const startedAt = Date.now();
    let failedIds: string[];
    let error: unknown;
    try {
      const response = await this.#opts.handler({ Records: records });
      failedIds = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
    } catch (err) {
      error = err;
      failedIds = records.map((r) => r.messageId);
    }
    const failed = new Set(failedIds);
    const done = messages.filter((m) => m.MessageId && !failed.has(m.MessageId));
    await this.#delete(done);
    this.#opts.onBatch?.({ at: Date.now(), records, failedIds, error, durationMs: Date.now() - startedAt });
  }

  /** DeleteMessageBatch takes 10 entries: the chunks of one batch are independent, so they go out at once. */
  async #delete(messages: Message[]): Promise<void> {
    const chunks: Message[][] = [];
    for (let i = 0; i < messages.length; i += SQS_RECEIVE_MAX)
      chunks.push(messages.slice(i, i + SQS_RECEIVE_MAX));
    await Promise.all(
      chunks.map((chunk) =>
        this.#opts.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#opts.queueUrl,
            Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })),
          }),
        ),
      ),
    );
  }

  #toRecord(m: Message): SQSRecord {
    const attrs = m.Attributes ?? {};
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
        SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
        SenderId: attrs.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          {
            dataType: v.DataType ?? 'String',
            ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
          },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.#opts.queueArn ?? 'arn:aws:sqs:local:000000000000:crmsync-changes',
      awsRegion: 'local',
    };
  }
}

/** Invocation slots: at most `size` held at once; `acquire` waits in order for a free one. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }

  /** Remembers an invocation running on its own, so `idle` can wait for it. */
  track(p: Promise<unknown>): void {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  /** Resolves when no tracked invocation runs. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}

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
  #abort: AbortController | undefined;
  /** Serializes invocations between the background loop and drain(). */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(opts: SqsPollerOptions) {
    if (opts.batchSize < 1 || opts.batchSize > 10_000) throw new RangeError('batchSize must be 1..10000');
    this.#opts = opts;
  }

  /** Starts polling in the background. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops polling and waits for the invocation in flight, if any, to finish and delete its messages. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort?.abort();
    await this.#loop;
    await this.#turn.catch(() => undefined);
    this.#loop = undefined;
  }

  /**
   * Processes batches, ignoring the batching window, until a receive finds no visible message.
   * Deterministic flushing for tests and the CLI; returns the number of messages handed to the handler.
   */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const handled = await this.#exclusive(async () => {
        const messages = await this.#gather(0, 0);
        if (messages.length > 0) await this.#invoke(messages);
        return messages.length;
      });
      if (handled === 0) return total;
      total += handled;
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        await this.#exclusive(async () => {
          const messages = await this.#gather(this.#opts.idleWaitSeconds ?? 1, this.#opts.batchingWindowMs);
          if (messages.length > 0) await this.#invoke(messages);
        });
      } catch (error) {
        if (!this.#running) return;
        this.#opts.onError?.(error);
        // A receive failed (queue gone, endpoint restarting): back off briefly rather than spin.
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#turn.then(fn, fn);
    this.#turn = next.catch(() => undefined);
    return next;
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
    this.#abort = new AbortController();
    const out = await this.#opts.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#opts.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.#abort.signal },
    );
    return out.Messages ?? [];
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

  async #delete(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += SQS_RECEIVE_MAX) {
      const chunk = messages.slice(i, i + SQS_RECEIVE_MAX);
      await this.#opts.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#opts.queueUrl,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
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

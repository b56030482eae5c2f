import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { redrive } from '../../lib/admin/queue-admin.ts';

/** A received message: what the processor gets, and the receipt that acknowledges it. */
export interface Received {
  id: string;
  receipt: string;
  body: string;
}

/**
 * The changes queue driven by hand, as Lambda's event source mapping drives it (receive a batch,
 * delete what succeeded, let the rest come back), so a step can lose an acknowledgement or hand one
 * message to two consumers. The queue's redrive policy moves a message received too often to the DLQ.
 */
export class SqsDriver {
  constructor(
    readonly client: SQSClient,
    readonly queueUrl: string,
    readonly dlqUrl: string,
  ) {}

  /**
   * Receives up to `max` visible messages. The local SQS answers a receive with every visible message
   * up to the number asked (and moves the over-received ones to the DLQ on the way), so a short answer
   * means nothing more is visible: asking again would only cost a call that returns nothing (real SQS
   * samples servers and may answer short; this driver runs on the local one only).
   */
  async receive(max: number): Promise<Received[]> {
    const batch: Received[] = [];
    while (batch.length < max) {
      const asked = Math.min(10, max - batch.length);
      const got = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: asked,
          VisibilityTimeout: 300,
          WaitTimeSeconds: 0,
        }),
      );
      const messages = got.Messages ?? [];
      for (const m of messages)
        batch.push({ id: m.MessageId!, receipt: m.ReceiptHandle!, body: m.Body ?? '' });
      if (messages.length < asked) break;
    }
    return batch;
  }

  /** Deletes the messages of a batch except those in `backIds`, which become visible again at once. */
  async settle(batch: Omit<Received, 'body'>[], backIds: Set<string>): Promise<void> {
    const back = batch.filter((m) => backIds.has(m.id));
    const done = batch.filter((m) => !backIds.has(m.id));
    for (let i = 0; i < done.length; i += 10) {
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.receipt })),
        }),
      );
    }
    // What is not deleted becomes visible again: at once here, instead of after the visibility timeout.
    for (let i = 0; i < back.length; i += 10) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: back
            .slice(i, i + 10)
            .map((m, j) => ({ Id: String(j), ReceiptHandle: m.receipt, VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  /** Messages in the changes queue (visible and in flight) and in the DLQ. */
  async depth(): Promise<{ queue: number; dlq: number }> {
    const count = async (url: string) => {
      const a = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
      );
    };
    return { queue: await count(this.queueUrl), dlq: await count(this.dlqUrl) };
  }

  /** Moves every DLQ message back to the changes queue (the dashboard's redrive, production code). */
  redrive(): Promise<number> {
    return redrive(this.client, this.dlqUrl, this.queueUrl);
  }
}

import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DlqMessage } from './services.ts';

/** Messages waiting and in flight on a queue (SQS's approximate counters). */
export async function queueDepth(
  client: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/**
 * Reads up to `max` DLQ messages without taking them: VisibilityTimeout 0 leaves them visible, like
 * the console's "poll for messages". The DLQ has no redrive policy, so the receive count is harmless.
 */
export async function peekMessages(client: SQSClient, queueUrl: string, max: number): Promise<DlqMessage[]> {
  const seen = new Map<string, DlqMessage>();
  for (let round = 0; round < 10 && seen.size < max; round++) {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    const messages = out.Messages ?? [];
    let fresh = 0;
    for (const m of messages) {
      if (!m.MessageId || seen.has(m.MessageId)) continue;
      fresh++;
      seen.set(m.MessageId, {
        messageId: m.MessageId,
        body: m.Body ?? '',
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
        sentAt: m.Attributes?.SentTimestamp ? Number(m.Attributes.SentTimestamp) : null,
      });
    }
    if (fresh === 0) break;
  }
  return [...seen.values()];
}

/**
 * Moves every message of `fromUrl` (the DLQ) back to `toUrl` (the changes queue): send first, then
 * delete, so a crash in between duplicates a notice (harmless: the processor re-reads) and never
 * loses one. SQS's StartMessageMoveTask does the same in AWS.
 */
export async function redrive(client: SQSClient, fromUrl: string, toUrl: string): Promise<number> {
  let moved = 0;
  for (;;) {
    const out = await client.send(
      new ReceiveMessageCommand({ QueueUrl: fromUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    const messages = (out.Messages ?? []).filter((m) => m.ReceiptHandle && m.Body !== undefined);
    if (messages.length === 0) return moved;
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: toUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body! })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const done = messages.filter((_, i) => ok.has(String(i)));
    if (done.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: fromUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    moved += done.length;
    if (done.length < messages.length) return moved;
  }
}

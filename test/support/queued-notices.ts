import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseNoticeMessage } from '../../lib/aws/sqs-message.ts';
import type { ChangeNotice } from '../../lib/domain/notice.ts';

/**
 * Takes every visible notice off the changes queue (and deletes it), parsed with the processor's own
 * message parser: what the processor would receive next.
 */
export async function takeQueued(client: SQSClient, queueUrl: string): Promise<ChangeNotice[]> {
  const out: ChangeNotice[] = [];
  for (;;) {
    const res = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const parsed = parseNoticeMessage(m.Body, m.MessageId);
      if (!parsed.ok) throw parsed.error;
      out.push(parsed.notice);
    }
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

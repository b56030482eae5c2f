import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidNoticeError, SqsChangeQueue } from '../../lib/aws/sqs-change-queue.ts';
import { MalformedMessageError, parseNoticeMessage } from '../../lib/aws/sqs-message.ts';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { RetryableError } from '../../lib/errors.ts';
import { type LocalSqs, startLocalSqs } from '../../lib/local/local-sqs.ts';

let sqs: LocalSqs;
let queueCount = 0;

beforeAll(async () => {
  sqs = await startLocalSqs();
});
afterAll(async () => {
  await sqs.close();
});

const noWait = async () => {};

function notice(i: number, overrides: Partial<ChangeNotice> = {}): ChangeNotice {
  return {
    source: i % 2 === 0 ? 'hubspot' : 'salesforce',
    objectType: i % 2 === 0 ? 'contact' : 'Lead',
    recordId: String(1000 + i),
    kind: 'updated',
    eventId: `evt-${i}`,
    occurredAt: 1_700_000_000_000 + i,
    ...overrides,
  };
}

/** A valid notice of about `bytes` bytes (a long changedFields list; `é` is 2 bytes in UTF-8). */
function bigNotice(i: number, bytes: number, char = 'x'): ChangeNotice {
  const perField = 240 * Buffer.byteLength(char);
  const fields = Array.from({ length: Math.ceil(bytes / perField) }, (_, k) => `f${k}_${char.repeat(240)}`);
  return notice(i, { changedFields: fields });
}

async function drain(queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const res = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 300,
      }),
    );
    if (!res.Messages?.length) return out;
    out.push(...res.Messages);
  }
}

/** A second client on the same local SQS that counts SendMessageBatch calls (observes, changes nothing). */
function countingClient(): { client: SQSClient; calls: () => number } {
  const client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendMessageBatchCommand') calls++;
      return next(args);
    },
    { step: 'initialize', name: 'countBatchCalls' },
  );
  return { client, calls: () => calls };
}

describe('SqsChangeQueue', () => {
  it('sends notices in batches of 10 as JSON bodies with source/objectType/kind attributes', async () => {
    const { queueUrl } = await sqs.createQueues(`changes-${++queueCount}`);
    const { client, calls } = countingClient();
    const queue = new SqsChangeQueue({ client, queueUrl });
    const notices = Array.from({ length: 25 }, (_, i) => notice(i));

    await queue.send(notices);

    expect(calls()).toBe(3);
    const messages = await drain(queueUrl);
    const parsed = messages.map((m) => parseNoticeMessage(m.Body, m.MessageId));
    expect(parsed.map((p) => (p.ok ? p.notice.eventId : 'bad')).sort()).toEqual(
      notices.map((n) => n.eventId).sort(),
    );
    const first = messages.find((m) => m.Body?.includes('"evt-1"'));
    expect(first?.MessageAttributes?.['source']?.StringValue).toBe('salesforce');
    expect(first?.MessageAttributes?.['objectType']?.StringValue).toBe('Lead');
    expect(first?.MessageAttributes?.['kind']?.StringValue).toBe('updated');
    client.destroy();
  });

  it('splits batches by size: ten 40 KB notices need two calls under the 256 KiB request cap', async () => {
    const { queueUrl } = await sqs.createQueues(`changes-${++queueCount}`);
    const { client, calls } = countingClient();
    const queue = new SqsChangeQueue({ client, queueUrl });
    await queue.send(Array.from({ length: 10 }, (_, i) => bigNotice(i, 40_000)));
    expect(calls()).toBe(2);
    expect(await drain(queueUrl)).toHaveLength(10);
    client.destroy();
  });

  it('a notice over 256 KiB is sent without its changedFields and with forceRead', async () => {
    const { queueUrl } = await sqs.createQueues(`changes-${++queueCount}`);
    const queue = new SqsChangeQueue({ client: sqs.client, queueUrl });
    // The schema allows 1,000 field names of 255 characters: with multi-byte names that passes 256 KiB.
    const huge = bigNotice(3, 300_000, 'é');
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeGreaterThan(256 * 1024);
    await queue.send([huge, notice(4)]);
    const bodies = (await drain(queueUrl)).map((m) => parseNoticeMessage(m.Body));
    const sent = bodies.find((p) => p.ok && p.notice.eventId === 'evt-3');
    expect(sent?.ok && sent.notice).toEqual({ ...notice(3), forceRead: true });
  });

  it('rejects an invalid notice before sending anything', async () => {
    const { queueUrl } = await sqs.createQueues(`changes-${++queueCount}`);
    const queue = new SqsChangeQueue({ client: sqs.client, queueUrl });
    const bad = { ...notice(2), recordId: '' };
    const err = await queue.send([notice(1), bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidNoticeError);
    expect(String((err as Error).message)).toMatch(/#1.*recordId/s);
    expect(await drain(queueUrl)).toHaveLength(0);
  });

  it('a partial batch failure that persists: the rest is queued, then rejects saying how many were not', async () => {
    // A queue whose MaximumMessageSize (1 KiB) refuses one entry of the batch: SQS answers 200 with
    // that entry under Failed and the others under Successful.
    const created = await sqs.client.send(
      new CreateQueueCommand({
        QueueName: `small-${++queueCount}`,
        Attributes: { MaximumMessageSize: '1024' },
      }),
    );
    const queueUrl = created.QueueUrl!;
    const { client, calls } = countingClient();
    const queue = new SqsChangeQueue({ client, queueUrl, maxAttempts: 3, sleep: noWait });
    const notices = Array.from({ length: 12 }, (_, i) => (i === 5 ? bigNotice(5, 3000) : notice(i)));

    const err = await queue.send(notices).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/^1 of 12 change notices were not queued after 3 attempts/);
    expect(calls()).toBe(2 + 2); // two batches, then the failed entry alone twice more
    const queued = (await drain(queueUrl)).map((m) => parseNoticeMessage(m.Body));
    expect(queued.map((p) => (p.ok ? p.notice.eventId : 'bad')).sort()).toEqual(
      notices
        .filter((_, i) => i !== 5)
        .map((n) => n.eventId)
        .sort(),
    );
    client.destroy();
  });

  it('a partial batch failure that clears: only the failed entry is retried and everything is queued once', async () => {
    const created = await sqs.client.send(
      new CreateQueueCommand({
        QueueName: `small-${++queueCount}`,
        Attributes: { MaximumMessageSize: '1024' },
      }),
    );
    const queueUrl = created.QueueUrl!;
    const { client, calls } = countingClient();
    // Between attempts the queue's limit is raised, as an operator fixing the queue would.
    const raiseLimit = async () => {
      await sqs.client.send(
        new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { MaximumMessageSize: '262144' } }),
      );
    };
    const queue = new SqsChangeQueue({ client, queueUrl, sleep: raiseLimit });
    const notices = Array.from({ length: 8 }, (_, i) => (i === 2 ? bigNotice(2, 3000) : notice(i)));

    await queue.send(notices);

    expect(calls()).toBe(2);
    const queued = (await drain(queueUrl)).map((m) => parseNoticeMessage(m.Body));
    expect(queued).toHaveLength(8);
    expect(queued.map((p) => (p.ok ? p.notice.eventId : 'bad')).sort()).toEqual(
      notices.map((n) => n.eventId).sort(),
    );
    client.destroy();
  });

  it('a queue that does not exist: every notice fails and the error says so', async () => {
    const queue = new SqsChangeQueue({
      client: sqs.client,
      queueUrl: `${sqs.endpoint}/000000000000/missing-queue`,
      maxAttempts: 2,
      sleep: noWait,
    });
    const err = await queue.send([notice(1), notice(2)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/^2 of 2 change notices were not queued/);
  });

  it('sending nothing makes no call', async () => {
    const { client, calls } = countingClient();
    await new SqsChangeQueue({ client, queueUrl: 'unused' }).send([]);
    expect(calls()).toBe(0);
    client.destroy();
  });
});

describe('parseNoticeMessage', () => {
  it('round-trips a notice with every optional field', () => {
    const full = notice(1, {
      kind: 'merged',
      changedFields: ['email'],
      survivorId: '77',
      mergedIds: ['1001', '1002'],
      forceRead: true,
    });
    expect(parseNoticeMessage(JSON.stringify(full), 'm-1')).toEqual({ ok: true, notice: full });
  });

  it.each([
    ['an empty body', ''],
    ['no body', undefined],
    ['a body that is not JSON', '{"source":'],
    ['JSON that is not an object', '42'],
    ['a notice with an unknown source', JSON.stringify({ ...notice(1), source: 'pipedrive' })],
    ['a notice without an event id', JSON.stringify({ ...notice(1), eventId: undefined })],
    ['a notice with a negative time', JSON.stringify({ ...notice(1), occurredAt: -1 })],
  ])('reports %s as a MalformedMessageError naming the message', (_label, body) => {
    const result = parseNoticeMessage(body, 'msg-9');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(MalformedMessageError);
    expect(result.error.messageId).toBe('msg-9');
    expect(result.error.category).toBe('validation');
    expect(result.error.message).toMatch(/^message msg-9: /);
  });
});

describe('local SQS redrive', () => {
  it('a message received maxReceiveCount times without being deleted moves to the DLQ', async () => {
    const { queueUrl, dlqUrl } = await sqs.createQueues(`redrive-${++queueCount}`, {
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 30,
    });
    await new SqsChangeQueue({ client: sqs.client, queueUrl }).send([notice(7)]);

    for (let receive = 1; receive <= 2; receive++) {
      const res = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
      );
      const message = res.Messages?.[0];
      expect(message?.Attributes?.ApproximateReceiveCount).toBe(String(receive));
      // The processor failed it: make it visible again at once (as a retry would, after its backoff).
      await sqs.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message!.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
    }

    const third = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(third.Messages ?? []).toHaveLength(0);
    const dead = await drain(dlqUrl);
    expect(dead).toHaveLength(1);
    const parsed = parseNoticeMessage(dead[0]?.Body);
    expect(parsed.ok && parsed.notice.eventId).toBe('evt-7');
  });
});

import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../lib/local/local-sqs.ts';

/**
 * The local SQS journals every change before it answers, so what it acknowledged survives a hard
 * kill. A "crash" here: a second SQS opened on the same journal while the first is never closed, so
 * it sees only what the file held at that moment. Driven through the real @aws-sdk/client-sqs.
 */
let journal: string;
const dirs: string[] = [];
const running: LocalSqs[] = [];

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'crmsync-sqs-'));
  dirs.push(dir);
  journal = join(dir, 'queue.jsonl');
});
afterAll(async () => {
  for (const sqs of running) await sqs.close().catch(() => undefined);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function open(thread = false): Promise<LocalSqs> {
  const sqs = await startLocalSqs({ journalPath: journal, thread });
  running.push(sqs);
  return sqs;
}

async function send(sqs: LocalSqs, queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const out = await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, n) => ({
          Id: String(n),
          MessageBody: body,
          MessageAttributes: { source: { DataType: 'String', StringValue: 'hubspot' } },
        })),
      }),
    );
    expect(out.Failed ?? []).toEqual([]);
  }
}

async function receiveAll(sqs: LocalSqs, queueUrl: string) {
  const out = [];
  for (;;) {
    const res = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (!res.Messages?.length) return out;
    out.push(...res.Messages);
  }
}

describe('local SQS journal', () => {
  it.each([
    ['in this thread', false],
    ['in a worker thread (the local stack)', true],
  ])(
    'a message acknowledged by SendMessageBatch survives a crash; a deleted one does not come back (%s)',
    async (_where, thread) => {
      const first = await open(thread);
      const { queueUrl } = await first.createQueues('changes');
      await send(
        first,
        queueUrl,
        Array.from({ length: 25 }, (_, i) => `notice-${i}`),
      );
      // The processor took ten and finished five of them before the crash.
      const taken = await first.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      const done = taken.Messages!.slice(0, 5);
      await first.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );

      const second = await open(thread);
      expect(second.recovered).toEqual({ queues: [{ name: 'changes', messages: 20 }], messages: 20 });
      const { queueUrl: url2 } = await second.createQueues('changes');
      const left = await receiveAll(second, url2);
      const bodies = left.map((m) => m.Body).sort();
      const expected = Array.from({ length: 25 }, (_, i) => `notice-${i}`)
        .filter((b) => !done.some((d) => d.Body === b))
        .sort();
      expect(bodies).toEqual(expected);
      // In flight at the crash: visible again at once (their consumer died), with the receive counted.
      const counts = left.map((m) => Number(m.Attributes?.ApproximateReceiveCount));
      expect(counts.filter((c) => c === 2)).toHaveLength(5);
      expect(counts.filter((c) => c === 1)).toHaveLength(15);
      expect(left[0]?.MessageAttributes?.source?.StringValue).toBe('hubspot');
    },
  );

  it('redrive to the DLQ is kept across a crash: the message stays on the DLQ, not on the queue', async () => {
    const first = await open();
    const { queueUrl, dlqUrl } = await first.createQueues('redrive', {
      maxReceiveCount: 1,
      visibilityTimeoutSeconds: 0,
    });
    await send(first, queueUrl, ['poison']);
    await first.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    // Second receive: the message has used its one receive and moves to the DLQ.
    const none = await first.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(none.Messages ?? []).toEqual([]);

    const second = await open();
    const urls = await second.createQueues('redrive', { maxReceiveCount: 1, visibilityTimeoutSeconds: 0 });
    expect((await receiveAll(second, urls.queueUrl)).map((m) => m.Body)).toEqual([]);
    expect((await receiveAll(second, urls.dlqUrl)).map((m) => m.Body)).toEqual(['poison']);
    expect(dlqUrl.endsWith('/redrive-dlq')).toBe(true);
  });

  it('a torn last line (the process died mid-write) is skipped; everything before it is kept', async () => {
    const first = await open();
    const { queueUrl } = await first.createQueues('torn');
    await send(first, queueUrl, ['kept']);
    await appendFile(journal, '{"op":"send","q":"torn","id":"x","bo');

    const second = await open();
    const urls = await second.createQueues('torn');
    expect((await receiveAll(second, urls.queueUrl)).map((m) => m.Body)).toEqual(['kept']);
  });

  it('a restart compacts the journal to the live messages', async () => {
    const first = await open();
    const { queueUrl } = await first.createQueues('compact');
    await send(
      first,
      queueUrl,
      Array.from({ length: 30 }, (_, i) => `m-${i}`),
    );
    for (const m of await receiveAll(first, queueUrl).then((all) => all.slice(0, 29))) {
      await first.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [{ Id: '0', ReceiptHandle: m.ReceiptHandle! }],
        }),
      );
    }
    const before = (await readFile(journal, 'utf8')).trim().split('\n').length;

    const second = await open();
    const after = (await readFile(journal, 'utf8')).trim().split('\n');
    expect(before).toBeGreaterThan(60);
    // Two queues (compact, compact-dlq), one message and its receive count.
    expect(after).toHaveLength(4);
    expect(second.recovered.messages).toBe(1);
    const attrs = await second.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: (await second.createQueues('compact')).queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('1');
  });
});

describe('local SQS in a worker thread', () => {
  it('thread: the queue serves from a worker thread, so this thread holds no listening socket for it', async () => {
    const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const before = servers();
    const sqs = await open(true);
    expect(servers()).toBe(before);
    const { queueUrl } = await sqs.createQueues('threaded');
    await send(sqs, queueUrl, ['a', 'b']);
    expect((await receiveAll(sqs, queueUrl)).map((m) => m.Body).sort()).toEqual(['a', 'b']);
    expect(sqs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../lib/local/local-sqs.ts';
import { SqsPoller } from '../../lib/local/sqs-poller.ts';

let sqs: LocalSqs;
beforeAll(async () => {
  sqs = await startLocalSqs();
});
afterAll(async () => {
  await sqs?.close();
});

async function send(queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, n) => ({ Id: String(n), MessageBody: body })),
      }),
    );
  }
}

async function depth(queueUrl: string): Promise<number> {
  const out = await sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('local SQS poller (Lambda event source mapping)', () => {
  it('hands out batches of at most batchSize and deletes what succeeded', async () => {
    const { queueUrl, dlqUrl } = await sqs.createQueues('poller-ok', { maxReceiveCount: 3 });
    await send(
      queueUrl,
      Array.from({ length: 45 }, (_, i) => `m${i}`),
    );
    const sizes: number[] = [];
    const seen = new Set<string>();
    const poller = new SqsPoller({
      client: sqs.client,
      queueUrl,
      batchSize: 20,
      batchingWindowMs: 0,
      handler: async (event: SQSEvent) => {
        sizes.push(event.Records.length);
        for (const r of event.Records) seen.add(r.body);
        return { batchItemFailures: [] };
      },
    });
    expect(await poller.drain()).toBe(45);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    expect(seen.size).toBe(45);
    expect(await depth(queueUrl)).toBe(0);
    expect(await depth(dlqUrl)).toBe(0);
  });

  it('keeps only the reported batchItemFailures, retries them, and redrives to the DLQ after maxReceiveCount', async () => {
    const { queueUrl, dlqUrl } = await sqs.createQueues('poller-fail', {
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
    });
    await send(queueUrl, ['good-1', 'poison', 'good-2']);
    const attempts = new Map<string, number>();
    const poller = new SqsPoller({
      client: sqs.client,
      queueUrl,
      batchSize: 10,
      batchingWindowMs: 0,
      handler: async (event) => {
        const failures = [];
        for (const r of event.Records) {
          attempts.set(r.body, (attempts.get(r.body) ?? 0) + 1);
          if (r.body === 'poison') failures.push({ itemIdentifier: r.messageId });
        }
        // Stand-in for the visibility timeout expiring, so drain() sees the retry without waiting 30 s.
        const poison = event.Records.find((r) => r.body === 'poison');
        if (poison) {
          await sqs.client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: poison.receiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
        return { batchItemFailures: failures };
      },
    });
    await poller.drain();
    expect(attempts.get('good-1')).toBe(1);
    expect(attempts.get('good-2')).toBe(1);
    expect(attempts.get('poison')).toBe(3);
    expect(await depth(queueUrl)).toBe(0);
    expect(await depth(dlqUrl)).toBe(1);
  });

  it('leaves the whole batch on the queue when the handler throws', async () => {
    const { queueUrl } = await sqs.createQueues('poller-throw', {
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 30,
    });
    await send(queueUrl, ['a', 'b']);
    const reports: number[] = [];
    const poller = new SqsPoller({
      client: sqs.client,
      queueUrl,
      batchSize: 10,
      batchingWindowMs: 0,
      handler: async () => {
        throw new Error('boom');
      },
      onBatch: (r) => reports.push(r.failedIds.length),
    });
    await poller.drain();
    expect(reports).toEqual([2]);
    expect(await depth(queueUrl)).toBe(2);
  });

  it('polls in the background and stops cleanly', async () => {
    const { queueUrl } = await sqs.createQueues('poller-bg', { maxReceiveCount: 3 });
    let resolveSeen: (n: number) => void = () => {};
    const seen = new Promise<number>((resolve) => {
      resolveSeen = resolve;
    });
    let count = 0;
    const poller = new SqsPoller({
      client: sqs.client,
      queueUrl,
      batchSize: 10,
      batchingWindowMs: 20,
      idleWaitSeconds: 0,
      handler: async (event) => {
        count += event.Records.length;
        if (count >= 5) resolveSeen(count);
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await send(queueUrl, ['1', '2', '3', '4', '5']);
    expect(await seen).toBe(5);
    await poller.stop();
    expect(await depth(queueUrl)).toBe(0);
  });

  it('maxConcurrency 2 (the stack’s event source mapping): the next batch runs while one waits, never more than two at once', async () => {
    const { queueUrl } = await sqs.createQueues('poller-concurrent', { maxReceiveCount: 3 });
    await send(
      queueUrl,
      Array.from({ length: 40 }, (_, i) => `c${i}`),
    );
    let inFlight = 0;
    let maxInFlight = 0;
    let started = 0;
    let done = 0;
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    let allDone: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    const poller = new SqsPoller({
      client: sqs.client,
      queueUrl,
      batchSize: 10,
      batchingWindowMs: 0,
      idleWaitSeconds: 0,
      maxConcurrency: 2,
      handler: async (event) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (++started === 2) openGate();
        // The first batch waits for the second to start (one at a time, it would wait out the fallback).
        await Promise.race([gate, new Promise((resolve) => setTimeout(resolve, 3000))]);
        inFlight--;
        done += event.Records.length;
        if (done === 40) allDone();
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await finished;
    await poller.stop();
    expect(maxInFlight).toBe(2);
    expect(await depth(queueUrl)).toBe(0);
  });
});

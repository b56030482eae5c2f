import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readRawBody } from '../../sandbox/common/index.ts';
import { type MessageAttribute, type ReceivedMessage, type SqsBroker, SqsFault } from './sqs-broker.ts';

/**
 * The SQS API over HTTP for the local stack, in the AWS JSON 1.0 protocol that `@aws-sdk/client-sqs`
 * speaks (`X-Amz-Target: AmazonSQS.<Operation>`), for the operations crmsync and its tools use.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/Welcome.html
 * It listens on 127.0.0.1 only: the queue takes no credentials, so nothing else may reach it.
 */
export interface SqsServer {
  endpoint: string;
  broker: SqsBroker;
  close(): Promise<void>;
}

const attributeSchema = z.record(
  z.string(),
  z.object({ DataType: z.string(), StringValue: z.string().optional() }),
);
const entrySchema = z.object({
  Id: z.string(),
  MessageBody: z.string(),
  MessageAttributes: attributeSchema.optional(),
});
const receiptEntrySchema = z.object({
  Id: z.string(),
  ReceiptHandle: z.string(),
  VisibilityTimeout: z.number().optional(),
});

/** Long polls are checked this often for a message to become visible. */
const LONG_POLL_STEP_MS = 20;

/** Starts the server on 127.0.0.1 and an ephemeral port over `broker`. */
export async function startSqsServer(broker: SqsBroker): Promise<SqsServer> {
  let endpoint = '';
  const queueUrl = (name: string) => `${endpoint}/000000000000/${name}`;

  const operations: Record<
    string,
    (input: Record<string, unknown>, gone: () => boolean) => Promise<unknown>
  > = {
    CreateQueue: async (input) => {
      const name = z.string().parse(input.QueueName);
      broker.createQueue(name, stringMap(input.Attributes));
      return { QueueUrl: queueUrl(name) };
    },
    GetQueueUrl: async (input) => {
      const name = z.string().parse(input.QueueName);
      if (!broker.has(name)) throw new SqsFault('QueueDoesNotExist', `the queue ${name} does not exist`);
      return { QueueUrl: queueUrl(name) };
    },
    GetQueueAttributes: async (input) => {
      const all = broker.attributes(queueOf(input));
      const names = z.array(z.string()).optional().parse(input.AttributeNames) ?? ['All'];
      const picked = names.includes('All')
        ? all
        : Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]]));
      return { Attributes: picked };
    },
    SetQueueAttributes: async (input) => {
      broker.setAttributes(queueOf(input), stringMap(input.Attributes));
      return {};
    },
    PurgeQueue: async (input) => {
      broker.purge(queueOf(input));
      return {};
    },
    SendMessage: async (input) => {
      const sent = broker.send(
        queueOf(input),
        z.string().parse(input.MessageBody),
        attributesOf(input.MessageAttributes),
      );
      return { MessageId: sent.id, MD5OfMessageBody: sent.md5 };
    },
    SendMessageBatch: async (input) => {
      const name = queueOf(input);
      const entries = z.array(entrySchema).min(1).max(10).parse(input.Entries);
      return eachEntry(entries, (e) => {
        const sent = broker.send(
          name,
          e.MessageBody,
          e.MessageAttributes as Record<string, MessageAttribute>,
        );
        return { MessageId: sent.id, MD5OfMessageBody: sent.md5 };
      });
    },
    ReceiveMessage: async (input, gone) => {
      const name = queueOf(input);
      const max = Math.min(10, Math.max(1, Number(input.MaxNumberOfMessages ?? 1)));
      const wait = Math.min(20, Math.max(0, Number(input.WaitTimeSeconds ?? 0)));
      const hide = input.VisibilityTimeout === undefined ? undefined : Number(input.VisibilityTimeout);
      const deadline = Date.now() + wait * 1000;
      let got = broker.receive(name, max, hide);
      // Long polling: answer as soon as something is visible; stop if the caller went away, so that
      // no message is hidden for a consumer that will never see it.
      while (got.length === 0 && Date.now() < deadline && !gone()) {
        await new Promise((resolve) => setTimeout(resolve, LONG_POLL_STEP_MS));
        if (gone()) break;
        got = broker.receive(name, max, hide);
      }
      const wanted = systemNames(input);
      return { Messages: got.map((m) => toMessage(m, wanted, input.MessageAttributeNames !== undefined)) };
    },
    DeleteMessage: async (input) => {
      broker.delete(queueOf(input), z.string().parse(input.ReceiptHandle));
      return {};
    },
    DeleteMessageBatch: async (input) => {
      const name = queueOf(input);
      const entries = z.array(receiptEntrySchema).min(1).max(10).parse(input.Entries);
      return eachEntry(entries, (e) => {
        broker.delete(name, e.ReceiptHandle);
        return {};
      });
    },
    ChangeMessageVisibility: async (input) => {
      broker.changeVisibility(
        queueOf(input),
        z.string().parse(input.ReceiptHandle),
        Number(input.VisibilityTimeout),
      );
      return {};
    },
    ChangeMessageVisibilityBatch: async (input) => {
      const name = queueOf(input);
      const entries = z.array(receiptEntrySchema).min(1).max(10).parse(input.Entries);
      return eachEntry(entries, (e) => {
        broker.changeVisibility(name, e.ReceiptHandle, e.VisibilityTimeout ?? 0);
        return {};
      });
    },
  };

  function queueOf(input: Record<string, unknown>): string {
    return broker.queueOfUrl(z.string().parse(input.QueueUrl));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = operations[target.replace(/^AmazonSQS\./, '')];
    if (req.method !== 'POST' || !operation) {
      return reply(
        res,
        400,
        fault('UnsupportedOperation', `${target || req.method} is not supported by the local SQS`),
      );
    }
    let closed = false;
    res.once('close', () => {
      closed = true;
    });
    const raw = await readRawBody(req, 2 * 1024 * 1024);
    const input = (raw.length ? JSON.parse(raw.toString('utf8')) : {}) as Record<string, unknown>;
    reply(res, 200, await operation(input, () => closed));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof SqsFault) return reply(res, 400, fault(error.code, error.message));
      const message = error instanceof Error ? error.message : String(error);
      reply(res, 400, fault('InvalidParameterValue', message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    broker,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      broker.close();
    },
  };
}

/** Runs `fn` per entry: SQS batches answer 200 with each entry under Successful or Failed. */
function eachEntry<E extends { Id: string }>(entries: E[], fn: (e: E) => Record<string, unknown>) {
  const Successful: Record<string, unknown>[] = [];
  const Failed: Record<string, unknown>[] = [];
  for (const e of entries) {
    try {
      Successful.push({ Id: e.Id, ...fn(e) });
    } catch (error) {
      if (!(error instanceof SqsFault)) throw error;
      Failed.push({ Id: e.Id, SenderFault: true, Code: error.code, Message: error.message });
    }
  }
  return { Successful, Failed };
}

function toMessage(m: ReceivedMessage, wanted: Set<string> | 'all', withAttributes: boolean) {
  const system =
    wanted === 'all' ? m.system : Object.fromEntries(Object.entries(m.system).filter(([k]) => wanted.has(k)));
  return {
    MessageId: m.id,
    ReceiptHandle: m.receipt,
    Body: m.body,
    MD5OfBody: m.md5,
    ...(Object.keys(system).length ? { Attributes: system } : {}),
    ...(withAttributes && m.attributes ? { MessageAttributes: m.attributes } : {}),
  };
}

/** System attributes asked for by either the current or the legacy parameter. */
function systemNames(input: Record<string, unknown>): Set<string> | 'all' {
  const names = [
    ...((input.MessageSystemAttributeNames as string[] | undefined) ?? []),
    ...((input.AttributeNames as string[] | undefined) ?? []),
  ];
  return names.includes('All') ? 'all' : new Set(names);
}

function stringMap(value: unknown): Record<string, string> {
  return z.record(z.string(), z.string()).optional().parse(value) ?? {};
}

function attributesOf(value: unknown): Record<string, MessageAttribute> | undefined {
  return attributeSchema.optional().parse(value) as Record<string, MessageAttribute> | undefined;
}

function fault(code: string, message: string) {
  return { __type: `com.amazonaws.sqs#${code}`, message };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(text);
}

import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { queueArn, type Recovered, SqsBroker } from './sqs-broker.ts';
import { startSqsServer } from './sqs-server.ts';
import { startWorkerService } from './worker-service.ts';

/** A running local SQS and an AWS SDK client pointed at it. */
export interface LocalSqs {
  endpoint: string;
  client: SQSClient;
  /** Messages a previous run acknowledged and left on the queues (journalled runs only). */
  recovered: Recovered;
  close(): Promise<void>;
  /**
   * Creates `<name>` and `<name>-dlq` (idempotent, like CreateQueue), with a redrive policy sending
   * a message to the DLQ after `maxReceiveCount` receives (default 5, as the CDK stack does).
   */
  createQueues(
    name: string,
    opts?: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number },
  ): Promise<{ queueUrl: string; dlqUrl: string }>;
}

/** Where the local SQS runs and keeps its messages. */
export interface LocalSqsOptions {
  /** Journal every message to this file (survives a hard kill); in memory without it. */
  journalPath?: string;
  /**
   * Run the queue in a worker thread: queued messages then live outside this thread's heap (a resync
   * of a million members queues a million notices) and its HTTP and journal work use another core.
   */
  thread?: boolean;
}

/**
 * Starts the local SQS on 127.0.0.1 with an ephemeral port. With `journalPath` every message is
 * written to that file before the call that sent, received or deleted it returns, and a restart on
 * the same file finds every message not yet deleted (docs/design.md#local-stack: a notice acknowledged to a CRM is
 * never lost); without it the queues live in memory (tests).
 */
export async function startLocalSqs(opts: LocalSqsOptions = {}): Promise<LocalSqs> {
  const served = opts.thread ? await serveInWorker(opts.journalPath) : await serveHere(opts.journalPath);
  const endpoint = served.endpoint;
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  return {
    endpoint,
    client,
    recovered: served.recovered,
    async close() {
      client.destroy();
      await served.close();
    },
    async createQueues(name, queueOpts = {}) {
      const dlq = await client.send(
        new CreateQueueCommand({
          QueueName: `${name}-dlq`,
          Attributes: { MessageRetentionPeriod: '1209600' },
        }),
      );
      const main = await client.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            VisibilityTimeout: String(queueOpts.visibilityTimeoutSeconds ?? 30),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: queueArn(`${name}-dlq`),
              maxReceiveCount: queueOpts.maxReceiveCount ?? 5,
            }),
          },
        }),
      );
      return { queueUrl: main.QueueUrl!, dlqUrl: dlq.QueueUrl! };
    },
  };
}

interface Served {
  endpoint: string;
  recovered: Recovered;
  close(): Promise<void>;
}

async function serveHere(journalPath: string | undefined): Promise<Served> {
  const broker = SqsBroker.open({ path: journalPath });
  const server = await startSqsServer(broker);
  return { endpoint: server.endpoint, recovered: broker.recovered, close: () => server.close() };
}

/**
 * tsx's ESM API: a worker does not inherit this thread's TypeScript loader, so the worker registers it
 * before importing sqs-thread.ts (the package's `require` entry cannot be imported: resolve the ESM one).
 */
function tsxEsmApi(): string {
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const esm = cjs.replace(/\.cjs$/, '.mjs');
  if (!existsSync(esm)) throw new Error(`tsx's ESM API was not found beside ${cjs}: reinstall (npm ci)`);
  return pathToFileURL(esm).href;
}

async function serveInWorker(journalPath: string | undefined): Promise<Served> {
  const entry = new URL('./sqs-thread.ts', import.meta.url).href;
  const source = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  const service = await startWorkerService<{ endpoint: string; recovered: Recovered }>(
    'the local SQS',
    source,
    { journalPath },
  );
  return { ...service.started, close: () => service.close() };
}

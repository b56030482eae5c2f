import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Recovered, SqsBroker } from './sqs-broker.ts';
import { startSqsServer } from './sqs-server.ts';

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

/**
 * Starts the local SQS on 127.0.0.1 with an ephemeral port. With `journalPath` every message is
 * written to that file before the call that sent, received or deleted it returns, and a restart on
 * the same file finds every message not yet deleted (docs/design.md#local-stack: a notice acknowledged to a CRM is
 * never lost); without it the queues live in memory (tests).
 */
export async function startLocalSqs(opts: { journalPath?: string } = {}): Promise<LocalSqs> {
  const broker = SqsBroker.open({ path: opts.journalPath });
  const server = await startSqsServer(broker);
  const endpoint = server.endpoint;
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  return {
    endpoint,
    client,
    recovered: broker.recovered,
    async close() {
      client.destroy();
      await server.close();
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
              deadLetterTargetArn: broker.arnOf(`${name}-dlq`),
              maxReceiveCount: queueOpts.maxReceiveCount ?? 5,
            }),
          },
        }),
      );
      return { queueUrl: main.QueueUrl!, dlqUrl: dlq.QueueUrl! };
    },
  };
}

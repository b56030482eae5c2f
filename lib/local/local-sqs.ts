import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

/** A running in-process SQS (fauxqs) and an AWS SDK client pointed at it. */
export interface LocalSqs {
  endpoint: string;
  client: SQSClient;
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

/** Starts fauxqs on 127.0.0.1 with an ephemeral port and its request logging off. In memory only. */
export async function startLocalSqs(): Promise<LocalSqs> {
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false, messageSpies: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      await server.stop();
    },
    async createQueues(name, opts = {}) {
      const dlq = await client.send(
        new CreateQueueCommand({
          QueueName: `${name}-dlq`,
          Attributes: { MessageRetentionPeriod: '1209600' },
        }),
      );
      const dlqUrl = dlq.QueueUrl!;
      const attrs = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
      );
      const main = await client.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            VisibilityTimeout: String(opts.visibilityTimeoutSeconds ?? 30),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: attrs.Attributes?.QueueArn,
              maxReceiveCount: opts.maxReceiveCount ?? 5,
            }),
          },
        }),
      );
      return { queueUrl: main.QueueUrl!, dlqUrl };
    },
  };
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../aws/table-design.ts';

/** dynalite ships no types: it is a CommonJS factory returning a node http server. */
type DynaliteFactory = (options: { path?: string; createTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** A running in-process DynamoDB (dynalite) and an AWS SDK client pointed at it. */
export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 with an ephemeral port, in memory or persisted to `path` (LevelDB).
 * dynalite has no transactions and no TTL (TOOLCHAIN.md): the store never relies on either.
 */
export async function startLocalDynamo(opts: { path?: string } = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, ...(opts.path ? { path: opts.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      // dynalite's close also closes its LevelDB, so a persisted store can be reopened.
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** Creates the crmsync table (tableDesign) when missing and waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
      if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
    // Polling is the only way to learn the status (DescribeTable); real DynamoDB takes seconds.
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * (attempt + 1), 1000)));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

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
import { startWorkerService } from './worker-service.ts';

/** dynalite ships no types: it is a CommonJS factory returning a node http server. */
interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
}
type DynaliteFactory = (options: DynaliteOptions) => Server;
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as DynaliteFactory;

/** A running in-process DynamoDB (dynalite) and an AWS SDK client pointed at it. */
export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** Where dynalite runs: in this thread (tests), or in a worker thread of its own (the local stack). */
export interface LocalDynamoOptions {
  /** Persist to this directory (LevelDB); in memory without it. */
  path?: string;
  /**
   * Run dynalite in a worker thread. Its request parsing, validation and LevelDB work then use
   * another core instead of the thread that runs the processor — as DynamoDB is another service in
   * AWS (docs/benchmarks.md, Scale: dynalite was a fifth of the processor thread's time).
   */
  thread?: boolean;
}

/**
 * Starts dynalite on 127.0.0.1 with an ephemeral port, in memory or persisted to `path` (LevelDB).
 * dynalite has no transactions and no TTL (TOOLCHAIN.md): the store never relies on either.
 */
export async function startLocalDynamo(opts: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const options = { createTableMs: 0, ...(opts.path ? { path: opts.path } : {}) };
  const served = opts.thread ? await serveInWorker(options) : await serveHere(options);
  const endpoint = `http://127.0.0.1:${served.port}`;
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
      await served.close();
    },
  };
}

interface Served {
  port: number;
  close(): Promise<void>;
}

async function serveHere(options: DynaliteOptions): Promise<Served> {
  const server = dynalite(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/**
 * The worker's whole program, plain CommonJS (a worker does not inherit the TypeScript loader): it
 * listens on loopback, reports its port, and on `close` closes the server (and LevelDB) and says so.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require(workerData.dynalite)(workerData.options);
server.once('error', (error) => parentPort.postMessage({ error: String(error && error.message) }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  server.close((error) => parentPort.postMessage({ closed: true, error: error ? String(error.message) : undefined }));
});
`;

async function serveInWorker(options: DynaliteOptions): Promise<Served> {
  const service = await startWorkerService<{ port: number }>('local DynamoDB (dynalite)', WORKER_SOURCE, {
    dynalite: require.resolve('dynalite'),
    options,
  });
  return { port: service.started.port, close: () => service.close() };
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
    // Polling is the only way to learn the status (DescribeTable). dynalite (createTableMs 0) turns a
    // table ACTIVE a moment after CreateTable answers, so the first waits are short (5, 10, 20 ms…): a
    // flat 50 ms first wait idled every fifth start of a test stack for nothing.
    await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 1000)));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

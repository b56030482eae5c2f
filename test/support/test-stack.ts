import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { DynamoSyncStore } from '../../lib/aws/dynamo-sync-store.ts';
import { SqsChangeQueue } from '../../lib/aws/sqs-change-queue.ts';
import { parseQueuedNotice } from '../../lib/composition/sync.ts';
import type { ConfigInput, CrmSyncConfig } from '../../lib/config.ts';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { buildPorts, SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from '../../lib/local/local-dynamo.ts';
import { type LocalSqs, startLocalSqs } from '../../lib/local/local-sqs.ts';
import type { HubSpotPort, SalesforcePort } from '../../lib/ports.ts';
import { processBatch } from '../../lib/sync/processor.ts';
import type { ProcessorDeps, ProcessorResult } from '../../lib/sync/processor-types.ts';
import {
  type HubSpotSandbox,
  type HubSpotSandboxOptions,
  startHubSpotSandbox,
} from '../../sandbox/hubspot/index.ts';
import {
  type SalesforceSandbox,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from '../../sandbox/salesforce/index.ts';
import { type ApiCalls, apiCalls, type CounterSource, measureCalls } from './api-calls.ts';
import { asMessages } from './notices.ts';
import { unsignedDynamoClient, unsignedSqsClient } from './unsigned-aws.ts';
import { testConfig } from './test-config.ts';

export interface TestStackOptions {
  /** Edit the example configuration before it is validated (no segment by default: R2). */
  config?: (input: ConfigInput) => void;
  hubspot?: HubSpotSandboxOptions;
  salesforce?: SalesforceSandboxOptions;
  /** Start the local SQS and create the changes queue and its DLQ (default false: most tests call processBatch directly). */
  queue?: boolean | { maxReceiveCount?: number; visibilityTimeoutSeconds?: number };
  /** DynamoDB table name (default `crmsync-test`). */
  tableName?: string;
  /**
   * The store's and the queue's AWS clients skip SigV4 (`loopbackSigner`): the reliability long run
   * only, where signing is a fifth of every AWS call's CPU. Default false: every other test signs, as
   * production does.
   */
  unsignedAws?: boolean;
  /**
   * dynalite and the local SQS, started once by the caller (`startLocalAws`) and reused: the stack
   * creates a table of its own on them (a new name each time), purges the changes queue and its DLQ
   * before it starts and after it closes, and leaves the services running. Default: the stack starts
   * its own and closes them.
   */
  aws?: LocalAws;
}

/** dynalite and the local SQS with their clients: what a test stack runs its store and queue on. */
export interface LocalAws {
  dynamo: LocalDynamo;
  sqs: LocalSqs;
  close(): Promise<void>;
}

/** CRM adapters as one Lambda instance holds them (their own rate limiters). */
export interface TestPorts {
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
}

/**
 * Everything crmsync runs on, started in-process on 127.0.0.1 with ephemeral ports, through the same
 * adapters as in AWS: both CRM sandboxes, dynalite with the crmsync table, optionally the local SQS with the
 * changes queue and DLQ, the DynamoDB store, and the HubSpot / Salesforce adapters (real
 * `@hubspot/api-client` and `jsforce` behind the shared rate limiters). Always `close()` it.
 */
export interface TestStack {
  config: CrmSyncConfig;
  hubspotSandbox: HubSpotSandbox;
  salesforceSandbox: SalesforceSandbox;
  dynamo: LocalDynamo;
  tableName: string;
  store: DynamoSyncStore;
  /** The adapters of "the" processor instance. */
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  sqs?: LocalSqs;
  queueUrl?: string;
  dlqUrl?: string;
  queue?: SqsChangeQueue;
  /** A second, independent adapter set (another Lambda instance: its own limiters), same sandboxes. */
  newPorts(): Promise<TestPorts>;
  /** Processor dependencies over this stack; `overrides` replaces any of them (e.g. another port set). */
  processorDeps(overrides?: Partial<ProcessorDeps>): ProcessorDeps;
  /** Wraps notices as queue messages and runs one processor batch. */
  process(notices: ChangeNotice[], overrides?: Partial<ProcessorDeps>): Promise<ProcessorResult>;
  /** The sandboxes' raw per-route counters. */
  counters: CounterSource;
  /** API calls counted by the sandboxes so far, split into reads and writes. */
  calls(): ApiCalls;
  /** Runs `fn` and returns the API calls it made. */
  measure<T>(fn: () => Promise<T>): Promise<{ result: T; calls: ApiCalls }>;
  close(): Promise<void>;
}

/**
 * Starts a test stack. Sandboxes deliver nothing on their own (no webhook URL, Salesforce auto-delivery
 * off): a test drives the processor with notices, or sets delivery targets itself.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const opened: { close(): Promise<void> }[] = [];
  try {
    const hubspotSandbox = await startHubSpotSandbox({
      port: 0,
      appTokens: [SANDBOX_APP_TOKEN],
      ...options.hubspot,
    });
    opened.push(hubspotSandbox);
    const salesforceSandbox = await startSalesforceSandbox({
      port: 0,
      autoDeliver: false,
      ...options.salesforce,
    });
    opened.push(salesforceSandbox);
    const aws = options.aws ?? (await startLocalAws({ unsignedAws: options.unsignedAws }));
    const { dynamo } = aws;
    const tableName = options.tableName ?? (options.aws ? `crmsync-test-${++sharedTables}` : 'crmsync-test');
    opened.push(options.aws ? { close: () => dropTable(dynamo, tableName) } : aws);
    await ensureTable(dynamo.client, tableName);
    const store = new DynamoSyncStore({ client: dynamo.client, tableName });
    const config = testConfig(
      { hubspot: hubspotSandbox.url, salesforce: salesforceSandbox.url },
      options.config,
    );
    const newPorts = async (): Promise<TestPorts> => {
      const ports = await buildPorts({ config, store, log: silentLog });
      return { hubspot: ports.hubspot, salesforce: ports.salesforce };
    };
    const ports = await newPorts();

    let sqs: LocalSqs | undefined;
    let queueUrl: string | undefined;
    let dlqUrl: string | undefined;
    let queue: SqsChangeQueue | undefined;
    if (options.queue) {
      sqs = aws.sqs;
      const queueOptions = typeof options.queue === 'object' ? options.queue : {};
      const queues = await sqs.createQueues('crmsync-changes', queueOptions);
      ({ queueUrl, dlqUrl } = queues);
      if (options.aws) {
        // Shared queues: whatever a stack before this one left (a history cut short) is not this one's.
        const purge = () => purgeQueues(aws.sqs, [queues.queueUrl, queues.dlqUrl]);
        await purge();
        opened.push({ close: purge });
      }
      queue = new SqsChangeQueue({ client: sqs.client, queueUrl });
    }

    const counters: CounterSource = {
      hubspot: () => hubspotSandbox.counters(),
      salesforce: () => salesforceSandbox.counters(),
    };
    const processorDeps = (overrides: Partial<ProcessorDeps> = {}): ProcessorDeps => ({
      store,
      hubspot: ports.hubspot,
      salesforce: ports.salesforce,
      config,
      parseNotice: parseQueuedNotice,
      ...overrides,
    });
    return {
      config,
      hubspotSandbox,
      salesforceSandbox,
      dynamo,
      tableName,
      store,
      hubspot: ports.hubspot,
      salesforce: ports.salesforce,
      sqs,
      queueUrl,
      dlqUrl,
      queue,
      newPorts,
      processorDeps,
      process: (notices, overrides) => processBatch(asMessages(notices), processorDeps(overrides)),
      counters,
      calls: () => apiCalls(counters),
      measure: (fn) => measureCalls(counters, fn),
      close: () => closeAll(opened),
    };
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
}

let sharedTables = 0;

/**
 * Starts dynalite and the local SQS in this thread, with SigV4-free clients when `unsignedAws` (see
 * `TestStackOptions.unsignedAws`). Pass the result to several stacks in turn (`TestStackOptions.aws`)
 * to start them once: the reliability long run does, one per worker process.
 */
export async function startLocalAws(opts: { unsignedAws?: boolean } = {}): Promise<LocalAws> {
  const opened: { close(): Promise<void> }[] = [];
  try {
    const localDynamo = await startLocalDynamo();
    const dynamo = opts.unsignedAws
      ? withClient(localDynamo, unsignedDynamoClient(localDynamo.endpoint))
      : localDynamo;
    opened.push(dynamo);
    const localSqs = await startLocalSqs();
    const sqs = opts.unsignedAws ? withClient(localSqs, unsignedSqsClient(localSqs.endpoint)) : localSqs;
    opened.push(sqs);
    return { dynamo, sqs, close: () => closeAll(opened) };
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
}

/** Deletes a stack's table from shared dynalite (its items go with it). */
async function dropTable(dynamo: LocalDynamo, tableName: string): Promise<void> {
  await dynamo.client.send(new DeleteTableCommand({ TableName: tableName }));
}

async function purgeQueues(sqs: LocalSqs, urls: string[]): Promise<void> {
  for (const url of urls) await sqs.client.send(new PurgeQueueCommand({ QueueUrl: url }));
}

/** A local service with `client` in place of its own; closing it destroys that client too. */
function withClient<S extends { client: { destroy(): void }; close(): Promise<void> }>(
  service: S,
  client: S['client'],
): S {
  return {
    ...service,
    client,
    close: () => {
      client.destroy();
      return service.close();
    },
  };
}

async function closeAll(opened: { close(): Promise<void> }[]): Promise<void> {
  for (const resource of [...opened].reverse()) await resource.close().catch(() => undefined);
}

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAdminServices } from '../admin/admin-services.ts';
import { deployedJobs, type JobLauncher } from '../admin/jobs.ts';
import type { AdminServices } from '../admin/services.ts';
import { configuredSchedules, emptyStats } from '../admin/status.ts';
import { DynamoJobStore } from '../aws/dynamo-job-store.ts';
import { SqsChangeQueue } from '../aws/sqs-change-queue.ts';
import type { RefreshResult } from '../sync/segment-refresh.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import { lambdaJobLauncher } from './job-launcher.ts';
import { type CrmDependencyOptions, composeFromEnvironment } from './sync-dependencies.ts';

/**
 * The admin and job functions' dependencies, from the environment (CRMSYNC_QUEUE_URL,
 * CRMSYNC_DLQ_URL, CRMSYNC_JOB_FUNCTION besides the store's and the secret's), once per cold start.
 */
export interface AdminDependencyOptions extends Omit<CrmDependencyOptions, 'lane'> {
  sqsClient?: SQSClient;
  /** Defaults to invoking CRMSYNC_JOB_FUNCTION asynchronously. */
  launcher?: JobLauncher;
  now?: () => number;
}

/** The admin API's services: the composition root's `live` lane, jobs handed to the job function. */
export async function buildAdminServices(options: AdminDependencyOptions = {}): Promise<AdminServices> {
  const dynamoClient = options.dynamoClient ?? new DynamoDBClient({});
  const root = await composeFromEnvironment({ ...options, dynamoClient }, [
    'queueUrl',
    'dlqUrl',
    'jobFunction',
  ]);
  const { env, config, store } = root;
  const now = options.now ?? Date.now;
  const client = options.sqsClient ?? new SQSClient({});
  const queueUrl = env.queueUrl ?? '';
  const deps: SyncDeps = {
    store,
    ...root.lanes.live,
    queue: new SqsChangeQueue({ client, queueUrl }),
    config,
    now,
  };
  const startedAt = now();
  let lastRefresh: { at: number; result: RefreshResult } | undefined;
  return createAdminServices({
    deps,
    rawStore: store,
    sqs: { client, queueUrl, dlqUrl: env.dlqUrl ?? '' },
    log: options.log ?? new Logger({ serviceName: 'crmsync' }),
    status: {
      mode: 'live',
      startedAt,
      urls: () => ({
        dashboard: '',
        hubspot: config.hubspot.baseUrl ?? 'https://api.hubapi.com',
        salesforce: config.salesforce.instanceUrl ?? '',
      }),
      stats: { snapshot: () => emptyStats(startedAt) },
      schedules: () => configuredSchedules(config.schedules),
      limiters: root.limiters,
    },
    jobs: deployedJobs({
      progress: new DynamoJobStore({ client: dynamoClient, tableName: env.tableName ?? '' }),
      launcher: options.launcher ?? lambdaJobLauncher(new LambdaClient({}), env.jobFunction ?? ''),
      now,
    }),
    refresh: {
      last: () => lastRefresh,
      record: (result) => {
        lastRefresh = { at: now(), result };
      },
    },
  });
}

/** The job function's dependencies: the `bulk` lane over the changes queue, and where progress goes. */
export async function buildJobDependencies(
  options: Omit<AdminDependencyOptions, 'launcher'> = {},
): Promise<{ deps: SyncDeps; progress: DynamoJobStore; flushUsage: () => Promise<void> }> {
  const dynamoClient = options.dynamoClient ?? new DynamoDBClient({});
  const root = await composeFromEnvironment({ ...options, dynamoClient }, ['queueUrl']);
  const queue = new SqsChangeQueue({
    client: options.sqsClient ?? new SQSClient({}),
    queueUrl: root.env.queueUrl ?? '',
  });
  const deps = { ...root.jobs(queue), ...(options.now ? { now: options.now } : {}) };
  return {
    deps,
    progress: new DynamoJobStore({ client: dynamoClient, tableName: root.env.tableName ?? '' }),
    flushUsage: root.flushUsage,
  };
}

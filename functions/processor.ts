import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoSyncStore } from '../lib/aws/dynamo-sync-store.ts';
import { parseNoticeMessage } from '../lib/aws/sqs-message.ts';
import { loadConfigFile } from '../lib/config.ts';
import { createHubSpotClient } from '../lib/hubspot/hubspot-client.ts';
import { HubSpotCrm } from '../lib/hubspot/hubspot-crm.ts';
import { parseLambdaEnv } from '../lib/lambda/env.ts';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { createPowertools, type Powertools } from '../lib/lambda/powertools.ts';
import { type SecretSource, SecretsCache, secretsManagerSource } from '../lib/lambda/secrets.ts';
import { createRateLimiters } from '../lib/rate-limit/index.ts';
import { createSalesforceConnection } from '../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../lib/salesforce/salesforce-crm.ts';
import { processBatch } from '../lib/sync/processor.ts';
import type { ProcessorDeps } from '../lib/sync/processor-types.ts';

/** What the handler needs besides logging: the processor's ports and config, built once per cold start. */
export type ProcessorDependencies = Omit<ProcessorDeps, 'log' | 'metrics'>;

export interface ProcessorDependencyOptions {
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  dynamoClient?: DynamoDBClient;
  secretSource?: SecretSource;
}

/**
 * Builds the processor's dependencies from the environment (CRMSYNC_TABLE_NAME, CRMSYNC_SECRET_ARN,
 * CRMSYNC_CONFIG_PATH; optional CRMSYNC_HUBSPOT_BASE_URL / CRMSYNC_SALESFORCE_INSTANCE_URL): the
 * DynamoDB store, the HubSpot and Salesforce adapters behind one rate limiter per CRM (usage counted
 * in the store, so every concurrent instance shares the daily budget), and the queue message parser.
 */
export async function buildProcessorDependencies(
  options: ProcessorDependencyOptions = {},
): Promise<ProcessorDependencies> {
  const env = parseLambdaEnv(['tableName', 'secretArn'], options.env);
  const config = await loadConfigFile(env.configPath);
  const store = new DynamoSyncStore({
    client: options.dynamoClient ?? new DynamoDBClient({}),
    tableName: env.tableName,
  });
  const secrets = await new SecretsCache(
    options.secretSource ?? secretsManagerSource(new SecretsManagerClient({})),
    env.secretArn,
  ).get();
  const limiters = createRateLimiters(config.budgets, { usage: store });
  const hubspot = new HubSpotCrm({
    client: createHubSpotClient({
      accessToken: secrets.require('hubspotAccessToken'),
      baseUrl: env.hubspotBaseUrl ?? config.hubspot.baseUrl,
    }),
    limiter: limiters.hubspot,
  });
  const instanceUrl =
    secrets.get('salesforceInstanceUrl') ??
    env.salesforceInstanceUrl ??
    config.salesforce.instanceUrl ??
    secrets.require('salesforceInstanceUrl');
  const salesforce = new SalesforceCrm({
    connection: createSalesforceConnection({
      instanceUrl,
      accessToken: secrets.require('salesforceAccessToken'),
      version: config.salesforce.apiVersion,
      clientName: config.salesforce.clientName,
    }),
    limiter: limiters.salesforce,
    clientName: config.salesforce.clientName,
  });
  return {
    store,
    hubspot,
    salesforce,
    config,
    parseNotice: (body) => {
      const parsed = parseNoticeMessage(body);
      if (!parsed.ok) throw parsed.error;
      return parsed.notice;
    },
  };
}

/**
 * The changes-queue consumer (SQS event source with ReportBatchItemFailures): hands the batch to
 * `processBatch` and answers with the partial batch response, so only the messages to retry are
 * redelivered. A failure to build the dependencies throws: the whole batch is retried, then parked
 * in the DLQ by the queue's redrive policy.
 */
export function createProcessorHandler(
  getDeps: () => Promise<ProcessorDependencies>,
  powertools: Powertools = createPowertools('processor'),
) {
  return withMiddleware<SQSEvent, SQSBatchResponse>(
    async (event) => {
      const deps = await getDeps();
      const messages = event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));
      const result = await processBatch(messages, {
        ...deps,
        log: powertools.logger,
        metrics: powertools.metrics,
      });
      return { batchItemFailures: result.batchItemFailures };
    },
    { powertools },
  );
}

export const handler = createProcessorHandler(lazyOnce(() => buildProcessorDependencies()));

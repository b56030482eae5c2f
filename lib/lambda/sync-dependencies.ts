import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoSyncStore } from '../aws/dynamo-sync-store.ts';
import { SqsChangeQueue } from '../aws/sqs-change-queue.ts';
import { type CrmSyncConfig, loadConfigFile } from '../config.ts';
import { createHubSpotConnection } from '../hubspot/hubspot-client.ts';
import { hubspotOAuthSettings } from '../hubspot/hubspot-oauth.ts';
import { HubSpotCrm } from '../hubspot/hubspot-crm.ts';
import type { ChangeQueue } from '../ports.ts';
import { createRateLimiters } from '../rate-limit/index.ts';
import type { Lane } from '../rate-limit/rate-limiter.ts';
import {
  createSalesforceConnection,
  salesforceRefreshSettings,
} from '../salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../salesforce/salesforce-crm.ts';
import { type LambdaEnv, parseLambdaEnv, type RequiredEnvKey } from './env.ts';
import type { Log } from '../observability/observability.ts';
import { type SecretSource, SecretsCache, secretsManagerSource } from './secrets.ts';

/** The store, both CRM adapters and the config, as every function past intake needs them. */
export interface CrmDependencies {
  config: CrmSyncConfig;
  store: DynamoSyncStore;
  hubspot: HubSpotCrm;
  salesforce: SalesforceCrm;
  /** Writes this instance's counted API usage to the store (call before the invocation ends). */
  flushUsage: () => Promise<void>;
}

export interface CrmDependencyOptions {
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  dynamoClient?: DynamoDBClient;
  secretSource?: SecretSource;
  /** `bulk` for resync, import and polling: they yield to live changes in the rate limiter. */
  lane?: Lane;
  /** Where the Salesforce session and HubSpot token refreshes are logged; defaults to a Powertools logger. */
  log?: Log;
}

/**
 * Builds the store and the HubSpot and Salesforce adapters from the environment
 * (CRMSYNC_TABLE_NAME, CRMSYNC_SECRET_ARN, CRMSYNC_CONFIG_PATH; optional CRMSYNC_HUBSPOT_BASE_URL /
 * CRMSYNC_SALESFORCE_INSTANCE_URL), once per cold start. With
 * `salesforceRefreshToken` and `salesforceClientId` (optional `salesforceClientSecret`,
 * `salesforceLoginUrl`) in the secret, jsforce renews the Salesforce
 * session whenever it expires; with `hubspotRefreshToken`, `hubspotClientId` and
 * `hubspotClientSecret` (a HubSpot OAuth app), the HubSpot access token is renewed before it expires
 * and after a 401. Each CRM has one rate limiter whose usage is
 * counted in the store, so every concurrent instance shares the daily budget.
 */
export async function buildCrmDependencies(
  options: CrmDependencyOptions = {},
  need: readonly RequiredEnvKey[] = ['tableName', 'secretArn'],
): Promise<CrmDependencies & { env: LambdaEnv }> {
  const env = parseLambdaEnv(['tableName', 'secretArn', ...need], options.env);
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
  const lane = options.lane ?? 'live';
  const log = options.log ?? new Logger({ serviceName: 'crmsync' });
  const hubspotOAuth = hubspotOAuthSettings(
    {
      refreshToken: secrets.get('hubspotRefreshToken'),
      clientId: secrets.get('hubspotClientId'),
      clientSecret: secrets.get('hubspotClientSecret'),
    },
    { source: env.secretArn, clientIdName: 'hubspotClientId', clientSecretName: 'hubspotClientSecret' },
  );
  const hubspot = new HubSpotCrm({
    ...createHubSpotConnection({
      // With an OAuth app the access token may be absent: the first call fetches one.
      accessToken: hubspotOAuth ? secrets.get('hubspotAccessToken') : secrets.require('hubspotAccessToken'),
      ...(hubspotOAuth ? { oauth: hubspotOAuth } : {}),
      baseUrl: env.hubspotBaseUrl ?? config.hubspot.baseUrl,
      onRefresh: () => log.info('hubspot access token refreshed'),
    }),
    limiter: limiters.hubspot,
  }).withLane(lane);
  const instanceUrl =
    secrets.get('salesforceInstanceUrl') ??
    env.salesforceInstanceUrl ??
    config.salesforce.instanceUrl ??
    secrets.require('salesforceInstanceUrl');
  const refresh = salesforceRefreshSettings(
    {
      refreshToken: secrets.get('salesforceRefreshToken'),
      clientId: secrets.get('salesforceClientId'),
      clientSecret: secrets.get('salesforceClientSecret'),
      loginUrl: secrets.get('salesforceLoginUrl'),
    },
    { source: env.secretArn, clientIdName: 'salesforceClientId', loginUrlName: 'salesforceLoginUrl' },
  );
  const salesforce = new SalesforceCrm({
    connection: createSalesforceConnection({
      instanceUrl,
      // With a refresh token the access token may be absent: the first call fetches one.
      accessToken: refresh ? secrets.get('salesforceAccessToken') : secrets.require('salesforceAccessToken'),
      version: config.salesforce.apiVersion,
      clientName: config.salesforce.clientName,
      ...(refresh ? { refresh } : {}),
      onRefresh: ({ instanceUrl: url }) => log.info('salesforce session refreshed', { instanceUrl: url }),
    }),
    limiter: limiters.salesforce,
    clientName: config.salesforce.clientName,
  }).withLane(lane);
  return {
    env,
    config,
    store,
    hubspot,
    salesforce,
    flushUsage: async () => {
      await Promise.all([limiters.hubspot.flush(), limiters.salesforce.flush()]);
    },
  };
}

/** The scheduled functions' dependencies: the CRM dependencies plus the changes queue. */
export async function buildScheduledDependencies(
  options: CrmDependencyOptions & { sqsClient?: SQSClient } = {},
): Promise<CrmDependencies & { queue: ChangeQueue; now: () => number }> {
  const deps = await buildCrmDependencies({ lane: 'bulk', ...options }, [
    'tableName',
    'secretArn',
    'queueUrl',
  ]);
  const queue = new SqsChangeQueue({
    client: options.sqsClient ?? new SQSClient({}),
    queueUrl: deps.env.queueUrl ?? '',
  });
  return { ...deps, queue, now: Date.now };
}

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoSyncStore } from '../aws/dynamo-sync-store.ts';
import { SqsChangeQueue } from '../aws/sqs-change-queue.ts';
import { type CrmAccess, composeSync, type SyncComposition } from '../composition/sync.ts';
import { loadConfigFile } from '../config.ts';
import { hubspotOAuthSettings } from '../hubspot/hubspot-oauth.ts';
import type { Lane } from '../rate-limit/rate-limiter.ts';
import { salesforceRefreshSettings } from '../salesforce/salesforce-connection.ts';
import type { ProcessorDeps } from '../sync/processor-types.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import { type LambdaEnv, parseLambdaEnv, type RequiredEnvKey } from './env.ts';
import type { Log } from '../observability/observability.ts';
import {
  type CrmSecrets,
  crmSecretKeysNeeded,
  type SecretSource,
  SecretsCache,
  secretsManagerSource,
} from './secrets.ts';

/**
 * The Lambda host's side of the composition root (`lib/composition/sync.ts`): it turns the
 * environment (CRMSYNC_TABLE_NAME, CRMSYNC_SECRET_ARN, CRMSYNC_CONFIG_PATH; optional
 * CRMSYNC_QUEUE_URL, CRMSYNC_HUBSPOT_BASE_URL, CRMSYNC_SALESFORCE_INSTANCE_URL), the config file
 * and the Secrets Manager secret into the parts the root composes, once per cold start.
 */

/** The store, both CRM adapters (in the lane the function works in) and the config. */
export interface CrmDependencies {
  config: SyncComposition['config'];
  store: SyncComposition['store'];
  hubspot: SyncDeps['hubspot'];
  salesforce: SyncDeps['salesforce'];
  /** Writes this instance's counted API usage to the store (call before the invocation ends); reports the budget to `metrics`. */
  flushUsage: SyncComposition['flushUsage'];
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
 * With `salesforceRefreshToken` and `salesforceClientId` (optional `salesforceClientSecret`,
 * `salesforceLoginUrl`) in the secret, jsforce renews the Salesforce session whenever it expires;
 * without them the secret must hold `salesforceAccessToken`. With `hubspotRefreshToken`,
 * `hubspotClientId` and `hubspotClientSecret` (a HubSpot OAuth app), the HubSpot access token is
 * renewed before it expires and after a 401; without them the secret must hold `hubspotAccessToken`.
 */
function crmAccess(
  secrets: CrmSecrets,
  env: LambdaEnv & { secretArn: string },
  config: SyncComposition['config'],
): CrmAccess {
  const refresh = salesforceRefreshSettings(
    {
      refreshToken: secrets.get('salesforceRefreshToken'),
      clientId: secrets.get('salesforceClientId'),
      clientSecret: secrets.get('salesforceClientSecret'),
      loginUrl: secrets.get('salesforceLoginUrl'),
    },
    { source: env.secretArn, clientIdName: 'salesforceClientId', loginUrlName: 'salesforceLoginUrl' },
  );
  const hubspotOAuth = hubspotOAuthSettings(
    {
      refreshToken: secrets.get('hubspotRefreshToken'),
      clientId: secrets.get('hubspotClientId'),
      clientSecret: secrets.get('hubspotClientSecret'),
    },
    { source: env.secretArn, clientIdName: 'hubspotClientId', clientSecretName: 'hubspotClientSecret' },
  );
  return {
    hubspot: {
      // With an OAuth app the access token may be absent: the first call fetches one.
      accessToken: hubspotOAuth ? secrets.get('hubspotAccessToken') : secrets.require('hubspotAccessToken'),
      ...(hubspotOAuth ? { oauth: hubspotOAuth } : {}),
      baseUrl: env.hubspotBaseUrl,
    },
    salesforce: {
      instanceUrl:
        secrets.get('salesforceInstanceUrl') ??
        env.salesforceInstanceUrl ??
        config.salesforce.instanceUrl ??
        secrets.require('salesforceInstanceUrl'),
      accessToken: refresh ? secrets.get('salesforceAccessToken') : secrets.require('salesforceAccessToken'),
      ...(refresh ? { refresh } : {}),
    },
  };
}

/** Reads env, config and secret, builds the DynamoDB store, and hands them to `composeSync`. */
export async function composeFromEnvironment(
  options: CrmDependencyOptions,
  need: readonly RequiredEnvKey[],
): Promise<SyncComposition & { env: LambdaEnv }> {
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
  // Name every missing key at once (one log line), before any client is built.
  secrets.requireAll(
    crmSecretKeysNeeded(secrets, {
      salesforceInstanceUrlElsewhere: Boolean(env.salesforceInstanceUrl ?? config.salesforce.instanceUrl),
    }),
  );
  const log = options.log ?? new Logger({ serviceName: 'crmsync' });
  return { env, ...composeSync({ config, access: crmAccess(secrets, env, config), store, log }) };
}

/** The store and both CRM adapters in one lane (default `live`), from the environment. */
export async function buildCrmDependencies(
  options: CrmDependencyOptions = {},
): Promise<CrmDependencies & { env: LambdaEnv }> {
  const root = await composeFromEnvironment(options, []);
  const lane = root.lanes[options.lane ?? 'live'];
  return { env: root.env, config: root.config, store: root.store, ...lane, flushUsage: root.flushUsage };
}

/** The processor's dependencies: the composition root's `processor` set (live lane) plus the usage flush. */
export type ProcessorDependencies = ProcessorDeps & Pick<CrmDependencies, 'flushUsage'>;

/** Builds the processor's dependencies once per cold start. */
export async function buildProcessorDependencies(
  options: Omit<CrmDependencyOptions, 'lane'> = {},
): Promise<ProcessorDependencies> {
  const root = await composeFromEnvironment(options, []);
  return { ...root.processor, flushUsage: root.flushUsage };
}

/** The scheduled functions' dependencies: the composition root's `jobs` set (bulk lane) over the changes queue. */
export type ScheduledDependencies = SyncDeps & Pick<CrmDependencies, 'flushUsage'>;

/** Builds the scheduled functions' (resync, segment refresh, poll) dependencies once per cold start. */
export async function buildScheduledDependencies(
  options: Omit<CrmDependencyOptions, 'lane'> & { sqsClient?: SQSClient } = {},
): Promise<ScheduledDependencies> {
  const root = await composeFromEnvironment(options, ['queueUrl']);
  const queue = new SqsChangeQueue({
    client: options.sqsClient ?? new SQSClient({}),
    queueUrl: root.env.queueUrl ?? '',
  });
  return { ...root.jobs(queue), flushUsage: root.flushUsage };
}

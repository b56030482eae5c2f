import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsChangeQueue } from '../aws/sqs-change-queue.ts';
import { type CrmSyncConfig, loadConfigFile } from '../config.ts';
import type { ChangeQueue } from '../ports.ts';
import { parseLambdaEnv } from './env.ts';
import { type CrmSecrets, type SecretSource, SecretsCache, secretsManagerSource } from './secrets.ts';

/**
 * What the intake functions need, built once per cold start (docs/design.md#thin-handlers: dependencies are
 * built and passed in, never module-level singletons imported by the logic).
 */
export interface IntakeDependencies {
  queue: ChangeQueue;
  config: CrmSyncConfig;
  /**
   * The intake secret (never the CRM credentials), read lazily: the HubSpot webhook needs its
   * signing secret, the outbound-message endpoint its URL token.
   */
  secrets: () => Promise<CrmSecrets>;
}

export interface IntakeDependencyOptions {
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Defaults to a new SQSClient with the Lambda's region and role. */
  sqsClient?: SQSClient;
  /** Defaults to Secrets Manager. */
  secretSource?: SecretSource;
  /** Need the intake secret (CRMSYNC_INTAKE_SECRET_ARN)? True for the webhook and outbound-message functions. */
  needsSecret?: boolean;
}

/**
 * Builds the intake dependencies: validated env, the config file, the SQS queue adapter and the
 * secrets cache. The only AWS calls the intake makes are SQS SendMessageBatch and, once per cold
 * start (and per TTL), Secrets Manager GetSecretValue.
 */
export async function buildIntakeDependencies(
  options: IntakeDependencyOptions = {},
): Promise<IntakeDependencies> {
  const env = parseLambdaEnv(
    options.needsSecret ? ['queueUrl', 'intakeSecretArn'] : ['queueUrl'],
    options.env,
  );
  const config = await loadConfigFile(env.configPath);
  const queue = new SqsChangeQueue({
    client: options.sqsClient ?? new SQSClient({}),
    queueUrl: env.queueUrl,
  });
  const secretArn = env.intakeSecretArn;
  let cache: SecretsCache | undefined;
  return {
    queue,
    config,
    secrets: () => {
      if (!secretArn) return Promise.reject(new Error('CRMSYNC_INTAKE_SECRET_ARN is not set'));
      cache ??= new SecretsCache(
        options.secretSource ?? secretsManagerSource(new SecretsManagerClient({})),
        secretArn,
      );
      return cache.get();
    },
  };
}

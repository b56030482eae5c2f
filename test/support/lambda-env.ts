import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CrmSyncConfig } from '../../lib/config.ts';
import type { Log } from '../../lib/observability/observability.ts';
import type { SecretSource } from '../../lib/lambda/secrets.ts';
import type { TestStack } from './test-stack.ts';

/** The secret ARN the Lambda tests name (their secret source answers for it). */
export const TEST_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:crmsync-test';

/**
 * The environment a Lambda function gets from the stack, pointed at a test stack: its table, a test
 * secret ARN and `config` (default the stack's) written to a temporary config file.
 */
export function lambdaEnv(stack: TestStack, config: CrmSyncConfig = stack.config): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'crmsync-lambda-'));
  const configPath = join(dir, 'crmsync.config.json');
  writeFileSync(configPath, JSON.stringify(config));
  return {
    CRMSYNC_TABLE_NAME: stack.tableName,
    CRMSYNC_SECRET_ARN: TEST_SECRET_ARN,
    CRMSYNC_CONFIG_PATH: configPath,
  };
}

/** A Log that keeps every line (`<level> <message>` and its context objects) for a test to read. */
export function recordingLog(): { log: Log; lines: { message: string; extra: Record<string, unknown>[] }[] } {
  const lines: { message: string; extra: Record<string, unknown>[] }[] = [];
  const record =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      lines.push({ message: `${level} ${message}`, extra });
  return {
    lines,
    log: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  };
}

/** A secret source that answers with `values` as the secret's JSON (what Secrets Manager would hold). */
export function jsonSecret(values: Record<string, string>): SecretSource {
  return { getSecretString: async () => JSON.stringify(values) };
}

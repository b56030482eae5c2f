import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.ts';

/**
 * The environment of the Lambda functions, validated with zod once per cold start. A missing or
 * malformed variable fails the cold start with a ConfigError naming the variable and the fix,
 * never with an `undefined` deep inside an SDK call.
 */

/**
 * An http(s) URL, checked loosely: local SQS stand-ins return queue URLs such as
 * `http://sqs.us-east-1.127.0.0.1:4566/000000000000/changes`, which WHATWG's parser (and zod's
 * `z.url()`) refuse because the host ends like an IPv4 address, yet the SDK sends them fine.
 */
const anyUrl = z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'is not an http(s) URL');

const envSchema = z.object({
  /** URL of the changes queue (SQS). */
  CRMSYNC_QUEUE_URL: anyUrl.optional(),
  /** URL of the changes queue's dead-letter queue (the admin API lists and redrives it). */
  CRMSYNC_DLQ_URL: anyUrl.optional(),
  /** Name of the function that runs resyncs and imports (the admin API invokes it asynchronously). */
  CRMSYNC_JOB_FUNCTION: z.string().min(1).max(170).optional(),
  /** DynamoDB table of the store. */
  CRMSYNC_TABLE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name is 3-255 letters, digits, _ . -')
    .optional(),
  /** Secrets Manager secret (ARN or name) holding the CRM credentials as JSON. */
  CRMSYNC_SECRET_ARN: z.string().min(1).max(2048).optional(),
  /** The intake secret (webhook signing secret, outbound-message token): the only one intake reads. */
  CRMSYNC_INTAKE_SECRET_ARN: z.string().min(1).max(2048).optional(),
  /** The config file; relative paths are resolved next to the handler (LAMBDA_TASK_ROOT). */
  CRMSYNC_CONFIG_PATH: z.string().min(1).default('crmsync.config.json'),
  CRMSYNC_HUBSPOT_BASE_URL: anyUrl.optional(),
  CRMSYNC_SALESFORCE_INSTANCE_URL: anyUrl.optional(),
  /** Set by the Lambda runtime: where the bundle (and the config file next to it) lives. */
  LAMBDA_TASK_ROOT: z.string().optional(),
});

export interface LambdaEnv {
  queueUrl?: string;
  dlqUrl?: string;
  jobFunction?: string;
  tableName?: string;
  secretArn?: string;
  intakeSecretArn?: string;
  /** Absolute path of the config file. */
  configPath: string;
  hubspotBaseUrl?: string;
  salesforceInstanceUrl?: string;
}

/** The variables a function may require, by the name it reads them under. */
export type RequiredEnvKey =
  | 'queueUrl'
  | 'tableName'
  | 'secretArn'
  | 'intakeSecretArn'
  | 'dlqUrl'
  | 'jobFunction';
const VARIABLE: Record<RequiredEnvKey, string> = {
  queueUrl: 'CRMSYNC_QUEUE_URL',
  tableName: 'CRMSYNC_TABLE_NAME',
  secretArn: 'CRMSYNC_SECRET_ARN',
  intakeSecretArn: 'CRMSYNC_INTAKE_SECRET_ARN',
  dlqUrl: 'CRMSYNC_DLQ_URL',
  jobFunction: 'CRMSYNC_JOB_FUNCTION',
};
const FIX: Record<string, string> = {
  CRMSYNC_QUEUE_URL: 'set it to the changes queue URL (the CDK stack does this)',
  CRMSYNC_TABLE_NAME: 'set it to the DynamoDB table name (the CDK stack does this)',
  CRMSYNC_SECRET_ARN: 'set it to the ARN of the Secrets Manager secret with the CRM credentials',
  CRMSYNC_INTAKE_SECRET_ARN:
    'set it to the ARN of the intake secret (webhook signing secret, outbound-message token; the CDK stack does this)',
  CRMSYNC_DLQ_URL: 'set it to the dead-letter queue URL (the CDK stack does this)',
  CRMSYNC_JOB_FUNCTION: 'set it to the job function name (the CDK stack does this)',
};

/**
 * Parses the environment. `need` lists what this function cannot run without; those come back
 * typed as present. Throws ConfigError naming every missing or malformed variable.
 */
export function parseLambdaEnv<K extends RequiredEnvKey>(
  need: readonly K[],
  env: Record<string, string | undefined> = process.env,
): LambdaEnv & Required<Pick<LambdaEnv, K>> {
  // Empty strings are "not set" (CDK and shells produce them).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems: ConfigProblem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      problems.push({
        path: name,
        value: undefined,
        message: issue.message,
        fix: FIX[name] ?? 'see docs/intake.md',
      });
    }
  }
  for (const key of need) {
    const name = VARIABLE[key];
    if (cleaned[name] === undefined) {
      problems.push({ path: name, value: undefined, message: 'is not set', fix: FIX[name] ?? 'set it' });
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError('environment', problems);
  const e = parsed.data;
  const root = e.LAMBDA_TASK_ROOT ?? process.cwd();
  const result: LambdaEnv = {
    queueUrl: e.CRMSYNC_QUEUE_URL,
    dlqUrl: e.CRMSYNC_DLQ_URL,
    jobFunction: e.CRMSYNC_JOB_FUNCTION,
    tableName: e.CRMSYNC_TABLE_NAME,
    secretArn: e.CRMSYNC_SECRET_ARN,
    intakeSecretArn: e.CRMSYNC_INTAKE_SECRET_ARN,
    configPath: isAbsolute(e.CRMSYNC_CONFIG_PATH)
      ? e.CRMSYNC_CONFIG_PATH
      : resolve(root, e.CRMSYNC_CONFIG_PATH),
    hubspotBaseUrl: e.CRMSYNC_HUBSPOT_BASE_URL,
    salesforceInstanceUrl: e.CRMSYNC_SALESFORCE_INSTANCE_URL,
  };
  return result as LambdaEnv & Required<Pick<LambdaEnv, K>>;
}

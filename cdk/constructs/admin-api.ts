import { CfnOutput, Duration } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CrmSync } from './crmsync.ts';
import { acknowledgeRuntime, type BundleOptions, CrmSyncFunction } from './crmsync-function.ts';
import { grantSend, grantStore } from './crmsync-permissions.ts';
import { grantSecretValue } from './crmsync-secrets.ts';

export interface AdminApiProps {
  /** The stack's HTTP API, store, queues and CRM secret. */
  crmsync: Pick<CrmSync, 'api' | 'table' | 'queue' | 'deadLetterQueue' | 'credentials'>;
  configPath: string;
  tracing?: boolean;
  logRetention?: RetentionDays;
  bundle?: BundleOptions;
}

/**
 * The stack's control plane (docs/design.md#operating): `/api/*` on the intake HTTP API
 * with AWS_IAM authorization, so only SigV4-signed callers whose IAM policy allows
 * `execute-api:Invoke` reach it — no public admin route and no user database. The admin function
 * serves the same routes as the local `/api/*`; the job function runs resyncs and imports it starts.
 */
export class AdminApi extends Construct {
  readonly adminFunction: CrmSyncFunction;
  readonly jobFunction: CrmSyncFunction;
  /** The admin API's base URL (`…/api`), also a stack output the CLI reads (`--stack`). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);
    const { table, queue, deadLetterQueue, credentials, api } = props.crmsync;
    const common = {
      configPath: props.configPath,
      tracing: props.tracing,
      logRetention: props.logRetention,
      bundle: props.bundle,
    };
    const env = {
      CRMSYNC_QUEUE_URL: queue.queueUrl,
      CRMSYNC_TABLE_NAME: table.tableName,
      CRMSYNC_SECRET_ARN: credentials.secretArn,
    };
    // 15 minutes, Lambda's maximum: a resync only queues notices (the processor does the syncing).
    this.jobFunction = new CrmSyncFunction(this, 'Job', {
      ...common,
      handlerFile: 'job',
      memorySize: 512,
      timeout: Duration.minutes(15),
      environment: env,
    });
    // API Gateway waits 30 s for an integration; the admin function answers well within it.
    this.adminFunction = new CrmSyncFunction(this, 'Admin', {
      ...common,
      handlerFile: 'admin',
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: {
        ...env,
        CRMSYNC_DLQ_URL: deadLetterQueue.queueUrl,
        CRMSYNC_JOB_FUNCTION: this.jobFunction.functionName,
      },
    });
    // A retried asynchronous job would start a second run beside the first: no retry, the
    // operator sees the error in the status and starts again.
    this.jobFunction.configureAsyncInvoke({ retryAttempts: 0 });

    this.grantJob(table, queue, credentials);
    this.grantAdmin(props.crmsync);
    for (const fn of [this.adminFunction, this.jobFunction]) acknowledgeRuntime(fn);

    api.addRoutes({
      path: '/api/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Admin', this.adminFunction),
      authorizer: new HttpIamAuthorizer(),
    });
    this.url = `${api.apiEndpoint}/api`;
    new CfnOutput(this, 'AdminApiUrl', {
      value: this.url,
      description:
        'crmsync admin API (AWS_IAM): crmsync <command> --stack <name>, or crmsync console --stack <name>',
    });
  }

  /** The job function: what resync and import use (store, CRM credentials, changes queue). */
  private grantJob(table: TableV2, queue: Queue, credentials: ISecret): void {
    grantStore(this.jobFunction, table);
    grantSecretValue(this.jobFunction, credentials);
    grantSend(this.jobFunction, queue);
  }

  /**
   * The admin function, action by action (the CDK test lists them exactly): the store's item reads
   * and writes (segment choice, traces, job progress), the changes queue's send and depth (sync now,
   * redrive, status), the DLQ's receive and delete (list, redrive), the CRM secret, and invoking
   * the job function — nothing else.
   */
  private grantAdmin(crmsync: AdminApiProps['crmsync']): void {
    const fn = this.adminFunction;
    const { table, queue, deadLetterQueue } = crmsync;
    const statement = (actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new PolicyStatement({ actions, resources }));
    grantStore(fn, table);
    grantSecretValue(fn, crmsync.credentials);
    grantSend(fn, queue);
    statement(['sqs:GetQueueAttributes'], [queue.queueArn]);
    statement(
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      [deadLetterQueue.queueArn],
    );
    statement(['lambda:InvokeFunction'], [this.jobFunction.functionArn]);
  }
}

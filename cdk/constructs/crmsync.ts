import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHANGES_MAX_RECEIVE_COUNT,
  CHANGES_VISIBILITY_TIMEOUT_SECONDS,
  PROCESSOR_MAX_CONCURRENCY,
  PROCESSOR_TIMEOUT_SECONDS,
} from '../../lib/aws/queue-settings.ts';
import { tableDesign } from '../../lib/aws/table-design.ts';
import type { CrmSyncConfig } from '../../lib/config.ts';
import { AdminApi } from './admin-api.ts';
import { addAlarms } from './crmsync-alarms.ts';
import { acknowledgeRuntime, type BundleOptions, CrmSyncFunction } from './crmsync-function.ts';
import { grantSend, grantStore, SendOnlyQueueDestination } from './crmsync-permissions.ts';
import { createCrmSecret, createIntakeSecret, grantSecretValue } from './crmsync-secrets.ts';

export interface CrmSyncProps {
  /** The validated configuration (lib/config.ts). */
  config: CrmSyncConfig;
  /** Path of the config file it came from; bundled next to each handler. */
  configPath: string;
  /**
   * An existing Secrets Manager secret holding the CRM credentials as JSON
   * ({ hubspotAccessToken, salesforceInstanceUrl, salesforceAccessToken, … }).
   * When absent, one with empty placeholders is created: fill it in after the first deploy.
   */
  credentials?: ISecret;
  /**
   * An existing intake secret ({ hubspotClientSecret, salesforceOutboundToken }). When absent, one
   * is created with a generated outbound-message token; fill in hubspotClientSecret.
   */
  intakeSecret?: ISecret;
  /**
   * The partner event bus Salesforce Event Relay delivers Change Data Capture events to
   * (`aws.partner/salesforce.com/<orgId>/<relayId>`). It exists only once the Event Relay is set
   * up, which needs this stack deployed first: leave it out of the first deploy (README "Deploy to
   * AWS"). Without it no CDC rule is made and changes arrive through outbound messages and polling.
   */
  eventRelayBusName?: string;
  /** Email address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** Active X-Ray tracing on every function. Default off. */
  tracing?: boolean;
  logRetention?: RetentionDays;
  /** Source maps and esbuild metafiles in the bundles (off by default: they only add weight). */
  bundle?: BundleOptions;
}

/** Function names and what each needs: the single list the stack, tests and the bundle bench read. */
export const FUNCTIONS = {
  hubspotWebhook: { file: 'hubspot-webhook', role: 'intake' },
  salesforceOutbound: { file: 'salesforce-outbound', role: 'intake' },
  salesforceCdc: { file: 'salesforce-cdc', role: 'intake' },
  processor: { file: 'processor', role: 'processor' },
  resync: { file: 'resync', role: 'scheduled' },
  segmentRefresh: { file: 'segment-refresh', role: 'scheduled' },
  poll: { file: 'poll', role: 'scheduled' },
  ownerRefresh: { file: 'owner-refresh', role: 'scheduled' },
} as const;
export type FunctionKey = keyof typeof FUNCTIONS;

/** 14 days (the SQS maximum) so that a weekend outage of a CRM, or of crmsync, loses nothing. */
const RETENTION = Duration.days(14);

/**
 * An encrypted, SSL-only queue kept for 14 days. Retained when the stack is deleted or the queue
 * replaced: unprocessed notices are data, and a DLQ holds what still needs a person.
 */
function durableQueue(
  scope: Construct,
  id: string,
  props: Partial<ConstructorParameters<typeof Queue>[2]> = {},
) {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: RETENTION,
    removalPolicy: RemovalPolicy.RETAIN,
    ...props,
  });
  return queue;
}

/**
 * crmsync on AWS: intake functions behind an HTTP API and an EventBridge rule, the changes queue with
 * its DLQ, the processor, the store, the schedules, alarms and a dashboard (docs/design.md#architecture). Embed it
 * in your own CDK app, or deploy `cdk/app.ts`.
 */
export class CrmSync extends Construct {
  readonly table: TableV2;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly api: HttpApi;
  readonly credentials: ISecret;
  readonly intakeSecret: ISecret;
  /** The admin API (`/api/*`, AWS_IAM) and its job function. */
  readonly admin: AdminApi;
  readonly functions: Record<FunctionKey, CrmSyncFunction>;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: CrmSyncProps) {
    super(scope, id);
    const { config } = props;

    // ── store ──
    this.table = new TableV2(this, 'Store', {
      partitionKey: { name: tableDesign.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: tableDesign.sortKey.name, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDesign.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: tableDesign.globalSecondaryIndexes.map((g) => ({
        indexName: g.indexName,
        partitionKey: { name: g.partitionKey.name, type: AttributeType.STRING },
        sortKey: { name: g.sortKey.name, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      })),
    });

    // ── queue ──
    this.deadLetterQueue = durableQueue(this, 'ChangesDlq');
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the changes queue; it is inspected and redriven, not redriven further.',
    });
    const processorTimeout = Duration.seconds(PROCESSOR_TIMEOUT_SECONDS);
    this.queue = durableQueue(this, 'Changes', {
      visibilityTimeout: Duration.seconds(CHANGES_VISIBILITY_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: CHANGES_MAX_RECEIVE_COUNT },
    });

    // ── secrets: CRM credentials apart from what the public intake needs ──
    this.credentials = props.credentials ?? createCrmSecret(this);
    this.intakeSecret = props.intakeSecret ?? createIntakeSecret(this);

    // ── functions ──
    const make = (
      key: FunctionKey,
      environment: Record<string, string>,
      extra: Partial<ConstructorParameters<typeof CrmSyncFunction>[2]> = {},
    ) =>
      new CrmSyncFunction(this, key[0]!.toUpperCase() + key.slice(1), {
        handlerFile: FUNCTIONS[key].file,
        configPath: props.configPath,
        tracing: props.tracing,
        logRetention: props.logRetention,
        bundle: props.bundle,
        ...extra,
        environment: { CRMSYNC_QUEUE_URL: this.queue.queueUrl, ...environment },
      });
    // Each function sees only the names it reads: intake never learns the CRM secret or the table.
    const intakeEnv = { CRMSYNC_INTAKE_SECRET_ARN: this.intakeSecret.secretArn };
    const crmEnv = {
      CRMSYNC_TABLE_NAME: this.table.tableName,
      CRMSYNC_SECRET_ARN: this.credentials.secretArn,
    };
    // Intake answers HubSpot within its 5 s timeout and Salesforce before it retries.
    const intake = { memorySize: 256, timeout: Duration.seconds(10) };
    this.functions = {
      hubspotWebhook: make('hubspotWebhook', intakeEnv, intake),
      salesforceOutbound: make('salesforceOutbound', intakeEnv, intake),
      salesforceCdc: make('salesforceCdc', {}, intake),
      processor: make('processor', crmEnv, { memorySize: 1024, timeout: processorTimeout }),
      resync: make('resync', crmEnv, { memorySize: 512, timeout: Duration.minutes(15) }),
      segmentRefresh: make('segmentRefresh', crmEnv, { memorySize: 512, timeout: Duration.minutes(5) }),
      poll: make('poll', crmEnv, { memorySize: 512, timeout: Duration.minutes(5) }),
      // Two listings (owners, users) of a few pages each: well under a minute.
      ownerRefresh: make('ownerRefresh', crmEnv, { memorySize: 256, timeout: Duration.minutes(2) }),
    };
    const f = this.functions;
    for (const fn of Object.values(f)) acknowledgeRuntime(fn);

    // ── least privilege (crmsync-permissions.ts; test/cdk pins each role's exact actions) ──
    for (const fn of [f.hubspotWebhook, f.salesforceOutbound, f.salesforceCdc]) grantSend(fn, this.queue);
    for (const fn of [f.hubspotWebhook, f.salesforceOutbound]) grantSecretValue(fn, this.intakeSecret);
    for (const fn of [f.processor, f.resync, f.segmentRefresh, f.poll, f.ownerRefresh]) {
      grantStore(fn, this.table);
      grantSecretValue(fn, this.credentials);
    }
    // Resync fan-out, segment joins and poll notices; the processor only consumes (its event source).
    for (const fn of [f.resync, f.segmentRefresh, f.poll]) grantSend(fn, this.queue);

    // The processor consumes the queue in batches. Why these numbers:
    // - batchSize (default 200) is one Salesforce sObject Collection and two HubSpot batch calls;
    // - a short batching window (default 2 s) fills batches under load without adding latency at rest;
    // - maxConcurrency 2 (the minimum SQS allows) caps crmsync at two batches in flight: about
    //   10 HubSpot calls per 10 s per batch stays far below HubSpot's 100–190 per 10 s burst limit and
    //   leaves room for the customer's other integrations; the rate limiter enforces the rest.
    f.processor.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: config.processing.batchSize,
        maxBatchingWindow: Duration.seconds(Math.max(1, config.processing.batchingWindowSeconds)),
        reportBatchItemFailures: true,
        maxConcurrency: PROCESSOR_MAX_CONCURRENCY,
      }),
    );

    // ── HTTP API for webhooks and outbound messages ──
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    this.api = new HttpApi(this, 'IntakeApi', {
      description: 'crmsync intake: HubSpot webhooks and Salesforce outbound messages',
    });
    this.api.addRoutes({
      path: '/webhooks/hubspot',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('HubSpotWebhook', f.hubspotWebhook),
    });
    // The outbound-message URL ends with the deployment's token: a call without one matches no
    // route (404 from API Gateway, no invocation); a wrong one is refused by the function (401).
    this.api.addRoutes({
      path: '/webhooks/salesforce/{token}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('SalesforceOutbound', f.salesforceOutbound),
    });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      // The route key, never the path: the path carries the outbound-message token.
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.integrationLatency',
      }),
    };
    // HubSpot sends at most 10 concurrent requests per account; this leaves headroom and stops floods.
    stage.defaultRouteSettings = { throttlingBurstLimit: 100, throttlingRateLimit: 50 };
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'HubSpot and Salesforce cannot send IAM or JWT credentials: the HubSpot function verifies the v3 HMAC signature on the raw body, the Salesforce function checks the per-deployment URL token (constant time) and the organization id.',
    });

    this.admin = new AdminApi(this, 'ControlPlane', { ...props, crmsync: this }); // /api/* with AWS_IAM

    // ── Salesforce Change Data Capture through Event Relay (second deploy, once the bus exists) ──
    let cdcDeadLetterQueue: Queue | undefined;
    if (props.eventRelayBusName) {
      const bus = EventBus.fromEventBusName(this, 'EventRelayBus', props.eventRelayBusName);
      const eventsDlq = durableQueue(this, 'CdcEventsDlq');
      cdcDeadLetterQueue = eventsDlq;
      Validations.of(eventsDlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is the dead-letter queue of the CDC rule target.',
      });
      new Rule(this, 'CdcRule', {
        eventBus: bus,
        description:
          'Salesforce Lead, Contact and Account change events from Event Relay to the CDC intake function',
        eventPattern: {
          source: [{ prefix: 'aws.partner/salesforce.com' }] as unknown as string[],
          // C8: account changes arrive by CDC like lead and contact changes.
          detailType: ['LeadChangeEvent', 'ContactChangeEvent', 'AccountChangeEvent'],
        },
        targets: [
          new LambdaFunction(f.salesforceCdc, {
            deadLetterQueue: eventsDlq,
            retryAttempts: 8,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
      // The rule's DLQ only catches failed deliveries; an invocation that fails (the changes queue
      // was unreachable) is retried by Lambda's async invoke and then parked in the same DLQ.
      f.salesforceCdc.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: new SendOnlyQueueDestination(eventsDlq),
      });
    }

    // ── schedules ──
    const schedules: Partial<Record<FunctionKey, Rule>> = {};
    const scheduled: [FunctionKey, string][] = [
      ['resync', config.schedules.resync],
      ['segmentRefresh', config.schedules.segmentRefresh],
      ['poll', config.schedules.poll],
      // O2, O3: the cached owner/user table; a miss between runs refreshes it too.
      ['ownerRefresh', config.schedules.ownerRefresh],
    ];
    for (const [key, expression] of scheduled) {
      // A failed run is not retried by Lambda's async invoke (its default is two more runs, so a
      // failing 15-minute resync would run three times): the next scheduled run is the retry, and
      // the function's Errors alarm says it failed. EventBridge's retry policy below covers only a
      // delivery that failed (Lambda throttled or unavailable), never an error of the function.
      f[key].configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });
      if (expression === 'off') continue;
      schedules[key] = new Rule(this, `${key}Schedule`, {
        description: `crmsync ${FUNCTIONS[key].file} schedule`,
        schedule: Schedule.expression(expression),
        targets: [new LambdaFunction(f[key], { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
      });
    }

    // ── alarms and dashboard (crmsync-alarms.ts) ──
    this.alarmTopic = addAlarms(this, {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      cdcDeadLetterQueue,
      api: this.api,
      processor: f.processor,
      failingFunctions: {
        Resync: f.resync,
        SegmentRefresh: f.segmentRefresh,
        Poll: f.poll,
        OwnerRefresh: f.ownerRefresh,
        SalesforceCdc: f.salesforceCdc,
      },
      schedules: Object.fromEntries(
        Object.entries(schedules).map(([key, rule]) => [key[0]!.toUpperCase() + key.slice(1), rule]),
      ),
      alarmEmail: props.alarmEmail,
    });

    // ── outputs: what to paste into HubSpot and Salesforce ──
    new CfnOutput(this, 'HubSpotWebhookUrl', {
      value: `${this.api.apiEndpoint}/webhooks/hubspot`,
      description: 'HubSpot app > Webhooks > Target URL',
    });
    new CfnOutput(this, 'SalesforceOutboundMessageUrl', {
      value: `${this.api.apiEndpoint}/webhooks/salesforce/{salesforceOutboundToken}`,
      description:
        'Salesforce outbound message Endpoint URL: replace {salesforceOutboundToken} with that key of the intake secret (README "Deploy to AWS")',
    });
    new CfnOutput(this, 'CredentialsSecretArn', {
      value: this.credentials.secretArn,
      description: 'Put the CRM credentials JSON here',
    });
    new CfnOutput(this, 'IntakeSecretArn', {
      value: this.intakeSecret.secretArn,
      description: 'Put hubspotClientSecret here; salesforceOutboundToken is generated',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }
}

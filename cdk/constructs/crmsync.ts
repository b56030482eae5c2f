import { type CfnResource, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHANGES_MAX_RECEIVE_COUNT,
  CHANGES_VISIBILITY_TIMEOUT_SECONDS,
  PROCESSOR_TIMEOUT_SECONDS,
} from '../../lib/aws/queue-settings.ts';
import { tableDesign } from '../../lib/aws/table-design.ts';
import type { CrmSyncConfig } from '../../lib/config.ts';
import { CrmSyncFunction } from './crmsync-function.ts';

export interface CrmSyncProps {
  /** The validated configuration (lib/config.ts). */
  config: CrmSyncConfig;
  /** Path of the config file it came from; bundled next to each handler. */
  configPath: string;
  /**
   * An existing Secrets Manager secret holding the CRM credentials as JSON
   * ({ hubspotAccessToken, hubspotClientSecret, salesforceInstanceUrl, salesforceAccessToken, … }).
   * When absent, an empty one is created: fill it in after the first deploy.
   */
  credentials?: ISecret;
  /**
   * The partner event bus Salesforce Event Relay delivers Change Data Capture events to
   * (`aws.partner/salesforce.com/<orgId>/<relayId>`). Without it no CDC rule is made and
   * changes arrive through outbound messages and the polling safety net only.
   */
  eventRelayBusName?: string;
  /** Email address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** Active X-Ray tracing on every function. Default off. */
  tracing?: boolean;
  logRetention?: RetentionDays;
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
} as const;
export type FunctionKey = keyof typeof FUNCTIONS;

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
    // 14 days (the SQS maximum) so that a weekend outage of a CRM, or of crmsync, loses nothing.
    const retentionPeriod = Duration.days(14);
    this.deadLetterQueue = new Queue(this, 'ChangesDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the changes queue; it is inspected and redriven, not redriven further.',
    });
    const processorTimeout = Duration.seconds(PROCESSOR_TIMEOUT_SECONDS);
    this.queue = new Queue(this, 'Changes', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
      visibilityTimeout: Duration.seconds(CHANGES_VISIBILITY_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: CHANGES_MAX_RECEIVE_COUNT },
    });

    // ── credentials ──
    this.credentials =
      props.credentials ??
      new Secret(this, 'Credentials', {
        description: 'crmsync CRM credentials (JSON). Fill in after deploy; see README "Deploy to AWS".',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({
            hubspotAccessToken: '',
            hubspotClientSecret: '',
            salesforceInstanceUrl: '',
            salesforceAccessToken: '',
          }),
          generateStringKey: 'unused',
        },
      });
    if (!props.credentials) {
      Validations.of(this.credentials).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Third-party CRM credentials are rotated in HubSpot and Salesforce, not by a Secrets Manager rotation Lambda.',
      });
    }

    // ── functions ──
    const common = {
      CRMSYNC_QUEUE_URL: this.queue.queueUrl,
      CRMSYNC_TABLE_NAME: this.table.tableName,
      CRMSYNC_SECRET_ARN: this.credentials.secretArn,
    };
    const make = (key: FunctionKey, extra: Partial<ConstructorParameters<typeof CrmSyncFunction>[2]> = {}) =>
      new CrmSyncFunction(this, key[0]!.toUpperCase() + key.slice(1), {
        handlerFile: FUNCTIONS[key].file,
        configPath: props.configPath,
        tracing: props.tracing,
        logRetention: props.logRetention,
        ...extra,
        environment: { ...common, ...extra.environment },
      });
    this.functions = {
      // Intake answers HubSpot within its 5 s timeout and Salesforce before it retries.
      hubspotWebhook: make('hubspotWebhook', { memorySize: 256, timeout: Duration.seconds(10) }),
      salesforceOutbound: make('salesforceOutbound', { memorySize: 256, timeout: Duration.seconds(10) }),
      salesforceCdc: make('salesforceCdc', { memorySize: 256, timeout: Duration.seconds(10) }),
      processor: make('processor', { memorySize: 1024, timeout: processorTimeout }),
      resync: make('resync', { memorySize: 512, timeout: Duration.minutes(15) }),
      segmentRefresh: make('segmentRefresh', { memorySize: 512, timeout: Duration.minutes(5) }),
      poll: make('poll', { memorySize: 512, timeout: Duration.minutes(5) }),
    };
    const f = this.functions;
    for (const fn of Object.values(f)) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'crmsync targets nodejs22.x, the runtime its code and dependencies are tested for; move with the project, not ahead of it.',
      });
    }

    // Least privilege: each function gets only what it calls.
    for (const fn of [f.hubspotWebhook, f.salesforceOutbound, f.salesforceCdc])
      this.queue.grantSendMessages(fn);
    this.credentials.grantRead(f.hubspotWebhook); // the webhook client secret
    for (const fn of [f.processor, f.resync, f.segmentRefresh, f.poll]) {
      this.table.grantReadWriteData(fn);
      this.credentials.grantRead(fn);
      this.queue.grantSendMessages(fn); // resync fan-out, segment joins, poll notices
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.table.node.defaultChild as CfnResource)}.Arn>/index/*]`,
        reason:
          "Queries on the store table's own secondary indexes (the decision feed and sync-error index); no other table.",
      });
    }

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
        maxConcurrency: 2,
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
    this.api.addRoutes({
      path: '/webhooks/salesforce',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('SalesforceOutbound', f.salesforceOutbound),
    });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
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
        'HubSpot and Salesforce cannot send IAM or JWT credentials: the HubSpot function verifies the v3 HMAC signature on the raw body, the Salesforce function checks the organization id.',
    });

    // ── Salesforce Change Data Capture through Event Relay ──
    if (props.eventRelayBusName) {
      const bus = EventBus.fromEventBusName(this, 'EventRelayBus', props.eventRelayBusName);
      const eventsDlq = new Queue(this, 'CdcEventsDlq', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod,
      });
      Validations.of(eventsDlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is the dead-letter queue of the CDC rule target.',
      });
      new Rule(this, 'CdcRule', {
        eventBus: bus,
        description: 'Salesforce Lead and Contact change events from Event Relay to the CDC intake function',
        eventPattern: {
          source: [{ prefix: 'aws.partner/salesforce.com' }] as unknown as string[],
          detailType: ['LeadChangeEvent', 'ContactChangeEvent'],
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
        onFailure: new SqsDestination(eventsDlq),
      });
    }

    // ── schedules ──
    const schedules: [FunctionKey, string][] = [
      ['resync', config.schedules.resync],
      ['segmentRefresh', config.schedules.segmentRefresh],
      ['poll', config.schedules.poll],
    ];
    for (const [key, expression] of schedules) {
      if (expression === 'off') continue;
      new Rule(this, `${key}Schedule`, {
        description: `crmsync ${FUNCTIONS[key].file} schedule`,
        schedule: Schedule.expression(expression),
        targets: [new LambdaFunction(f[key], { retryAttempts: 2 })],
      });
    }

    // ── alarms and dashboard ──
    this.alarmTopic = new Topic(this, 'Alarms', { enforceSSL: true, displayName: 'crmsync alarms' });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason: 'Alarm notifications carry no customer data (metric names and thresholds only).',
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const alarm = (id: string, metric: Metric | MathExpression, threshold: number, description: string) => {
      const a = new Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new SnsAction(this.alarmTopic));
      return a;
    };
    const dlqDepth = this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
    });
    alarm(
      'DlqNotEmpty',
      dlqDepth,
      0,
      'Notices are in the DLQ: inspect them and redrive (README "Dead-letter queue").',
    );
    alarm(
      'ProcessorErrors',
      f.processor.metricErrors({ period: Duration.minutes(5) }),
      0,
      'The processor failed invocations.',
    );
    alarm(
      'IntakeServerErrors',
      this.api.metricServerError({ period: Duration.minutes(5) }),
      0,
      'Intake answered 5xx: the CRMs will retry, check the logs.',
    );
    const budgetMetric = (crm: string) =>
      new Metric({
        namespace: 'crmsync',
        metricName: 'ApiBudgetUsedPercent',
        dimensionsMap: { service: 'crmsync', crm },
        statistic: 'Maximum',
        period: Duration.minutes(15),
      });
    for (const crm of ['hubspot', 'salesforce']) {
      alarm(
        `ApiBudget${crm}`,
        budgetMetric(crm),
        80,
        `crmsync used more than 80% of its daily ${crm} API share.`,
      );
    }
    new Dashboard(this, 'Dashboard', {
      dashboardName: `crmsync-${Stack.of(this).stackName}`.slice(0, 255),
      widgets: [
        [
          new GraphWidget({
            title: 'Queue depth',
            left: [this.queue.metricApproximateNumberOfMessagesVisible(), dlqDepth],
          }),
          new GraphWidget({
            title: 'Processor',
            left: [f.processor.metricInvocations(), f.processor.metricErrors()],
            right: [f.processor.metricDuration()],
          }),
        ],
        [
          new GraphWidget({
            title: 'Intake 4xx/5xx',
            left: [this.api.metricClientError(), this.api.metricServerError()],
          }),
          new GraphWidget({
            title: 'API budget used (%)',
            left: [budgetMetric('hubspot'), budgetMetric('salesforce')],
          }),
        ],
      ],
    });

    // ── outputs: what to paste into HubSpot and Salesforce ──
    new CfnOutput(this, 'HubSpotWebhookUrl', {
      value: `${this.api.apiEndpoint}/webhooks/hubspot`,
      description: 'HubSpot app > Webhooks > Target URL',
    });
    new CfnOutput(this, 'SalesforceOutboundMessageUrl', {
      value: `${this.api.apiEndpoint}/webhooks/salesforce`,
      description: 'Salesforce outbound message Endpoint URL',
    });
    new CfnOutput(this, 'CredentialsSecretArn', {
      value: this.credentials.secretArn,
      description: 'Put the CRM credentials JSON here',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }
}

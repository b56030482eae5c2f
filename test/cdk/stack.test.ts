import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BundleInfo, synthesizeStack } from '../../cdk/synthesize.ts';
import { API_BUDGET_METRIC } from '../../lib/observability/metric-catalogue.ts';
import { type Resource, TemplateReader } from './template.ts';

const configPath = fileURLToPath(new URL('../../crmsync.config.example.json', import.meta.url));
const BUS = 'aws.partner/salesforce.com/00D000000000062EAA/0YL000000000001';

let template: Template;
let bundles: BundleInfo[];
let resources: Record<string, Resource>;
let t: TemplateReader;
let stack: Stack;

describe('the CDK stack', () => {
  beforeAll(async () => {
    // Synthesis runs cdk-nag's AwsSolutions pack and throws on any unacknowledged finding.
    const synth = await synthesizeStack({ configPath, eventRelayBusName: BUS });
    template = synth.template;
    bundles = synth.bundles;
    stack = synth.stack;
    t = new TemplateReader(template);
    resources = t.resources;
  }, 420_000);

  it('is cdk-nag AwsSolutions clean (synthesis threw otherwise), and every acknowledgement carries a reason', () => {
    const acknowledgements = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(10);
    for (const [rule, reason] of acknowledgements) expect(reason.length, rule).toBeGreaterThan(30);
  });

  it('cdk-nag: an unacknowledged finding fails synthesis (the check above is real)', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'crmsync-nag-')) });
    new Queue(new Stack(app, 'Unsafe'), 'PlainQueue');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('the processor reports partial batch failures and consumes in tuned batches', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 200,
      MaximumBatchingWindowInSeconds: 2,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('the changes queue is encrypted, SSL-only, kept 14 days, and redrives to a DLQ after 5 receives', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const changes = Object.entries(queues).find(
      ([id]) => id.startsWith('CrmSyncChanges') && !id.includes('Dlq'),
    );
    expect(changes).toBeDefined();
    const props = changes![1].Properties as Record<string, unknown>;
    expect(props.SqsManagedSseEnabled).toBe(true);
    expect(props.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(props.RedrivePolicy).toMatchObject({
      maxReceiveCount: 5,
      deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/ChangesDlq/), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('the store is on-demand with point-in-time recovery, the feed index and a TTL attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
    });
  });

  it('schedules resync, segment refresh, polling and the owner refresh (O2, O3) from the config', () => {
    for (const expression of ['cron(0 3 * * ? *)', 'rate(5 minutes)', 'rate(15 minutes)', 'rate(1 hour)']) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expression,
        State: 'ENABLED',
      });
    }
  });

  it('C8: routes Event Relay Lead/Contact/Account change events to the CDC function with a DLQ and retries', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'aws.partner/salesforce.com/00D000000000062EAA/0YL000000000001',
      EventPattern: { 'detail-type': ['LeadChangeEvent', 'ContactChangeEvent', 'AccountChangeEvent'] },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdcEventsDlq'), 'Arn'] } },
      },
    });
  });

  it('runs every function on Node.js 22 on ARM64', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) =>
      String((f.Properties as { Handler?: string }).Handler).startsWith('index.'),
    );
    expect(fns).toHaveLength(10);
    for (const f of fns)
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  it('puts no secret in any environment variable', () => {
    for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
      const vars = ((fn.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment
        ?.Variables ?? {}) as Record<string, unknown>;
      for (const [name, value] of Object.entries(vars)) {
        expect(name, id).not.toMatch(/TOKEN|PASSWORD|CLIENT_SECRET|PRIVATE_KEY/i);
        if (name.endsWith('_SECRET_ARN'))
          expect(typeof value, 'the secret is referenced by ARN only').not.toBe('string');
        else if (typeof value === 'string')
          expect(value, `${id} ${name}`).not.toMatch(/pat-|Bearer|00D\w{12}!|-----BEGIN/);
      }
    }
  });

  it('outputs the webhook URLs to paste into HubSpot and Salesforce', () => {
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs.some((o) => o.includes('HubSpotWebhookUrl'))).toBe(true);
    expect(outputs.some((o) => o.includes('SalesforceOutboundMessageUrl'))).toBe(true);
  });

  it('alarms on a non-empty DLQ, processor errors, intake 5xx and API budget above 80%', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties as Record<string, unknown>,
    );
    expect(
      alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && a.Threshold === 0),
    ).toBe(true);
    expect(alarms.some((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda')).toBe(true);
    expect(alarms.some((a) => a.MetricName === '5xx')).toBe(true);
    expect(alarms.filter((a) => a.MetricName === 'ApiBudgetUsedPercent' && a.Threshold === 80)).toHaveLength(
      2,
    );
  });

  it('the API budget alarms watch exactly the metric the functions publish: namespace crmsync, dimension crm only', () => {
    const budget = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties as Record<string, unknown>)
      .filter((a) => a.MetricName === API_BUDGET_METRIC.name)
      .map((a) => ({ Namespace: a.Namespace, Dimensions: a.Dimensions, Statistic: a.Statistic }));
    // What lib/composition/sync.ts reportApiBudget publishes (test/unit/api-budget-metric.test.ts reads its EMF).
    expect(budget).toEqual(
      ['hubspot', 'salesforce'].map((crm) => ({
        Namespace: 'crmsync',
        Dimensions: [{ Name: 'crm', Value: crm }],
        Statistic: 'Maximum',
      })),
    );
  });

  it('keeps jsforce and the HubSpot client out of the intake bundles', () => {
    for (const b of bundles.filter((x) =>
      ['hubspot-webhook', 'salesforce-outbound', 'salesforce-cdc'].includes(x.function),
    )) {
      expect(b.packages, b.function).not.toContain('jsforce');
      expect(b.packages, b.function).not.toContain('@hubspot/api-client');
    }
    expect(bundles.find((b) => b.function === 'processor')?.packages).toContain('jsforce');
  });

  it('Secrets: the templates are pinned, so an upgrade never regenerates a filled-in secret', () => {
    const generated = (prefix: string) =>
      t
        .idsOf('AWS::SecretsManager::Secret', prefix)
        .map((id) => resources[id]!.Properties.GenerateSecretString as Record<string, unknown>);
    // Byte for byte: any change makes CloudFormation generate a new value, wiping the credentials.
    expect(generated('Credentials')).toEqual([
      {
        SecretStringTemplate:
          '{"hubspotAccessToken":"","hubspotClientSecret":"","salesforceInstanceUrl":"","salesforceAccessToken":""}',
        GenerateStringKey: 'unused',
      },
    ]);
    expect(generated('IntakeSecret')).toEqual([
      {
        SecretStringTemplate: '{"hubspotClientSecret":""}',
        GenerateStringKey: 'salesforceOutboundToken',
        ExcludePunctuation: true,
        IncludeSpace: false,
        PasswordLength: 48,
      },
    ]);
  });

  it('Secrets: the public intake functions can read only the intake secret, never the CRM credentials', () => {
    const [crm] = t.idsOf('AWS::SecretsManager::Secret', 'Credentials');
    const [intake] = t.idsOf('AWS::SecretsManager::Secret', 'IntakeSecret');
    for (const file of ['hubspot-webhook', 'salesforce-outbound']) {
      const readable = t.resourcesOf(file, 'secretsmanager:GetSecretValue');
      expect(readable, file).toContain(intake);
      expect(readable, file).not.toContain(crm);
    }
    expect(t.resourcesOf('salesforce-cdc', 'secretsmanager:GetSecretValue')).toBe('[]');
    for (const file of ['processor', 'resync', 'segment-refresh', 'poll']) {
      const readable = t.resourcesOf(file, 'secretsmanager:GetSecretValue');
      expect(readable, file).toContain(crm);
      expect(readable, file).not.toContain(intake);
    }
    // Nor do they learn where the CRM secret or the store are.
    for (const file of ['hubspot-webhook', 'salesforce-outbound', 'salesforce-cdc']) {
      const vars = Object.keys(
        (resources[t.functionId(file)]!.Properties.Environment as { Variables: object }).Variables,
      );
      expect(vars, file).not.toContain('CRMSYNC_SECRET_ARN');
      expect(vars, file).not.toContain('CRMSYNC_TABLE_NAME');
    }
  });

  it('every /api/* route has AWS_IAM authorization; the webhook routes stay public', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties as { RouteKey: string; AuthorizationType?: string },
    );
    const admin = routes.filter((r) => r.RouteKey.includes(' /api/'));
    expect(admin.map((r) => r.RouteKey)).toEqual(['ANY /api/{proxy+}']);
    for (const r of admin) expect(r.AuthorizationType, r.RouteKey).toBe('AWS_IAM');
    const webhooks = routes.filter((r) => r.RouteKey.includes(' /webhooks/'));
    expect(webhooks.length).toBeGreaterThanOrEqual(2);
    for (const r of webhooks) expect(r.AuthorizationType ?? 'NONE', r.RouteKey).toBe('NONE');
    expect(routes).toHaveLength(admin.length + webhooks.length);
  });

  it('the admin function invokes only the job function, which Lambda never retries (a retry would run a job twice)', () => {
    expect(t.resourcesOf('admin', 'lambda:InvokeFunction')).toBe(
      JSON.stringify([{ 'Fn::GetAtt': [t.functionId('job'), 'Arn'] }]),
    );
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: t.functionId('job') },
      MaximumRetryAttempts: 0,
    });
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs.some((o) => o.includes('AdminApiUrl'))).toBe(true);
  });

  it('least privilege: each function role has exactly the IAM actions it uses', () => {
    const store = [
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ];
    const secret = ['secretsmanager:GetSecretValue'];
    const send = ['sqs:SendMessage'];
    const consume = [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ];
    const expected: Record<string, string[]> = {
      'hubspot-webhook': [...secret, ...send],
      'salesforce-outbound': [...secret, ...send],
      'salesforce-cdc': send,
      processor: [...store, ...secret, ...consume],
      resync: [...store, ...secret, ...send],
      'segment-refresh': [...store, ...secret, ...send],
      poll: [...store, ...secret, ...send],
      // O2/O3: reads both CRMs' owners into the store; queues nothing.
      'owner-refresh': [...store, ...secret],
      // The admin API: store, CRM secret, sync now and redrive (send), queue depths, DLQ list and
      // redrive, and starting the job function.
      admin: [
        ...store,
        ...secret,
        ...send,
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'lambda:InvokeFunction',
      ],
      job: [...store, ...secret, ...send],
    };
    for (const [file, actions] of Object.entries(expected))
      expect(t.actionsOf(file), file).toEqual([...actions].sort());
  });

  it('least privilege: intake sends only to the changes queue (the CDC function also to its DLQ)', () => {
    const [changes] = t.idsOf('AWS::SQS::Queue', 'Changes').filter((id) => !id.includes('Dlq'));
    const [cdcDlq] = t.idsOf('AWS::SQS::Queue', 'CdcEventsDlq');
    for (const file of ['hubspot-webhook', 'salesforce-outbound']) {
      expect(t.resourcesOf(file, 'sqs:SendMessage'), file).toBe(
        JSON.stringify([{ 'Fn::GetAtt': [changes, 'Arn'] }]),
      );
    }
    expect(JSON.parse(t.resourcesOf('salesforce-cdc', 'sqs:SendMessage'))).toEqual([
      { 'Fn::GetAtt': [changes, 'Arn'] },
      { 'Fn::GetAtt': [cdcDlq, 'Arn'] },
    ]);
  });

  it('Authenticate every intake: the outbound-message route requires the token segment', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r.Properties as { RouteKey: string }).RouteKey,
    );
    // The third route is the admin API, behind AWS_IAM (see "every /api/* route has AWS_IAM authorization").
    expect(routes.sort()).toEqual([
      'ANY /api/{proxy+}',
      'POST /webhooks/hubspot',
      'POST /webhooks/salesforce/{token}',
    ]);
    const format = JSON.stringify(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(format, 'the access log must not record the path (it carries the token)').not.toMatch(
      /context\.path|rawPath/,
    );
  });

  it('retains every queue and DLQ, and the secrets, when the stack is deleted or they are replaced', () => {
    const kept = [
      ...t.idsOf('AWS::SQS::Queue', ''),
      ...t.idsOf('AWS::SecretsManager::Secret', ''),
      ...t.idsOf('AWS::DynamoDB::GlobalTable', ''),
    ];
    expect(kept).toHaveLength(3 + 2 + 1);
    for (const id of kept) {
      expect(resources[id]!.DeletionPolicy, id).toBe('Retain');
      expect(resources[id]!.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('alarms on the CDC DLQ, on errors of resync, segment-refresh, poll and salesforce-cdc, and on a schedule that failed to run', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties as { MetricName: string; Namespace: string; Dimensions?: { Value: unknown }[] },
    );
    const on = (metric: string, ref: string) =>
      alarms.some((a) => a.MetricName === metric && JSON.stringify(a.Dimensions).includes(ref));
    const [cdcDlq] = t.idsOf('AWS::SQS::Queue', 'CdcEventsDlq');
    expect(on('ApproximateNumberOfMessagesVisible', cdcDlq!)).toBe(true);
    for (const file of ['resync', 'segment-refresh', 'poll', 'owner-refresh', 'salesforce-cdc', 'processor'])
      expect(on('Errors', t.functionId(file)), file).toBe(true);
    for (const rule of ['resyncSchedule', 'segmentRefreshSchedule', 'pollSchedule', 'ownerRefreshSchedule'])
      expect(on('FailedInvocations', t.idsOf('AWS::Events::Rule', rule)[0]!), rule).toBe(true);
  });

  it('a failed scheduled run is not retried by Lambda (the next run is the retry); CDC keeps its retries', () => {
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map(
      (c) => c.Properties as { FunctionName: { Ref: string }; MaximumRetryAttempts: number },
    );
    const retriesOf = (file: string) =>
      configs.find((c) => c.FunctionName.Ref === t.functionId(file))?.MaximumRetryAttempts;
    for (const file of ['resync', 'segment-refresh', 'poll', 'owner-refresh'])
      expect(retriesOf(file), file).toBe(0);
    expect(retriesOf('salesforce-cdc')).toBe(2);
  });

  it('bundles keep class names, so a ConfigError is logged as ConfigError', () => {
    for (const b of bundles) expect(b.code, b.function).toContain('"ConfigError"');
  });
});

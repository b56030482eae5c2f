import { fileURLToPath } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BundleInfo, synthesizeStack } from '../../cdk/synthesize.ts';

const configPath = fileURLToPath(new URL('../../crmsync.config.example.json', import.meta.url));

type Resource = { Type: string; Properties: Record<string, unknown> };
let template: Template;
let bundles: BundleInfo[];
let resources: Record<string, Resource>;

/** The logical id of the function built from functions/<file>.ts. */
function functionId(file: string): string {
  const pascal = file.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
  const id = Object.keys(template.findResources('AWS::Lambda::Function')).find(
    (k) => k.startsWith(`CrmSync${pascal}`) && !k.includes('Logs'),
  );
  if (!id) throw new Error(`no function for ${file}`);
  return id;
}

/** Every IAM action granted to a function's role. */
function actionsOf(file: string): string[] {
  const fn = resources[functionId(file)]!;
  const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(resources).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleRef),
  );
  return policies.flatMap((p) =>
    ((p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement ?? []).flatMap(
      (s) => s.Action,
    ),
  );
}

describe('the CDK stack', () => {
  beforeAll(async () => {
    // Synthesis runs cdk-nag's AwsSolutions pack and throws on any unacknowledged finding.
    const synth = await synthesizeStack({
      configPath,
      eventRelayBusName: 'aws.partner/salesforce.com/00D000000000062EAA/0YL000000000001',
    });
    template = synth.template;
    bundles = synth.bundles;
    resources = template.toJSON().Resources as Record<string, Resource>;
  }, 180_000);

  it('is cdk-nag AwsSolutions clean, and every acknowledgement carries a reason', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/"reason":\s*""/);
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

  it('schedules resync, segment refresh and polling from the config', () => {
    for (const expression of ['cron(0 3 * * ? *)', 'rate(5 minutes)', 'rate(15 minutes)']) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expression,
        State: 'ENABLED',
      });
    }
  });

  it('routes Event Relay Lead/Contact change events to the CDC function with a DLQ and retries', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'aws.partner/salesforce.com/00D000000000062EAA/0YL000000000001',
      EventPattern: { 'detail-type': ['LeadChangeEvent', 'ContactChangeEvent'] },
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
    expect(fns).toHaveLength(7);
    for (const f of fns)
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  it('grants each function only what it uses', () => {
    const has = (file: string, prefix: string) => actionsOf(file).some((a) => a.startsWith(prefix));
    for (const intake of ['hubspot-webhook', 'salesforce-outbound', 'salesforce-cdc']) {
      expect(has(intake, 'sqs:SendMessage'), intake).toBe(true);
      expect(has(intake, 'dynamodb:'), intake).toBe(false);
      expect(has(intake, 'sqs:ReceiveMessage'), intake).toBe(false);
    }
    expect(has('hubspot-webhook', 'secretsmanager:GetSecretValue')).toBe(true);
    expect(has('salesforce-outbound', 'secretsmanager:')).toBe(false);
    expect(has('salesforce-cdc', 'secretsmanager:')).toBe(false);
    expect(has('processor', 'sqs:ReceiveMessage')).toBe(true);
    expect(has('processor', 'dynamodb:PutItem')).toBe(true);
    for (const scheduled of ['resync', 'segment-refresh', 'poll'])
      expect(has(scheduled, 'sqs:ReceiveMessage'), scheduled).toBe(false);
  });

  it('puts no secret in any environment variable', () => {
    for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
      const vars = ((fn.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment
        ?.Variables ?? {}) as Record<string, unknown>;
      for (const [name, value] of Object.entries(vars)) {
        expect(name, id).not.toMatch(/TOKEN|PASSWORD|CLIENT_SECRET|PRIVATE_KEY/i);
        if (name === 'CRMSYNC_SECRET_ARN')
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

  it('keeps jsforce and the HubSpot client out of the intake bundles', () => {
    for (const b of bundles.filter((x) =>
      ['hubspot-webhook', 'salesforce-outbound', 'salesforce-cdc'].includes(x.function),
    )) {
      expect(b.packages, b.function).not.toContain('jsforce');
      expect(b.packages, b.function).not.toContain('@hubspot/api-client');
    }
    expect(bundles.find((b) => b.function === 'processor')?.packages).toContain('jsforce');
  });
});

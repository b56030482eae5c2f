import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { API_BUDGET_METRIC, METRICS_NAMESPACE } from '../../lib/observability/metric-catalogue.ts';

/** What the alarms watch: every path where a failure would otherwise pass silently. */
export interface AlarmTargets {
  queue: Queue;
  deadLetterQueue: Queue;
  /** The CDC rule's DLQ, when Event Relay is wired. */
  cdcDeadLetterQueue?: Queue;
  api: HttpApi;
  processor: IFunction;
  /** Functions whose failed invocation nobody would see otherwise, by alarm id prefix. */
  failingFunctions: Record<string, IFunction>;
  /** The schedule rules, by alarm id prefix: a run EventBridge could not start is a failed run too. */
  schedules: Record<string, Rule>;
  alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The alarm topic, one alarm per silent failure path, and the dashboard. Created in the caller's
 * scope with the ids they always had, so an upgrade keeps the same resources (the dashboard has a
 * fixed name and must not be replaced).
 */
export function addAlarms(scope: Construct, t: AlarmTargets): Topic {
  const topic = new Topic(scope, 'Alarms', { enforceSSL: true, displayName: 'crmsync alarms' });
  Validations.of(topic).acknowledge({
    id: 'AwsSolutions-SNS2',
    reason: 'Alarm notifications carry no customer data (metric names and thresholds only).',
  });
  if (t.alarmEmail) topic.addSubscription(new EmailSubscription(t.alarmEmail));
  const alarm = (id: string, metric: IMetric, threshold: number, description: string) => {
    const a = new Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    a.addAlarmAction(new SnsAction(topic));
    return a;
  };

  const dlqDepth = t.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES });
  alarm(
    'DlqNotEmpty',
    dlqDepth,
    0,
    'Notices are in the DLQ: inspect them and redrive (README "Dead-letter queue").',
  );
  if (t.cdcDeadLetterQueue) {
    alarm(
      'CdcDlqNotEmpty',
      t.cdcDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES }),
      0,
      'Salesforce change events could not be delivered or queued: they are in the CDC DLQ (README "Dead-letter queue").',
    );
  }
  alarm(
    'ProcessorErrors',
    t.processor.metricErrors({ period: FIVE_MINUTES }),
    0,
    'The processor failed invocations.',
  );
  for (const [id, fn] of Object.entries(t.failingFunctions)) {
    alarm(`${id}Errors`, fn.metricErrors({ period: FIVE_MINUTES }), 0, `${id} failed: see its log group.`);
  }
  for (const [id, rule] of Object.entries(t.schedules)) {
    alarm(
      `${id}FailedInvocations`,
      new Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: { RuleName: rule.ruleName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      }),
      0,
      `The ${id} schedule could not start its function.`,
    );
  }
  alarm(
    'IntakeServerErrors',
    t.api.metricServerError({ period: FIVE_MINUTES }),
    0,
    'Intake answered 5xx: the CRMs will retry, check the logs.',
  );
  // Namespace, name and dimensions come from the definition the functions publish with
  // (lib/observability/metric-catalogue.ts): an alarm whose dimensions differ from the emitted ones
  // by a single key watches a metric that never exists, and never fires.
  const budgetMetric = (crm: string) =>
    new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: API_BUDGET_METRIC.name,
      dimensionsMap: { [API_BUDGET_METRIC.dimension]: crm },
      statistic: 'Maximum',
      period: Duration.minutes(15),
    });
  for (const crm of API_BUDGET_METRIC.crms) {
    alarm(
      `ApiBudget${crm}`,
      budgetMetric(crm),
      80,
      `crmsync used more than 80% of its daily ${crm} API share.`,
    );
  }

  new Dashboard(scope, 'Dashboard', {
    dashboardName: `crmsync-${Stack.of(scope).stackName}`.slice(0, 255),
    widgets: [
      [
        new GraphWidget({
          title: 'Queue depth',
          left: [t.queue.metricApproximateNumberOfMessagesVisible(), dlqDepth],
        }),
        new GraphWidget({
          title: 'Processor',
          left: [t.processor.metricInvocations(), t.processor.metricErrors()],
          right: [t.processor.metricDuration()],
        }),
      ],
      [
        new GraphWidget({
          title: 'Intake 4xx/5xx',
          left: [t.api.metricClientError(), t.api.metricServerError()],
        }),
        new GraphWidget({
          title: 'API budget used (%)',
          left: [budgetMetric('hubspot'), budgetMetric('salesforce')],
        }),
      ],
    ],
  });
  return topic;
}

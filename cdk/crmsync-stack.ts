import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { CrmSyncConfig } from '../lib/config.ts';
import { CrmSync } from './constructs/crmsync.ts';
import type { BundleOptions } from './constructs/crmsync-function.ts';

export interface CrmSyncStackProps extends StackProps {
  config: CrmSyncConfig;
  configPath: string;
  /** ARN of an existing credentials secret; a new one is created when absent. */
  credentialsSecretArn?: string;
  /** ARN of an existing intake secret; a new one (with a generated outbound-message token) when absent. */
  intakeSecretArn?: string;
  /** Leave out on the first deploy: the Event Relay bus exists only later (README "Deploy to AWS"). */
  eventRelayBusName?: string;
  bundle?: BundleOptions;
  alarmEmail?: string;
  tracing?: boolean;
}

/** The default stack: one `CrmSync` construct, settings from context and the config file. */
export class CrmSyncStack extends Stack {
  readonly crmsync: CrmSync;

  constructor(scope: Construct, id: string, props: CrmSyncStackProps) {
    super(scope, id, props);
    this.crmsync = new CrmSync(this, 'CrmSync', {
      config: props.config,
      configPath: props.configPath,
      credentials: props.credentialsSecretArn
        ? Secret.fromSecretCompleteArn(this, 'Credentials', props.credentialsSecretArn)
        : undefined,
      intakeSecret: props.intakeSecretArn
        ? Secret.fromSecretCompleteArn(this, 'IntakeSecretRef', props.intakeSecretArn)
        : undefined,
      eventRelayBusName: props.eventRelayBusName,
      bundle: props.bundle,
      alarmEmail: props.alarmEmail,
      tracing: props.tracing,
    });
    // Lambda's managed basic execution policy only allows writing the function's own logs.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes for each function.',
    });
  }
}

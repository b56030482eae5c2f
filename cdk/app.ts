import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type CrmSyncConfig, loadConfigFile } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { CrmSyncStack } from './crmsync-stack.ts';

/**
 * The default CDK app. Context (`-c key=value` or cdk.json):
 * - `config`: path of the config file (default crmsync.config.json, else the example);
 * - `stackName` (default CrmSync), `credentialsSecretArn`, `intakeSecretArn`, `alarmEmail`, `tracing`;
 * - `eventRelayBusName`: only once the Salesforce Event Relay exists (second deploy; README "Deploy to AWS");
 * - `sourceMaps`, `bundleMetafile` (`true` to put source maps / esbuild's metafile in the bundles; default off).
 */
const app = new App();
const ctx = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};
const configPath = resolve(
  ctx('config') ??
    (existsSync('crmsync.config.json') ? 'crmsync.config.json' : 'crmsync.config.example.json'),
);
let config: CrmSyncConfig;
try {
  config = await loadConfigFile(configPath);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
new CrmSyncStack(app, ctx('stackName') ?? 'CrmSync', {
  config,
  configPath,
  credentialsSecretArn: ctx('credentialsSecretArn'),
  intakeSecretArn: ctx('intakeSecretArn'),
  eventRelayBusName: ctx('eventRelayBusName'),
  alarmEmail: ctx('alarmEmail'),
  tracing: ctx('tracing') === 'true',
  bundle: { sourceMaps: ctx('sourceMaps') === 'true', metafile: ctx('bundleMetafile') === 'true' },
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

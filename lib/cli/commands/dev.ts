import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../../errors.ts';
import { hubspotOAuthSettings } from '../../hubspot/hubspot-oauth.ts';
import type { LiveCredentials } from '../../local/adapters.ts';
import { consoleLog } from '../../local/console-log.ts';
import { salesforceRefreshSettings } from '../../salesforce/salesforce-connection.ts';
import { DEFAULT_STACK_URL } from '../stack-client.ts';

/** `crmsync dev --help`: every option in DEV_OPTIONS, explained. */
export const HELP = `usage: crmsync dev [options]        (npm start)

Runs the whole sync on this machine: HubSpot and Salesforce sandboxes with demo data, a local
DynamoDB (persisted under .crmsync/) and SQS, the intake endpoints, the processor, the schedules
and the dashboard.

options:
  --port <n>          dashboard and endpoints port (default 3000)
  --hubspot-port <n>  HubSpot sandbox port (default 4101)
  --salesforce-port <n>  Salesforce sandbox port (default 4102)
  --config <file>     configuration (default crmsync.config.json, else the example)
  --data-dir <dir>    where the store persists (default .crmsync)
  --reset             forget the stored state (links, snapshots, settings) before starting
  --live              use the real HubSpot and Salesforce (credentials from the environment:
                      HUBSPOT_ACCESS_TOKEN (private app) or HUBSPOT_REFRESH_TOKEN + HUBSPOT_CLIENT_ID
                      + HUBSPOT_CLIENT_SECRET (OAuth app, token renewed itself);
                      SALESFORCE_INSTANCE_URL, and SALESFORCE_ACCESS_TOKEN
                      or SALESFORCE_REFRESH_TOKEN + SALESFORCE_CLIENT_ID [+ SALESFORCE_CLIENT_SECRET,
                      SALESFORCE_LOGIN_URL] to renew the session; optional HUBSPOT_CLIENT_SECRET);
                      changes are detected by polling
  --activity          simulated users edit a few synced records every few seconds (sandboxes only)
  --verbose           log every handler and processor line
  -h, --help          this help`;

/** Every option of `crmsync dev`; HELP and the README's `crmsync dev` options table list each one. */
export const DEV_OPTIONS = {
  port: { type: 'string', default: '3000' },
  'hubspot-port': { type: 'string', default: '4101' },
  'salesforce-port': { type: 'string', default: '4102' },
  config: { type: 'string' },
  'data-dir': { type: 'string', default: '.crmsync' },
  reset: { type: 'boolean', default: false },
  live: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  activity: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** `crmsync dev`: starts the local stack and runs until Ctrl-C. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: DEV_OPTIONS });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  // The AWS SDK warns on every start that it will want Node 22 next year; Node 20 is supported here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ports = [values.port, values['hubspot-port'], values['salesforce-port']].map(Number);
  const bad = ports.findIndex((p) => !Number.isInteger(p) || p < 0 || p > 65_535);
  if (bad >= 0) {
    console.error(
      `crmsync dev: ${['--port', '--hubspot-port', '--salesforce-port'][bad]} must be a port number`,
    );
    return 2;
  }
  const [port = 3000, hubspotPort, salesforcePort] = ports;
  const live = values.live ? liveCredentials(process.env) : undefined;
  const dataDir = values['data-dir'];
  if (values.reset) {
    await rm(resolve(dataDir, live ? 'live' : 'sandbox'), { recursive: true, force: true });
    console.log(`forgot the stored state under ${dataDir}/`);
  }

  const { startLocalStack } = await import('../../local/runtime.ts');
  const stack = await startLocalStack({
    port,
    sandboxPorts: { hubspot: hubspotPort, salesforce: salesforcePort },
    dataDir,
    configPath: values.config,
    live,
    activity: values.activity,
    log: consoleLog(values.verbose ? 'info' : 'warn'),
    say: (line) => console.log(line),
  });
  console.log(startBanner({ ...stack, dataDir, uptimeSeconds: process.uptime() }));

  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      console.log(`\n${signal}: stopping…`);
      resolveStop();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await stack.close();
  console.log(
    'stopped. The store, the queue and the sandboxes are kept; queued notices are processed on the next start.',
  );
  return 0;
}

/**
 * What `crmsync dev` prints once it is ready. The time is this Node process's uptime: it includes
 * loading the code, but not what ran before the process (npm, a busy machine's scheduling), so it says
 * so instead of claiming to be the time since the command was typed.
 */
export function startBanner(s: {
  mode: 'sandbox' | 'live';
  url: string;
  urls: { hubspot: string; salesforce: string };
  /** The outbound-message URL, token included (lib/local/outbound-token-file.ts). */
  salesforceOutboundUrl: string;
  firstRun: boolean;
  dataDir: string;
  uptimeSeconds: number;
}): string {
  const sandbox = s.mode === 'sandbox';
  return [
    '',
    `crmsync is running (${sandbox ? 'sandboxes' : 'live CRMs, polling for changes'}), ready ${s.uptimeSeconds.toFixed(1)} s after its process started`,
    `  dashboard    ${s.url}/`,
    `  HubSpot      ${s.urls.hubspot}${sandbox ? '   (sandbox; webhooks → /webhooks/hubspot)' : ''}`,
    `  Salesforce   ${s.urls.salesforce}${sandbox ? '   (sandbox; CDC → /events/salesforce)' : ''}`,
    `  outbound     ${s.salesforceOutboundUrl}   (Salesforce outbound messages; the last segment is this data dir's token)`,
    `  status       npx crmsync status${s.url === DEFAULT_STACK_URL ? '' : ` --url ${s.url}`}`,
    `  store        ${s.firstRun ? 'new' : 'resumed'} under ${s.dataDir}/`,
    '',
    'Press Ctrl-C to stop.',
  ].join('\n');
}

/** Live-mode credentials from the environment; names every missing variable at once. */
export function liveCredentials(env: Record<string, string | undefined>): LiveCredentials {
  const refresh = salesforceRefreshSettings(
    {
      refreshToken: env.SALESFORCE_REFRESH_TOKEN || undefined,
      clientId: env.SALESFORCE_CLIENT_ID || undefined,
      clientSecret: env.SALESFORCE_CLIENT_SECRET || undefined,
      loginUrl: env.SALESFORCE_LOGIN_URL || undefined,
    },
    { source: 'environment', clientIdName: 'SALESFORCE_CLIENT_ID', loginUrlName: 'SALESFORCE_LOGIN_URL' },
  );
  const hubspotOAuth = hubspotOAuthSettings(
    {
      refreshToken: env.HUBSPOT_REFRESH_TOKEN || undefined,
      clientId: env.HUBSPOT_CLIENT_ID || undefined,
      clientSecret: env.HUBSPOT_CLIENT_SECRET || undefined,
    },
    { source: 'environment', clientIdName: 'HUBSPOT_CLIENT_ID', clientSecretName: 'HUBSPOT_CLIENT_SECRET' },
  );
  // With a refresh token an access token is optional: the first call fetches one.
  const required = [
    ...(hubspotOAuth ? [] : ['HUBSPOT_ACCESS_TOKEN' as const]),
    'SALESFORCE_INSTANCE_URL' as const,
    ...(refresh ? [] : ['SALESFORCE_ACCESS_TOKEN' as const]),
  ];
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      'environment',
      missing.map((name) => ({
        path: name,
        value: undefined,
        message: 'not set (needed by --live)',
        fix:
          name === 'HUBSPOT_ACCESS_TOKEN'
            ? 'create a HubSpot private app with crm.objects.contacts.read/write and crm.lists.read/write scopes and export its token, or export HUBSPOT_REFRESH_TOKEN, HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET of an OAuth app'
            : name === 'SALESFORCE_INSTANCE_URL'
              ? 'export your org URL, e.g. https://yourdomain.my.salesforce.com'
              : 'export an access token (e.g. from `sf org display --target-org <alias>`), or SALESFORCE_REFRESH_TOKEN and SALESFORCE_CLIENT_ID of a connected app so the session renews itself',
      })),
    );
  }
  return {
    ...(env.HUBSPOT_ACCESS_TOKEN ? { hubspotAccessToken: env.HUBSPOT_ACCESS_TOKEN } : {}),
    ...(hubspotOAuth ? { hubspotOAuth } : {}),
    hubspotClientSecret: env.HUBSPOT_CLIENT_SECRET,
    salesforceInstanceUrl: env.SALESFORCE_INSTANCE_URL!,
    ...(env.SALESFORCE_ACCESS_TOKEN ? { salesforceAccessToken: env.SALESFORCE_ACCESS_TOKEN } : {}),
    ...(refresh ? { salesforceRefresh: refresh } : {}),
  };
}

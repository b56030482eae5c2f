import { parseArgs } from 'node:util';

const HELP = `usage: crmsync sandbox [options]

Runs the HubSpot and Salesforce sandboxes only (no sync), seeded with the demo data and the demo
segment, for trying the APIs with curl, @hubspot/api-client or jsforce.

options:
  --hubspot-port <n>     default 4101
  --salesforce-port <n>  default 4102
  --empty                no demo data
  --webhook-url <url>    where HubSpot webhooks go (default: none)
  --outbound-url <url>   where Salesforce outbound messages go (default: none)
  --cdc-url <url>        where Salesforce CDC events go (default: none)
  -h, --help             this help`;

/** `crmsync sandbox`: the two CRM sandboxes until Ctrl-C. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'hubspot-port': { type: 'string', default: '4101' },
      'salesforce-port': { type: 'string', default: '4102' },
      empty: { type: 'boolean', default: false },
      'webhook-url': { type: 'string' },
      'outbound-url': { type: 'string' },
      'cdc-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  // The AWS SDK warns on every start that it will want Node 22 next year; Node 20 is supported here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [
    { loadConfigFile },
    { buildPorts, SANDBOX_APP_TOKEN, SANDBOX_SALESFORCE_TOKEN },
    { seedDemo },
    { consoleLog },
    { startSandboxes },
  ] = await Promise.all([
    import('../../config.ts'),
    import('../../local/adapters.ts'),
    import('../../local/demo-data.ts'),
    import('../../local/console-log.ts'),
    import('../../local/sandboxes.ts'),
  ]);
  const example = await loadConfigFile(
    new URL('../../../crmsync.config.example.json', import.meta.url).pathname,
  );
  const sandboxes = await startSandboxes(example, {
    hubspot: Number(values['hubspot-port']),
    salesforce: Number(values['salesforce-port']),
  });
  const { hubspot, salesforce, config: local } = sandboxes;
  try {
    if (!values.empty) {
      const { hubspot: port } = await buildPorts({ config: local, log: consoleLog('warn') });
      const demo = await seedDemo({ hubspot, salesforce, hubspotPort: port, config: local });
      console.log(
        `demo data: ${demo.hubspotIds.length} HubSpot contacts, ${demo.leadIds.length + demo.salesforceOnlyLeadIds.length} leads, ${demo.contactIds.length} contacts; DYNAMIC list ${demo.segment.listId} "${demo.segment.name}"`,
      );
    }
    if (values['webhook-url']) hubspot.setWebhookUrl(values['webhook-url']);
    salesforce.configure({ outboundUrl: values['outbound-url'] ?? null, cdcUrl: values['cdc-url'] ?? null });
    console.log(
      [
        '',
        `HubSpot sandbox     ${hubspot.url}   (any bearer token; "${SANDBOX_APP_TOKEN}" acts as the crmsync app; portal ${hubspot.portalId}, app ${hubspot.appId})`,
        `Salesforce sandbox  ${salesforce.url}   (any bearer token, e.g. "${SANDBOX_SALESFORCE_TOKEN}"; org ${salesforce.orgId}; REST under /services/data/v64.0/)`,
        'Control APIs under /__sandbox/ on both (reset, seed, faults, counters).',
        '',
        'Press Ctrl-C to stop.',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  } finally {
    await sandboxes.close();
  }
  return 0;
}

import { startHubSpotSandbox } from './index.ts';

/**
 * Run the HubSpot sandbox on its own: `node bin/run-ts.js sandbox/hubspot/main.ts [port]`.
 * Seeds 200 demo contacts and the demo segment unless SANDBOX_EMPTY=1.
 */
const port = Number(process.argv[2] ?? process.env['HUBSPOT_SANDBOX_PORT'] ?? 4101);
const sandbox = await startHubSpotSandbox({
  port,
  ...(process.env['HUBSPOT_WEBHOOK_URL'] ? { webhookUrl: process.env['HUBSPOT_WEBHOOK_URL'] } : {}),
  ...(process.env['HUBSPOT_APP_TOKEN'] ? { appTokens: [process.env['HUBSPOT_APP_TOKEN']] } : {}),
});
const listId = process.env['SANDBOX_EMPTY'] === '1' ? undefined : sandbox.seedDemo(200);
console.log(`hubspot sandbox listening on ${sandbox.url}${listId ? ` (demo segment list ${listId})` : ''}`);
const stop = () => {
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

import { parseArgs } from 'node:util';
import type { RuntimeSettings } from '../../ports.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, STACK_COMMAND_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync companies on | off  [--url URL | --stack NAME] [--json]

Turns company ⇄ account sync on or off in the running stack (C1). The config's
companies.enabled is the default; this setting is stored and wins over it.
  on    companies and accounts sync on their next change, import or resync; nothing is
        back-filled by itself (run \`crmsync resync\` to sync them all now)
  off   no company or account is created, linked or written; contacts keep syncing
${TARGET_HELP}`;

/** `crmsync companies on|off`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: STACK_COMMAND_OPTIONS,
  });
  const [sub] = positionals;
  if (values.help || (sub !== 'on' && sub !== 'off') || positionals.length > 1) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const client = new StackClient(await resolveTarget(values));
  const { settings } = await client.post<{ settings: RuntimeSettings }>('/api/settings/companies', {
    enabled: sub === 'on',
  });
  if (values.json) console.log(JSON.stringify({ settings }));
  else if (settings.companiesEnabled)
    console.log(
      'Company sync is on (C1). Companies and accounts sync on their next change; nothing was back-filled. Run `crmsync resync` to sync them all now.',
    );
  else console.log('Company sync is off (C1): no company or account is created, linked or written.');
  return 0;
}

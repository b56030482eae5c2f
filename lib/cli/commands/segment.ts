import { parseArgs } from 'node:util';
import type { HubSpotList, RuntimeSettings } from '../../ports.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, STACK_COMMAND_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync segment list | set <listId> | clear  [--url URL | --stack NAME] [--json]

Chooses the inclusion segment, like HubSpot's "Limit syncs" setting:
  list          the active (DYNAMIC) contact lists you may choose; * marks the current one
  set <listId>  use that list (R1: it must be active); loads its members, syncs nobody (R4)
  clear         no segment: every contact is eligible (R2)
${TARGET_HELP}`;

/** `crmsync segment list|set|clear`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: STACK_COMMAND_OPTIONS,
  });
  const [sub, listId] = positionals;
  if (values.help || !sub || !['list', 'set', 'clear'].includes(sub) || (sub === 'set' && !listId)) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const client = new StackClient(await resolveTarget(values));
  if (sub === 'list') {
    const { lists, current } = await client.get<{ lists: HubSpotList[]; current: string | null }>(
      '/api/segments',
    );
    if (values.json) console.log(JSON.stringify({ lists, current }));
    else if (lists.length === 0)
      console.log('No active (DYNAMIC) contact lists. Create one in HubSpot, or in the dashboard.');
    else {
      for (const l of lists)
        console.log(
          `${l.listId === current ? '*' : ' '} ${l.listId.padStart(6)}  ${l.name}${l.size === undefined ? '' : `  (${l.size} members)`}`,
        );
      if (!current) console.log('\nNo segment is set: every contact syncs (R2).');
    }
    return 0;
  }
  const { settings } = await client.post<{ settings: RuntimeSettings }>('/api/segments/select', {
    listId: sub === 'set' ? listId : null,
  });
  if (values.json) console.log(JSON.stringify({ settings }));
  else if (settings.inclusionSegmentId)
    console.log(
      `Inclusion segment is now list ${settings.inclusionSegmentId}. Its members were loaded; nobody was synced (R4). Run \`crmsync resync\` to sync them all now.`,
    );
  else
    console.log(
      'No inclusion segment: every contact is eligible (R2). Nothing was synced; run `crmsync resync` to sync everyone now.',
    );
  return 0;
}

import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ResyncProgress } from '../../local/services.ts';
import { StackClient } from '../stack-client.ts';

const HELP = `usage: crmsync resync [--no-wait] [--url URL] [--json]

Resyncs the inclusion segment (R5): every current member (every contact with no segment) is
queued and synced in batches, within the API budget. Records already in sync cause no write.
Waits and shows progress unless --no-wait.`;

/** `crmsync resync`. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const client = new StackClient(values.url);
  let progress = await client.post<ResyncProgress>('/api/resync');
  const show = (p: ResyncProgress) => {
    if (values.json) console.log(JSON.stringify(p));
    else
      process.stdout.write(
        `\rresync: ${p.enqueued}/${p.total || '?'} queued, ${p.processed} processed${p.running ? '' : ', done'}   `,
      );
  };
  show(progress);
  while (!values['no-wait'] && progress.running) {
    await sleep(500);
    progress = (await client.get<{ resync: ResyncProgress }>('/api/status')).resync;
    show(progress);
  }
  if (!values.json) process.stdout.write('\n');
  if (progress.error) {
    console.error(`resync failed: ${progress.error}`);
    return 1;
  }
  return 0;
}

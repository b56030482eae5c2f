import { parseArgs } from 'node:util';
import type { DlqMessage } from '../../admin/services.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, STACK_COMMAND_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync dlq list [--max N] | redrive  [--url URL | --stack NAME] [--json]

The dead-letter queue: notices that failed five deliveries.
  list      shows them (they stay in the DLQ)
  redrive   moves every one back to the changes queue (the processor re-reads each record)
${TARGET_HELP}`;

/** `crmsync dlq list|redrive`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...STACK_COMMAND_OPTIONS,
      max: { type: 'string', default: '20' },
    },
  });
  const [sub] = positionals;
  if (values.help || (sub !== 'list' && sub !== 'redrive')) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const client = new StackClient(await resolveTarget(values));
  if (sub === 'redrive') {
    const { moved } = await client.post<{ moved: number }>('/api/dlq/redrive');
    console.log(
      values.json ? JSON.stringify({ moved }) : `moved ${moved} notice(s) back to the changes queue`,
    );
    return 0;
  }
  const { messages } = await client.get<{ messages: DlqMessage[] }>(
    `/api/dlq?max=${encodeURIComponent(values.max)}`,
  );
  if (values.json) console.log(JSON.stringify({ messages }));
  else if (messages.length === 0) console.log('The DLQ is empty.');
  else for (const m of messages) console.log(`${m.messageId}  received ${m.receiveCount}×  ${m.body}`);
  return 0;
}

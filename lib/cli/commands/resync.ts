import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ResyncProgress, StatusReport } from '../../local/services.ts';
import { progressLine } from '../progress-line.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, STACK_COMMAND_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync resync [--no-wait] [--url URL | --stack NAME] [--json]

Resyncs the inclusion segment (R5): every current member (every contact with no segment) is
queued and synced in batches, within the API budget. Records already in sync cause no write.
Follows the resync until the processor has finished every queued member, unless --no-wait (then
it returns once they are queued; \`crmsync status\` shows the rest).
${TARGET_HELP}`;

/** How often the CLI asks the stack how far the resync got. */
const POLL_MS = 500;
/**
 * Polls in a row that must find the queue empty, with members still unprocessed, before the CLI stops
 * following: such members went to the DLQ or were dropped, and waiting longer would wait forever.
 */
const DRAINED_POLLS = 4;

/** `crmsync resync`. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...STACK_COMMAND_OPTIONS,
      'no-wait': { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const client = new StackClient(await resolveTarget(values));
  const statusCommand = `crmsync status${values.stack ? ` --stack ${values.stack}` : values.url ? ` --url ${values.url}` : ''}`;
  // Answers once every member is queued (the stack's POST /api/resync waits for that, not for the processor).
  let progress = await client.post<ResyncProgress>('/api/resync');
  if (values['no-wait']) {
    if (values.json) console.log(JSON.stringify(progress));
    else
      console.log(
        `resync: ${progress.enqueued} of ${progress.total} members queued; follow with \`${statusCommand}\`.`,
      );
    return progress.error ? 1 : 0;
  }

  const line = progressLine();
  const show = (p: ResyncProgress) => {
    if (values.json) console.log(JSON.stringify(p));
    else line.show('resync', describe(p));
  };
  show(progress);
  let drained = 0;
  while (!progress.error && !finished(progress) && drained < DRAINED_POLLS) {
    await sleep(POLL_MS);
    const status = await client.get<Pick<StatusReport, 'resync' | 'queue'>>('/api/status');
    progress = status.resync;
    const idle = status.queue.visible === 0 && status.queue.inFlight === 0;
    drained = !progress.running && idle ? drained + 1 : 0;
    show(progress);
  }
  line.end();
  if (progress.error) {
    console.error(`resync failed: ${progress.error}`);
    return 1;
  }
  if (!finished(progress)) {
    console.error(
      `resync: the queue is empty but ${progress.enqueued - progress.processed} of ${progress.enqueued} members were not processed; \`${statusCommand}\` shows the errors and the DLQ.`,
    );
    return 1;
  }
  return 0;
}

/** Done: every member is queued and the processor has finished each of them. */
function finished(p: ResyncProgress): boolean {
  return !p.running && p.processed >= p.enqueued;
}

function describe(p: ResyncProgress): string {
  if (finished(p) && p.enqueued === 0) return 'resync: no member to sync, done';
  const processed = Math.min(p.processed, p.enqueued);
  const end = `${processed} processed${finished(p) ? ', done' : ''}`;
  // C8: with company sync on, the notices include every account and each company not linked yet.
  if (p.companies) {
    const { accounts, companies } = p.companies;
    const members = p.enqueued - accounts - companies;
    return `resync: ${p.enqueued} of ${p.total || '?'} queued (${members} members, ${accounts} accounts, ${companies} unlinked companies), ${end}`;
  }
  return `resync: ${p.enqueued} of ${p.total || '?'} members queued, ${end}`;
}

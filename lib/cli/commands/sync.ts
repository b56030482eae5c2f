import { parseArgs } from 'node:util';
import type { RecordTrace, SyncNowReceipt } from '../../admin/services.ts';
import type { Decision } from '../../ports.ts';
import { findRecord } from '../record-lookup.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, STACK_COMMAND_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync sync <email | HubSpot id | Salesforce id> [--no-wait] [--url URL | --stack NAME] [--json]

Syncs one record now: queues it through the normal path (segment gate, three-way merge, API
budget), then waits for the decision made for it and prints it (--no-wait: print the notice id).
${TARGET_HELP}`;

/** How long to wait for the processor's decision; a busy queue may take longer (then say how to look). */
const WAIT_MS = 60_000;
const POLL_MS = 1_000;

/** `crmsync sync <email|id>`: sync now, for one record. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...STACK_COMMAND_OPTIONS,
      'no-wait': { type: 'boolean', default: false },
    },
  });
  const [query] = positionals;
  if (values.help || !query) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const client = new StackClient(await resolveTarget(values));
  const record = await findRecord(client, query);
  if (record.objectType === 'company' || record.objectType === 'Account') {
    console.error(
      `crmsync sync: ${query} is a ${record.objectType === 'company' ? 'HubSpot company' : 'Salesforce Account'}; sync now covers contacts. A company or an account syncs on its next change, \`crmsync import salesforce --objects Account\` or \`crmsync resync\` (C8).`,
    );
    return 2;
  }
  const receipt = await client.post<SyncNowReceipt>(`/api/records/${record.side}/${record.id}/sync`);
  if (values['no-wait']) {
    console.log(
      values.json
        ? JSON.stringify(receipt)
        : `queued ${record.side} ${record.id}: notice ${receipt.noticeId}`,
    );
    return 0;
  }
  const decision = await waitForDecision(client, receipt);
  if (values.json) console.log(JSON.stringify({ ...receipt, decision: decision ?? null }));
  else if (decision)
    console.log(
      `${record.side} ${record.id}: ${decision.outcome}${decision.reason ? ` (${decision.reason})` : ''}`,
    );
  else
    console.log(
      `${record.side} ${record.id} is queued (notice ${receipt.noticeId}) but not decided within ${WAIT_MS / 1000} s: the queue is busy. \`crmsync record ${record.id}\` shows its decisions.`,
    );
  return decision?.outcome === 'error' ? 1 : 0;
}

/** Polls the record's trace for the decision that carries the notice's id. */
async function waitForDecision(client: StackClient, receipt: SyncNowReceipt): Promise<Decision | undefined> {
  const until = Date.now() + WAIT_MS;
  while (Date.now() < until) {
    const trace = await client.get<RecordTrace>(`/api/records/${receipt.side}/${receipt.id}`);
    const found = trace.decisions.find((d) => d.eventId === receipt.noticeId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return undefined;
}

import { parseArgs } from 'node:util';
import type { RecordTrace } from '../../admin/services.ts';
import { findRecord } from '../record-lookup.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync record <email | HubSpot id | Salesforce id> [--url URL | --stack NAME] [--json]

Why did this record (not) sync? Shows its link, segment membership, each mapped field on both
sides, and its latest decisions (the dashboard's record page).
${TARGET_HELP}`;

/** `crmsync record <email|id>`: a record's trace. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [query] = positionals;
  if (values.help || !query) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const client = new StackClient(await resolveTarget(values));
  const { side, id } = await findRecord(client, query);
  const trace = await client.get<RecordTrace>(`/api/records/${side}/${id}`);
  if (values.json) {
    console.log(JSON.stringify(trace, null, 2));
    return 0;
  }
  const lines = [
    `${side} ${id}  linked: ${trace.pair ? `${trace.pair.salesforceType} ${trace.pair.salesforceId}` : 'no'}  in segment: ${trace.inSegment === null ? 'no segment set' : trace.inSegment ? 'yes' : 'no'}`,
    '',
    ...(trace.fields ?? []).map(
      (f) =>
        `${f.inSync ? ' ' : '≠'} ${f.hubspot.padEnd(16)} ${String(f.hubspotValue ?? '—').padEnd(28)} ${f.salesforce.padEnd(12)} ${f.salesforceValue ?? '—'}  (${f.rule})`,
    ),
    '',
    ...trace.decisions
      .slice(0, 10)
      .map(
        (d) =>
          `${new Date(d.at).toISOString()}  ${d.outcome}${d.reason ? ` (${d.reason})` : ''}${d.eventId ? `  ${d.eventId}` : ''}`,
      ),
  ];
  console.log(lines.join('\n'));
  return 0;
}

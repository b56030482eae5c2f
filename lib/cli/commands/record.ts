import { parseArgs } from 'node:util';
import type { CompanyTrace } from '../../admin/company-records.ts';
import type { RecordTrace, TraceField } from '../../admin/services.ts';
import { findRecord } from '../record-lookup.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, STACK_COMMAND_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync record <email | HubSpot id | Salesforce id | company domain> [--company]
                      [--url URL | --stack NAME] [--json]

Why did this record (not) sync? Shows its link, segment membership, each mapped field on both
sides, and its latest decisions (the dashboard's record page). A Salesforce Account id (001…) or a
company's domain (example.com) shows the company ⇄ account link and its decisions with their rule
ids (C1–C9, O1–O5); a HubSpot id is a contact unless --company says it is a company.
${TARGET_HELP}`;

/** `crmsync record <email|id>`: a record's trace. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...STACK_COMMAND_OPTIONS,
      company: { type: 'boolean', default: false },
    },
  });
  const [query] = positionals;
  if (values.help || !query) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const client = new StackClient(await resolveTarget(values));
  // A company id goes straight to its trace: a contact may have the same id (the search prefers it).
  const found =
    values.company && /^\d{1,20}$/.test(query)
      ? { side: 'hubspot' as const, id: query, objectType: 'company' as const }
      : await findRecord(client, query, { company: values.company });
  if (found.objectType === 'company' || found.objectType === 'Account') {
    const object = found.objectType === 'company' ? 'company' : 'account';
    const trace = await client.get<CompanyTrace>(`/api/records/${object}/${found.id}`);
    console.log(values.json ? JSON.stringify(trace, null, 2) : renderCompanyTrace(trace));
    return 0;
  }
  const { side, id } = found;
  const trace = await client.get<RecordTrace>(`/api/records/${side}/${id}`);
  if (values.json) {
    console.log(JSON.stringify(trace, null, 2));
    return 0;
  }
  const lines = [
    `${side} ${id}  linked: ${trace.pair ? `${trace.pair.salesforceType} ${trace.pair.salesforceId}` : 'no'}  in segment: ${trace.inSegment === null ? 'no segment set' : trace.inSegment ? 'yes' : 'no'}`,
    '',
    ...fieldLines(trace.fields ?? []),
    '',
    ...decisionLines(trace.decisions),
  ];
  console.log(lines.join('\n'));
  return 0;
}

/** A company/account trace: the link, each mapped Account field on both sides, the decisions. */
function renderCompanyTrace(t: CompanyTrace): string {
  const link = t.pair
    ? `company ${t.pair.companyId} ⇄ account ${t.pair.accountId} (${t.pair.origin})`
    : `not linked`;
  return [
    `${t.object} ${t.id}  ${link}  company sync: ${t.companiesEnabled ? 'on' : 'off (C1)'}`,
    '',
    ...fieldLines(t.fields),
    '',
    ...decisionLines(t.decisions),
  ].join('\n');
}

function fieldLines(fields: TraceField[]): string[] {
  return fields.map(
    (f) =>
      `${f.inSync ? ' ' : '≠'} ${f.hubspot.padEnd(16)} ${String(f.hubspotValue ?? '—').padEnd(28)} ${f.salesforce.padEnd(12)} ${f.salesforceValue ?? '—'}  (${f.rule})`,
  );
}

/** The ten newest decisions (received entries included: they show what arrived). */
function decisionLines(decisions: RecordTrace['decisions']): string[] {
  return decisions
    .slice(0, 10)
    .map(
      (d) =>
        `${new Date(d.at).toISOString()}  ${d.outcome}${d.reason ? ` (${d.reason})` : ''}${d.eventId ? `  ${d.eventId}` : ''}`,
    );
}

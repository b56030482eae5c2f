import { parseArgs } from 'node:util';
import type { StatusReport } from '../../admin/services.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, STACK_COMMAND_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync status [--url http://127.0.0.1:3000 | --stack NAME] [--json]

Shows the sync health of a running local stack (crmsync dev / npm start): segment, counts,
errors by category, queue and DLQ depth, API usage against the budget, schedules, resync.
--json prints the whole report (the dashboard's /api/status) for scripts.
${TARGET_HELP}`;

/** `crmsync status`: reads the running stack's /api/status. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: STACK_COMMAND_OPTIONS,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const target = await resolveTarget(values);
  const base = target.label;
  let report: StatusReport;
  try {
    report = await new StackClient(target).get<StatusReport>('/api/status');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (values.json) console.log(JSON.stringify({ url: base, running: false, error: why }));
    else
      console.error(
        `crmsync status: no crmsync answers at ${base} (${why}). Start one with \`npm start\`, or pass --url or --stack.`,
      );
    return 1;
  }
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  console.log(renderStatus(report));
  return 0;
}

/** The human-readable status: one screen, most important first. */
export function renderStatus(s: StatusReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const ago = (ms: number | null) =>
    ms ? `${Math.max(0, Math.round((Date.now() - ms) / 1000))} s ago` : 'never';
  const st = s.stats;
  const skipped = Object.entries(st.skippedByReason).sort((a, b) => b[1] - a[1]);
  const lines = [
    `crmsync ${s.mode === 'live' ? '(live CRMs)' : '(sandboxes)'} at ${s.urls.dashboard}, up since ${new Date(s.startedAt).toISOString()}`,
    '',
    s.segment
      ? `segment     ${s.segment.name ?? `list ${s.segment.id}`} (${s.segment.processingType ?? '?'}), ${n(s.segment.members)} members, refreshed ${ago(s.segment.lastRefreshAt)}`
      : 'segment     none: every contact syncs (R2)',
    // An older stack's report has no `companies`: say nothing rather than "off".
    ...(s.companies
      ? [
          s.companies.enabled
            ? `companies   on: ${s.companies.links === null ? '?' : n(s.companies.links)} company/account links (C1)`
            : 'companies   off: no company or account syncs (C1; companies.enabled)',
        ]
      : []),
    `synced      ${n(st.decisions.synced)}   already in sync ${n(st.decisions.noop)}   linked ${n(st.decisions.linked)}   echoes suppressed ${n(st.echoesSuppressed)}`,
    `skipped     ${skipped.length ? skipped.map(([r, c]) => `${r} ${n(c)}`).join(', ') : 'none'}`,
    `errors      ${st.errorsByCategory.length ? st.errorsByCategory.map((e) => `${e.category} ${n(e.count)} (${e.records.slice(0, 3).join(', ')}${e.records.length > 3 ? ', …' : ''})`).join('; ') : 'none'}`,
    // Latency is measured on changes made in a CRM; resync and import notices are not changes.
    st.latency.samples === 0
      ? 'latency     no changes yet'
      : `latency     p50 ${st.latency.p50 ?? '—'} ms, p95 ${st.latency.p95 ?? '—'} ms over ${n(st.latency.samples)} change${st.latency.samples === 1 ? '' : 's'}`,
    `queue       ${n(s.queue.visible)} waiting, ${n(s.queue.inFlight)} in flight, ${n(s.queue.dlq)} in the DLQ${s.queue.dlq > 0 ? ' (redrive from the dashboard)' : ''}`,
    `API today   HubSpot ${n(s.apiUsage.hubspot.today)} / ${n(s.apiUsage.hubspot.budget)}, Salesforce ${n(s.apiUsage.salesforce.today)} / ${n(s.apiUsage.salesforce.budget)}`,
    `resync      ${s.resync.running ? `running: ${n(s.resync.enqueued)} of ${n(s.resync.total)} queued, ${n(s.resync.processed)} processed` : s.resync.startedAt ? `last: ${n(s.resync.enqueued)} queued, ${n(s.resync.processed)} processed${s.resync.error ? `, failed: ${s.resync.error}` : ''}` : 'not run since start'}`,
    `schedules   ${s.schedules.map((j) => `${j.name} ${j.expression}${j.lastError ? ` (last run failed: ${j.lastError})` : ''}`).join(', ')}`,
  ];
  return lines.join('\n');
}

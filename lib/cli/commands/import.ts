import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ImportCounts, ImportObjectProgress, ImportProgress } from '../../admin/import-tracker.ts';
import { progressLine } from '../progress-line.ts';
import { StackClient } from '../stack-client.ts';
import { resolveTarget, TARGET_HELP, STACK_COMMAND_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync import salesforce [--objects Contact,Lead[,Account]] [--url URL | --stack NAME] [--json]

Imports existing Salesforce leads/contacts into HubSpot (R7): each is matched to a HubSpot contact
by email or created with the email only; then those in the inclusion segment (all of them when no
segment is set) sync fully, and the others keep every other property empty. Contacts go first, so an
email shared by a Contact and a Lead links to the Contact (identity rule). Records imported by an
earlier run are skipped, so an interrupted import can simply be run again.
With company sync on (C1), --objects Account queues every Account not linked yet: it links to the
company its Contacts' HubSpot contacts share (C3) or creates one (C2). Import Contacts first.
Every object streams page by page with a checkpoint: an import stopped by a crash resumes after the
last page done, and a large object is read through one Bulk API 2.0 job.
${TARGET_HELP}`;

/** `crmsync import salesforce`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      objects: { type: 'string', default: 'Contact,Lead' },
      ...STACK_COMMAND_OPTIONS,
    },
  });
  if (values.help || positionals[0] !== 'salesforce') {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const objects = values.objects.split(',').map((o) => o.trim());
  const bad = objects.filter((o) => o !== 'Lead' && o !== 'Contact' && o !== 'Account');
  if (bad.length > 0 || objects.length === 0) {
    console.error(
      `crmsync import: --objects takes Lead, Contact and/or Account, comma-separated (got "${values.objects}")`,
    );
    return 2;
  }
  const client = new StackClient(await resolveTarget(values));
  let progress = await client.post<ImportProgress>('/api/import', { objects });
  const line = progressLine();
  // Objects are imported one after the other: each gets its own line, and once the next one starts,
  // the finished one's figures stay as they ended.
  let current = 0;
  const show = (p: ImportProgress) => {
    if (values.json) return console.log(JSON.stringify(p));
    current = Math.max(0, Math.min(current, p.objects.length - 1));
    for (; current < p.objects.length; current++) {
      const o = p.objects[current]!;
      // Nothing read yet is a start, not a figure: "0 read" would read as "there are none".
      const counts = `${o.object === 'Account' ? describeAccounts(o) : describe(o)}${describeReading(o)}`;
      if (o.done || o.read > 0) line.show(o.object, `import ${o.object}: ${counts}`);
    }
    current = p.objects.length - 1;
  };
  show(progress);
  while (progress.running) {
    await sleep(500);
    progress = await client.get<ImportProgress>('/api/import');
    show(progress);
  }
  line.end();
  if (!values.json && progress.objects.length > 1) console.log(`import, all objects: ${describe(progress)}`);
  if (progress.error) {
    console.error(`import failed: ${progress.error}`);
    return 1;
  }
  return 0;
}

/** Accounts are linked or get their company in the processor (C3, C2), after the import queued them. */
function describeAccounts(c: ImportCounts): string {
  return `${c.read} read, ${c.alreadyLinked} already linked, ${c.queued} queued to link or create their company`;
}

/** How the object is read when it is not plain SOQL pages: a Bulk API 2.0 job, or the fallback from one. */
function describeReading({ reading }: ImportObjectProgress): string {
  if (reading?.fellBack) return ` (Bulk API 2.0 job unavailable, read on by SOQL pages: ${reading.fellBack})`;
  if (reading?.via !== 'bulk') return '';
  const polls = reading.polls ? `, ${reading.polls} poll${reading.polls === 1 ? '' : 's'}` : '';
  return ` (via Bulk API 2.0 job ${reading.jobId ?? ''}: ${reading.state ?? 'created'}${polls})`;
}

function describe(c: ImportCounts): string {
  return `${c.read} read, ${c.created} created, ${c.linked} linked, ${c.alreadyLinked} already linked${c.relinked ? `, ${c.relinked} re-linked (contact deleted)` : ''}, ${c.queued} queued for sync${c.withoutEmail ? `, ${c.withoutEmail} without email` : ''}${c.errors ? `, ${c.errors} errors` : ''}`;
}

/**
 * Edit → visible-on-the-other-side latency and burst throughput through the whole local stack as
 * `npm start` runs it (sandboxes delivering webhooks / outbound messages / CDC on their own, the
 * intake, the local SQS, the SQS poller with the config's batch size 200 and 2 s batching window, the
 * processor, dynalite in memory). Everything is on 127.0.0.1 and stops by itself. Prints JSON:
 *   node bin/run-ts.js bench/sync-latency.ts [--contacts N] [--edits M] [--burst B] [--gap-ms G] [--variants raised,config]
 *
 * Per variant (crmsync's API budgets `raised` out of the way, or as `config`ured: HubSpot 100/10 s,
 * Salesforce 50/10 s; the HubSpot sandbox always enforces its default 190/10 s):
 *  1. seeds N HubSpot contacts and N Salesforce lead twins (same people) and links them with a resync;
 *  2. latency: M user edits in HubSpot, one every G ms (open loop), each timed until the lead's Title
 *     shows it (the Salesforce sandbox's record, polled in-process); then M edits of leads in
 *     Salesforce, each timed until HubSpot committed it (the `occurredAt` of crmsync's write as the
 *     HubSpot sandbox's webhook stream reports it: that sandbox has no in-process read);
 *  3. burst: B edits at once on each side; throughput is B / (last arrival − first edit), and the
 *     API calls the sandboxes counted meanwhile (until the stack is quiet) per synced record.
 */
import { performance } from 'node:perf_hooks';
import type { LocalStack } from '../lib/local/runtime.ts';
import {
  callsNow,
  callsSince,
  latencySummary,
  machine,
  progress,
  round,
  sleep,
  startBenchStack,
  tapHubSpotWebhooks,
  type WebhookTap,
  waitQuiet,
} from './bench-support.ts';

const BENCH = 'sync-latency';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
const EDITS = arg('edits', 30);
const BURST = arg('burst', 1000);
const GAP_MS = arg('gap-ms', 250);
const CONTACTS = Math.max(arg('contacts', BURST), BURST, EDITS);
const variantsArg = process.argv.indexOf('--variants');
const VARIANTS = (variantsArg >= 0 ? (process.argv[variantsArg + 1] ?? '') : 'raised,config')
  .split(',')
  .filter((v): v is 'raised' | 'config' => v === 'raised' || v === 'config');
/** A phase that has not finished in this long is reported incomplete (the bench never hangs). */
const PHASE_TIMEOUT_MS = 60_000;

// Hard stop: a bench that overran its budget is a finding, not a reason to hang the caller.
setTimeout(() => {
  progress(BENCH, 'gave up after 240 s');
  process.exit(2);
}, 240_000).unref();

interface Pairs {
  hubspotIds: string[];
  leadIds: string[];
}

/** Seeds twins in both sandboxes and links them through a resync processed in the background. */
async function linkPairs(stack: LocalStack, count: number): Promise<Pairs & { seconds: number }> {
  const hs = stack.hubspotSandbox!;
  const sf = stack.salesforceSandbox!;
  const hubspotIds = hs.seed({ contacts: count, seed: 7 });
  const { leadIds } = sf.seed({ leads: count, contacts: 0, seed: 7 });
  if (hubspotIds.length !== count || leadIds.length !== count)
    throw new Error(`seeded ${hubspotIds.length} contacts and ${leadIds.length} leads, wanted ${count}`);
  const t0 = performance.now();
  await stack.resync();
  if (!(await waitQuiet(stack, { timeoutMs: 90_000 })))
    throw new Error('linking resync did not finish in 90 s');
  const pairs = await stack.store.getPairsByHubSpotIds(hubspotIds);
  const wrong = hubspotIds.filter((id, i) => pairs.get(id)?.salesforceId !== leadIds[i]).length;
  if (wrong > 0) throw new Error(`${wrong} of ${count} seeded twins were not linked`);
  return { hubspotIds, leadIds, seconds: round((performance.now() - t0) / 1000, 2) };
}

type Direction = 'hubspot→salesforce' | 'salesforce→hubspot';

interface Pending {
  hubspotId: string;
  leadId: string;
  marker: string;
  t0: number;
}

/**
 * Watches for edits to arrive: Salesforce records by polling the sandbox in-process, HubSpot writes
 * through the webhook tap. `arrived` gets (pending, epoch ms of arrival).
 */
function watch(stack: LocalStack, tap: WebhookTap, direction: Direction) {
  const pending = new Map<string, Pending>();
  const latencies: number[] = [];
  let lastArrival = 0;
  let stopped = false;
  const arrive = (key: string, at: number) => {
    const p = pending.get(key);
    if (!p) return;
    pending.delete(key);
    latencies.push(at - p.t0);
    lastArrival = Math.max(lastArrival, at);
  };
  if (direction === 'salesforce→hubspot') {
    tap.onEvent = (e) => {
      const p = pending.get(e.objectId);
      if (p && e.propertyName === 'jobtitle' && e.propertyValue === p.marker)
        arrive(e.objectId, e.occurredAt);
    };
  } else {
    void (async () => {
      const sf = stack.salesforceSandbox!;
      while (!stopped) {
        const now = Date.now();
        for (const [key, p] of pending) if (sf.getRecord(p.leadId)?.['Title'] === p.marker) arrive(key, now);
        await sleep(pending.size > 100 ? 20 : 5);
      }
    })();
  }
  return {
    add(p: Pending) {
      pending.set(direction === 'salesforce→hubspot' ? p.hubspotId : p.leadId, p);
    },
    outstanding: () => pending.size,
    latencies,
    lastArrival: () => lastArrival,
    stop() {
      stopped = true;
      tap.onEvent = undefined;
    },
  };
}

async function edit(stack: LocalStack, direction: Direction, p: Pending): Promise<void> {
  if (direction === 'hubspot→salesforce')
    await stack.hubspotSandbox!.userUpdateContact(p.hubspotId, { jobtitle: p.marker });
  else await stack.salesforceSandbox!.userUpdate('Lead', p.leadId, { Title: p.marker });
}

async function untilArrived(w: ReturnType<typeof watch>): Promise<boolean> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  while (w.outstanding() > 0 && Date.now() < deadline) await sleep(10);
  return w.outstanding() === 0;
}

let markerSeq = 0;
const marker = (label: string) => `Bench ${label} ${++markerSeq}`;

/** M edits, one every GAP_MS, each timed separately. */
async function latencyRun(stack: LocalStack, tap: WebhookTap, pairs: Pairs, direction: Direction) {
  const w = watch(stack, tap, direction);
  for (let i = 0; i < EDITS; i++) {
    const p = {
      hubspotId: pairs.hubspotIds[i]!,
      leadId: pairs.leadIds[i]!,
      marker: marker('lat'),
      t0: Date.now(),
    };
    w.add(p);
    await edit(stack, direction, p);
    await sleep(GAP_MS);
  }
  const complete = await untilArrived(w);
  w.stop();
  await waitQuiet(stack, { timeoutMs: 30_000 });
  return {
    direction,
    edits: EDITS,
    editEveryMs: GAP_MS,
    arrived: w.latencies.length,
    complete,
    latencyMs: latencySummary(w.latencies),
  };
}

/** B edits at once; throughput until the last one is visible; API calls until the stack is quiet. */
async function burstRun(stack: LocalStack, tap: WebhookTap, pairs: Pairs, direction: Direction) {
  const before = callsNow(stack);
  const w = watch(stack, tap, direction);
  const t0 = Date.now();
  for (let i = 0; i < BURST; i++) {
    const p = { hubspotId: pairs.hubspotIds[i]!, leadId: pairs.leadIds[i]!, marker: marker('burst'), t0 };
    w.add(p);
    await edit(stack, direction, p);
  }
  const editsDoneMs = Date.now() - t0;
  const complete = await untilArrived(w);
  w.stop();
  const arrived = w.latencies.length;
  const seconds = (w.lastArrival() - t0) / 1000;
  const quiet = await waitQuiet(stack, { timeoutMs: 30_000 });
  const calls = callsSince(stack, before, arrived);
  // Where the rate limits would cap this flow: calls per second allowed / calls per edit, per limit.
  const hsPerEdit = (calls.hubspot.reads + calls.hubspot.writes + calls.hubspot.other) / Math.max(1, arrived);
  const sfPerEdit =
    (calls.salesforce.reads + calls.salesforce.writes + calls.salesforce.other) / Math.max(1, arrived);
  const ceiling = (perSecond: number, perEdit: number) =>
    perEdit > 0 ? Math.round(perSecond / perEdit) : null;
  const { budgets } = stack.config;
  return {
    direction,
    edits: BURST,
    arrived,
    complete,
    userEditsTookMs: editsDoneMs,
    secondsUntilAllArrived: round(seconds, 2),
    editsPerSecond: seconds > 0 ? round(arrived / seconds) : null,
    latencyMs: latencySummary(w.latencies),
    quietAfter: quiet,
    apiCalls: calls,
    rateLimitCeilingEditsPerSecond: {
      hubspotSandbox190Per10s: ceiling(19, hsPerEdit),
      crmsyncHubSpotBudget: ceiling(budgets.hubspot.maxRequestsPer10s / 10, hsPerEdit),
      crmsyncSalesforceBudget: ceiling(budgets.salesforce.maxRequestsPer10s / 10, sfPerEdit),
    },
  };
}

async function runVariant(budgets: 'raised' | 'config') {
  progress(BENCH, `variant ${budgets}: starting the local stack`);
  const stack = await startBenchStack({ budgets });
  let tap: WebhookTap | undefined;
  try {
    const pairs = await linkPairs(stack, CONTACTS);
    progress(BENCH, `linked ${CONTACTS} pairs in ${pairs.seconds} s`);
    tap = await tapHubSpotWebhooks(stack);
    const latency = [];
    for (const d of ['hubspot→salesforce', 'salesforce→hubspot'] as const) {
      progress(BENCH, `${budgets}: ${EDITS} edits ${d}, one every ${GAP_MS} ms`);
      latency.push(await latencyRun(stack, tap, pairs, d));
    }
    const burst = [];
    for (const d of ['hubspot→salesforce', 'salesforce→hubspot'] as const) {
      progress(BENCH, `${budgets}: burst of ${BURST} edits ${d}`);
      const r = await burstRun(stack, tap, pairs, d);
      progress(BENCH, `  ${r.arrived}/${BURST} in ${r.secondsUntilAllArrived} s (${r.editsPerSecond}/s)`);
      burst.push(r);
    }
    const status = await stack.status();
    return {
      budgets:
        budgets === 'raised'
          ? 'crmsync budgets raised (100,000/10 s); HubSpot sandbox still enforces 190/10 s'
          : `crmsync budgets from the config (HubSpot ${stack.config.budgets.hubspot.maxRequestsPer10s}/10 s, Salesforce ${stack.config.budgets.salesforce.maxRequestsPer10s}/10 s); HubSpot sandbox 190/10 s`,
      linkedPairs: CONTACTS,
      linkSeconds: pairs.seconds,
      latency,
      burst,
      processor: {
        processedMessages: status.stats.processedMessages,
        failedMessages: status.stats.failedMessages,
        dlq: status.queue.dlq,
        errors: status.stats.errorsByCategory.map((e) => ({ category: e.category, count: e.count })),
      },
    };
  } finally {
    await tap?.close();
    await stack.close();
  }
}

const startedAt = machine();
const variants: Record<string, Awaited<ReturnType<typeof runVariant>>> = {};
for (const v of VARIANTS) variants[v] = await runVariant(v);
console.log(
  JSON.stringify(
    {
      bench: BENCH,
      machineAtStart: startedAt,
      machineAtEnd: machine(),
      settings: {
        contacts: CONTACTS,
        edits: EDITS,
        editEveryMs: GAP_MS,
        burst: BURST,
        queue: { batchSize: 200, batchingWindowSeconds: 2 },
      },
      variants,
    },
    null,
    2,
  ),
);
// Handles from the stack's clients may linger; the result is printed, so end here.
process.exit(0);

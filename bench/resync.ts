/**
 * Resync (R5) of an inclusion segment of N members (default 2,000) through the whole local stack as
 * `npm start` runs it (notices queued in the local SQS, the SQS poller feeding the processor in batches of
 * 200, dynalite in memory, the config's API budgets unless `--raised`). Everything is on 127.0.0.1
 * and stops by itself. Prints JSON: wall time, notices/s, API calls by kind against the batch floor
 * (N/250 membership pages, N/100 HubSpot reads, N/200 Salesforce reads), peak RSS, heap growth and
 * the load average.
 *   node bin/run-ts.js bench/resync.ts [--members N] [--raised] [--concurrency N] [--first-only | --queue-only]
 *
 * `--queue-only` measures the resync's streaming step alone (reconcile the segment page by page and
 * queue its notices; nothing processes them): heap growth after a full GC (run with `--expose-gc`),
 * membership calls against N/250, store calls, peak RSS. The local SQS and dynalite run in worker
 * threads, so the heap measured is crmsync's and the sandboxes', not the queue's or the store's.
 *
 * Data: N HubSpot contacts in a DYNAMIC segment (lifecycle stage MQL or SQL) plus N/2 outside it;
 * Salesforce twins (same people, same values) for 90% of the members: 70% leads, 20% contacts. The
 * twins differ in one mapped field (HubSpot's Lead Status is empty, the lead's Status is set), and 10%
 * of the members have no twin. So the first resync links every twin by email, writes the lead status
 * to HubSpot and creates the missing Leads; the second resync finds everything in sync and must
 * write nothing.
 */
import { performance } from 'node:perf_hooks';
import type { LocalStack } from '../lib/local/runtime.ts';
import { selectSegment } from '../lib/sync/segment-choice.ts';
import {
  callsNow,
  callsSince,
  type CpuTimes,
  countSdkCalls,
  cpuTimes,
  machine,
  progress,
  queueDepth,
  round,
  type SdkCallCounter,
  type SdkCalls,
  sdkCallsSince,
  stackSyncDeps,
  startBenchStack,
  waitQuiet,
} from './bench-support.ts';

const BENCH = 'resync';
const i = process.argv.indexOf('--members');
const n = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
const MEMBERS = Number.isInteger(n) && n > 0 ? n : 2000;

const RAISED = process.argv.includes('--raised');
/** `--concurrency N`: processor invocations in flight at once (the local stack runs one by default). */
const c = process.argv.indexOf('--concurrency');
const CONCURRENCY = c >= 0 ? Number(process.argv[c + 1]) : undefined;
const FIRST_ONLY = process.argv.includes('--first-only');
/** Only the streaming step (segment refresh + queueing), the poller off: heap and calls at any size. */
const QUEUE_ONLY = process.argv.includes('--queue-only');
/** Bounded: about 60 s plus 40 ms per member (the 11 notices/s of old would not finish 20,000). */
const GIVE_UP_MS = 60_000 + MEMBERS * 40;
setTimeout(() => {
  progress(BENCH, `gave up after ${Math.round(GIVE_UP_MS / 1000)} s`);
  process.exit(2);
}, GIVE_UP_MS).unref();

const MB = 1024 * 1024;
/** Heap in use after a full collection when `--expose-gc` is on (else as it stands). */
function heapUsedMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return round(process.memoryUsage().heapUsed / MB, 1);
}

/** Membership reads the sandbox counted (join order, id order, batch read): HubSpot `other` calls. */
function membershipCalls(stack: LocalStack): number {
  const c = stack.hubspotSandbox!.counters();
  return Object.entries(c)
    .filter(([k]) => k.includes('/crm/v3/lists/'))
    .reduce((n, [, v]) => n + v, 0);
}

/** CPU ms per notice, and notices per CPU second of the main thread (the one the processor runs on). */
function cpuFigures(before: CpuTimes, after: CpuTimes, notices: number) {
  const processMs = after.processMs - before.processMs;
  const mainMs =
    after.mainThreadMs === null || before.mainThreadMs === null
      ? null
      : after.mainThreadMs - before.mainThreadMs;
  return {
    processMs: round(processMs, 0),
    mainThreadMs: mainMs === null ? null : round(mainMs, 0),
    processMsPerNotice: round(processMs / Math.max(1, notices), 2),
    mainThreadMsPerNotice: mainMs === null ? null : round(mainMs / Math.max(1, notices), 2),
    noticesPerMainThreadCpuSecond: mainMs ? round((notices * 1000) / mainMs) : null,
  };
}

/** Store (DynamoDB) and queue (SQS) calls by command, the total and per notice: exact, load-independent. */
function sdkCost(calls: SdkCalls, notices: number) {
  const total = Object.values(calls).reduce((n, c) => n + c.calls, 0);
  return { byCommand: calls, total, perNotice: round(total / Math.max(1, notices), 3) };
}

/**
 * Records each side must be written, for the write floor: one HubSpot batch update per 100, one
 * Salesforce Collections create per 200.
 */
interface ExpectedWrites {
  hubspotUpdates: number;
  salesforceCreates: number;
}

/**
 * The batch floor by kind and in all: one membership page per 250 members; per notice processed one
 * HubSpot batch read per 100 and one SOQL per 200; the writes per record written (ExpectedWrites).
 */
function floorOf(o: {
  calls: ReturnType<typeof callsSince>;
  lists: number;
  members: number;
  processed: number;
  expected: ExpectedWrites;
}) {
  const { calls } = o;
  const kinds = {
    membershipPages: { calls: o.lists, floor: Math.ceil(o.members / 250) },
    hubspotReads: { calls: calls.hubspot.reads, floor: Math.ceil(o.processed / 100) },
    salesforceReads: { calls: calls.salesforce.reads, floor: Math.ceil(o.processed / 200) },
    hubspotWrites: { calls: calls.hubspot.writes, floor: Math.ceil(o.expected.hubspotUpdates / 100) },
    salesforceWrites: {
      calls: calls.salesforce.writes,
      floor: Math.ceil(o.expected.salesforceCreates / 200),
    },
  };
  const floor = Object.values(kinds).reduce((sum, k) => sum + k.floor, 0);
  return {
    ...kinds,
    total: {
      calls: calls.total,
      floor,
      overFloorPercent: round((100 * (calls.total - floor)) / Math.max(1, floor), 1),
    },
  };
}

/** Runs one resync and waits until the processor has finished its notices and the stack is quiet. */
async function resyncOnce(
  stack: LocalStack,
  label: string,
  sdk: { store: SdkCallCounter; queue: SdkCallCounter },
  expected: ExpectedWrites,
) {
  const before = callsNow(stack);
  const storeBefore = sdk.store.snapshot();
  const queueBefore = sdk.queue.snapshot();
  const listsBefore = membershipCalls(stack);
  const statsBefore = (await stack.status()).stats;
  const heapBefore = heapUsedMb();
  const cpuBefore = cpuTimes();
  const t0 = performance.now();
  const queued = await stack.resync();
  const queuedSeconds = (performance.now() - t0) / 1000;
  const heapAfterQueueing = heapUsedMb();
  const quiet = await waitQuiet(stack, { timeoutMs: GIVE_UP_MS, everyMs: 200 });
  // waitQuiet needs 3 idle looks 200 ms apart after the last call: take them off the wall time.
  const wallSeconds = Math.max(queuedSeconds, (performance.now() - t0) / 1000 - 0.6);
  const cpuAfter = cpuTimes();
  const status = await stack.status();
  const calls = callsSince(stack, before, queued.enqueued);
  const storeCalls = sdkCallsSince(storeBefore, sdk.store.snapshot());
  const queueCalls = sdkCallsSince(queueBefore, sdk.queue.snapshot());
  // The bench's own waits (waitQuiet) ask the queue's attributes: not the stack's cost.
  delete queueCalls['GetQueueAttributes'];
  const lists = membershipCalls(stack) - listsBefore;
  // Decisions recorded during this resync, by outcome (synced, created, unchanged, ...).
  const decisions: Record<string, number> = {};
  for (const [k, v] of Object.entries(status.stats.decisions)) {
    const d = v - (statsBefore.decisions[k as keyof typeof statsBefore.decisions] ?? 0);
    if (d !== 0) decisions[k] = d;
  }
  progress(
    BENCH,
    `${label}: ${queued.enqueued} notices in ${round(wallSeconds, 2)} s (${round(queued.enqueued / wallSeconds)}/s), ${calls.total} API calls`,
  );
  const n = queued.enqueued;
  // Notices the processor read: the members plus the created Leads' echo notices (each read once).
  const processed = decisions['received'] ?? n;
  return {
    resync: label,
    notices: n,
    noticesProcessed: processed,
    processed: status.resync.processed,
    complete: quiet && status.resync.error === null,
    queuedInSeconds: round(queuedSeconds, 2),
    wallSeconds: round(wallSeconds, 2),
    noticesPerSecond: round(n / wallSeconds),
    decisions,
    // CPU time (load-independent, unlike wall time) and the rate one free core would sustain.
    cpu: cpuFigures(cpuBefore, cpuAfter, n),
    apiCalls: {
      hubspot: calls.hubspot,
      salesforce: calls.salesforce,
      total: calls.total,
      perNotice: round(calls.total / Math.max(1, n), 4),
    },
    againstFloor: floorOf({ calls, lists, members: n, processed, expected }),
    heapMb: {
      before: heapBefore,
      afterQueueing: heapAfterQueueing,
      growthWhileQueueing: round(heapAfterQueueing - heapBefore, 1),
    },
    writes: calls.hubspot.writes + calls.salesforce.writes,
    // Everything the stack asked of its store and its queue during the run.
    storeCalls: sdkCost(storeCalls, n),
    queueCalls: sdkCost(queueCalls, n),
    dlq: status.queue.dlq,
  };
}

/** The resync's streaming step alone: the notices stay queued (the poller is off). */
async function queueOnce(stack: LocalStack, sdk: { store: SdkCallCounter; queue: SdkCallCounter }) {
  const before = callsNow(stack);
  const listsBefore = membershipCalls(stack);
  const storeBefore = sdk.store.snapshot();
  const queueBefore = sdk.queue.snapshot();
  const heapBefore = heapUsedMb();
  const cpuBefore = cpuTimes();
  const t0 = performance.now();
  const queued = await stack.resync();
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = cpuTimes();
  const heapAfter = heapUsedMb();
  const n = queued.enqueued;
  const calls = callsSince(stack, before, n);
  const depth = await queueDepth(stack);
  progress(BENCH, `queued ${n} notices in ${round(seconds, 1)} s; heap ${heapBefore} → ${heapAfter} MB`);
  return {
    step: 'segment reconciliation + queueing (no processing)',
    notices: n,
    onQueue: depth.visible,
    seconds: round(seconds, 1),
    noticesPerSecond: round(n / seconds),
    cpu: cpuFigures(cpuBefore, cpuAfter, n),
    apiCalls: { hubspot: calls.hubspot, salesforce: calls.salesforce, total: calls.total },
    againstFloor: {
      membershipPages: { calls: membershipCalls(stack) - listsBefore, floor: Math.ceil(n / 250) },
    },
    heapMb: { before: heapBefore, after: heapAfter, growth: round(heapAfter - heapBefore, 1) },
    storeCalls: sdkCost(sdkCallsSince(storeBefore, sdk.store.snapshot()), n),
    queueCalls: sdkCost(sdkCallsSince(queueBefore, sdk.queue.snapshot()), n),
  };
}

/** Linked members, read 1,000 ids at a time (the store reads 100 per call). */
async function countLinked(stack: LocalStack, ids: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 1000)
    n += (await stack.store.getPairsByHubSpotIds(ids.slice(i, i + 1000))).size;
  return n;
}

const atStart = machine();
progress(BENCH, 'starting the local stack');
const stack = await startBenchStack({
  budgets: RAISED ? 'raised' : 'config',
  processing: !QUEUE_ONLY,
  ...(CONCURRENCY ? { maxConcurrency: CONCURRENCY } : {}),
});
try {
  const hs = stack.hubspotSandbox!;
  const sf = stack.salesforceSandbox!;
  const seedStart = performance.now();
  const members = hs.seed({ contacts: MEMBERS, seed: 21, segmentRate: 1 });
  // Queueing needs no twins, and a few contacts outside the segment are enough to filter out.
  const outside = hs.seed({
    contacts: QUEUE_ONLY ? Math.min(10_000, Math.floor(MEMBERS / 2)) : Math.floor(MEMBERS / 2),
    seed: 22,
    segmentRate: 0,
  });
  const leads = QUEUE_ONLY ? 0 : Math.floor(MEMBERS * 0.7);
  const contacts = QUEUE_ONLY ? 0 : Math.floor(MEMBERS * 0.2);
  const twins = sf.seed({ leads, contacts, seed: 21 });
  progress(BENCH, `seeded in ${round((performance.now() - seedStart) / 1000, 1)} s`);
  const deps = stackSyncDeps(stack);
  const list = await stack.hubspot.createDynamicList('Bench: sales-ready', {
    property: 'lifecyclestage',
    operator: 'IS_ANY_OF',
    values: ['marketingqualifiedlead', 'salesqualifiedlead'],
  });
  const loaded = await selectSegment(deps, list.listId);
  const memberCount = await stack.store.countMembers(list.listId);
  if (memberCount !== members.length)
    throw new Error(`the segment holds ${memberCount} members, seeded ${members.length}`);
  progress(BENCH, `segment ${list.listId}: ${memberCount} members (+${outside.length} contacts outside it)`);
  if (!QUEUE_ONLY && !(await waitQuiet(stack, { timeoutMs: 30_000 })))
    throw new Error('the stack did not settle after seeding');

  const sdk = { store: countSdkCalls(stack.dynamo), queue: countSdkCalls(stack.sqs.client) };
  if (QUEUE_ONLY) {
    const step = await queueOnce(stack, sdk);
    console.log(
      JSON.stringify(
        {
          bench: BENCH,
          mode: 'queue-only',
          machineAtStart: atStart,
          machineAtEnd: machine(),
          data: { segmentMembers: memberCount, contactsOutsideSegment: outside.length, segmentLoad: loaded },
          budgets: stack.config.budgets,
          step,
          peakRssMb: round(process.resourceUsage().maxRSS / 1024, 0),
        },
        null,
        2,
      ),
    );
    await stack.close();
    process.exit(0);
  }
  const withoutTwin = members.length - twins.leadIds.length - twins.contactIds.length;
  // HubSpot updates: the lead status of every lead twin, and of every Lead crmsync creates — Salesforce
  // gives a new Lead its default Status, which its echo notice then brings to HubSpot.
  const first = await resyncOnce(
    stack,
    'first (links twins, writes lead status, creates missing Leads)',
    sdk,
    { hubspotUpdates: twins.leadIds.length + withoutTwin, salesforceCreates: withoutTwin },
  );
  const linked = await countLinked(stack, members);
  const second = FIRST_ONLY
    ? undefined
    : await resyncOnce(stack, 'second (everything in sync)', sdk, {
        hubspotUpdates: 0,
        salesforceCreates: 0,
      });
  console.log(
    JSON.stringify(
      {
        bench: BENCH,
        machineAtStart: atStart,
        machineAtEnd: machine(),
        data: {
          segmentMembers: memberCount,
          contactsOutsideSegment: outside.length,
          salesforceTwins: { leads: twins.leadIds.length, contacts: twins.contactIds.length },
          membersWithoutTwin: withoutTwin,
          segmentLoad: { members: memberCount, refresh: loaded },
        },
        settings: {
          queue: {
            batchSize: stack.config.processing.batchSize,
            batchingWindowSeconds: stack.config.processing.batchingWindowSeconds,
            maxConcurrency: CONCURRENCY ?? 1,
          },
          budgets: stack.config.budgets,
        },
        runs: second ? [first, second] : [first],
        linkedAfterFirst: linked,
        secondResyncWrites: second?.writes ?? null,
        peakRssMb: round(process.resourceUsage().maxRSS / 1024, 0),
      },
      null,
      2,
    ),
  );
} finally {
  await stack.close();
}
process.exit(0);

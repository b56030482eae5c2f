/**
 * Helpers shared by the benches that run the whole local stack (`sync-latency`, `resync`): machine
 * facts, percentiles, bounded waits, API-call deltas from the sandboxes' counters, and a tap on the
 * HubSpot sandbox's webhook stream (the HubSpot sandbox has no in-process record read; its webhook
 * events carry `occurredAt`, the commit time of the change, which is what "visible in HubSpot" means).
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import type { ConfigInput, CrmSyncConfig } from '../lib/config.ts';
import { silentLog } from '../lib/observability/observability.ts';
import { type LocalStack, startLocalStack } from '../lib/local/runtime.ts';
import type { SyncDeps } from '../lib/sync/sync-deps.ts';
import { signV3 } from '../sandbox/hubspot/index.ts';
import { type ApiCalls, apiCalls, diffCalls } from '../test/support/api-calls.ts';
import { testConfig } from '../test/support/test-config.ts';

export type { ApiCalls } from '../test/support/api-calls.ts';

/** Node version, core count and load averages, rounded: every figure is reported with them. */
export function machine(): { node: string; cpus: number; cpuModel: string; loadavg: number[] } {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** A progress line for the person running the bench (stderr: stdout carries only the JSON). */
export function progress(bench: string, line: string): void {
  process.stderr.write(`[${bench}] ${line}\n`);
}

/** Nearest-rank percentile of an ascending array, rounded to 0.1 ms. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[i] ?? 0) * 10) / 10;
}

/** p50/p90/p99/max of latencies in ms. */
export function latencySummary(latencies: number[]): {
  samples: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
} {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: percentile(sorted, 100),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it is true or `timeoutMs` passed; returns whether it became true. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  { timeoutMs, everyMs = 25 }: { timeoutMs: number; everyMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** Both sandboxes' API counters now, split into reads and writes. */
export function callsNow(stack: LocalStack): ApiCalls {
  const hs = stack.hubspotSandbox;
  const sf = stack.salesforceSandbox;
  if (!hs || !sf) throw new Error('the bench needs the sandbox mode of the local stack');
  return apiCalls({ hubspot: () => hs.counters(), salesforce: () => sf.counters() });
}

/** API calls made since `before`, with totals and calls per synced record. */
export function callsSince(
  stack: LocalStack,
  before: ApiCalls,
  synced: number,
): ApiCalls & { total: number; perSyncedRecord: number | null } {
  const d = diffCalls(before, callsNow(stack));
  const total =
    d.hubspot.reads +
    d.hubspot.writes +
    d.hubspot.other +
    d.salesforce.reads +
    d.salesforce.writes +
    d.salesforce.other;
  return { ...d, total, perSyncedRecord: synced > 0 ? Math.round((total / synced) * 1000) / 1000 : null };
}

/** The changes queue's depth from SQS attributes (one GetQueueAttributes call, no store read). */
export async function queueDepth(stack: LocalStack): Promise<{ visible: number; inFlight: number }> {
  const res = await stack.sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.sqs.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(res.Attributes?.['ApproximateNumberOfMessages'] ?? 0),
    inFlight: Number(res.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0),
  };
}

/**
 * Waits until the stack is quiet: queue empty (visible and in flight, from the queue's attributes,
 * not from `status()`, which reads the store) on `stableChecks` consecutive looks `everyMs` apart,
 * with no API call in between. Returns false on timeout.
 */
export async function waitQuiet(
  stack: LocalStack,
  {
    timeoutMs,
    everyMs = 300,
    stableChecks = 3,
  }: { timeoutMs: number; everyMs?: number; stableChecks?: number },
): Promise<boolean> {
  let stable = 0;
  let lastCalls = JSON.stringify(callsNow(stack));
  return waitUntil(
    async () => {
      const queue = await queueDepth(stack);
      const calls = JSON.stringify(callsNow(stack));
      const idle = queue.visible === 0 && queue.inFlight === 0 && calls === lastCalls;
      lastCalls = calls;
      stable = idle ? stable + 1 : 0;
      return stable >= stableChecks;
    },
    { timeoutMs, everyMs },
  );
}

/** Options of `startBenchStack`. */
export interface BenchStackOptions {
  /** crmsync's own API budgets: `config` keeps the example's (HubSpot 100/10 s, Salesforce 50/10 s); `raised` lifts them out of the way. */
  budgets: 'config' | 'raised';
  /** Edits the configuration further (e.g. an inclusion segment). */
  edit?: (input: ConfigInput) => void;
  /** Run the SQS poller (default true); off, queued notices stay queued (a bench of the queueing step). */
  processing?: boolean;
  /** Processor invocations in flight at once (the poller's `maxConcurrency`; the stack's default is 1). */
  maxConcurrency?: number;
}

/**
 * The local stack as `npm start` runs it (background delivery by both sandboxes, the SQS poller
 * running with the config's batch size and batching window), on ephemeral loopback ports, with the
 * store in memory, empty sandboxes (the bench seeds its own data) and no schedules (nothing but the
 * bench's own edits runs). No inclusion segment unless `edit` sets one (R2: every contact syncs).
 */
export async function startBenchStack(opts: BenchStackOptions): Promise<LocalStack> {
  const config: CrmSyncConfig = testConfig(
    { hubspot: 'http://127.0.0.1:9', salesforce: 'http://127.0.0.1:9' },
    (input) => {
      if (opts.budgets === 'raised') {
        input.budgets = {
          hubspot: { dailyLimit: 10_000_000, dailyShare: 1, maxRequestsPer10s: 100_000 },
          salesforce: { dailyLimit: 10_000_000, dailyShare: 1, maxRequestsPer10s: 100_000 },
        };
      }
      opts.edit?.(input);
    },
  );
  const stack = await startLocalStack({
    port: 0,
    host: '127.0.0.1',
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: null,
    config,
    demo: false,
    schedules: false,
    backgroundPolling: opts.processing !== false,
    firstRunResync: false,
    log: silentLog,
    ...(opts.maxConcurrency ? { queue: { maxConcurrency: opts.maxConcurrency } } : {}),
  });
  if (!stack.hubspotSandbox || !stack.salesforceSandbox) {
    await stack.close();
    throw new Error('the local stack did not start its sandboxes');
  }
  return stack;
}

/** One HubSpot webhook event as the tap records it. */
export interface TappedEvent {
  objectId: string;
  propertyName: string | undefined;
  propertyValue: string | undefined;
  changeSource: string | undefined;
  occurredAt: number;
}

/** A tap between the HubSpot sandbox and the stack's webhook intake. */
export interface WebhookTap {
  /** Called for every event that passes (before it is forwarded). */
  onEvent: ((event: TappedEvent) => void) | undefined;
  close(): Promise<void>;
}

/**
 * Points the HubSpot sandbox's webhooks at a loopback server that records each event, then forwards
 * the batch to the stack's intake, signed again (signature v3 covers the URL) with the app's client
 * secret, and answers with the intake's status — so HubSpot's retries behave as without the tap.
 */
export async function tapHubSpotWebhooks(stack: LocalStack): Promise<WebhookTap> {
  const sandbox = stack.hubspotSandbox;
  if (!sandbox) throw new Error('the tap needs the HubSpot sandbox');
  const target = `${stack.url}/webhooks/hubspot`;
  const tap: WebhookTap = { onEvent: undefined, close: async () => {} };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      try {
        const events = JSON.parse(body) as Record<string, unknown>[];
        for (const e of events) {
          tap.onEvent?.({
            objectId: String(e['objectId']),
            propertyName: typeof e['propertyName'] === 'string' ? e['propertyName'] : undefined,
            propertyValue: typeof e['propertyValue'] === 'string' ? e['propertyValue'] : undefined,
            changeSource: typeof e['changeSource'] === 'string' ? e['changeSource'] : undefined,
            occurredAt: Number(e['occurredAt']),
          });
        }
      } catch {
        // Not a JSON array: forward as is and let the intake answer.
      }
      const timestamp = Date.now();
      const forwarded = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hubspot-signature-v3': signV3(sandbox.clientSecret, 'POST', target, body, timestamp),
          'x-hubspot-request-timestamp': String(timestamp),
        },
        body,
      });
      const answer = await forwarded.text();
      res.writeHead(forwarded.status, { 'content-type': 'application/json' });
      res.end(answer);
    })().catch(() => {
      res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  sandbox.setWebhookUrl(`http://127.0.0.1:${port}/webhooks/hubspot`);
  tap.close = async () => {
    sandbox.setWebhookUrl(target);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };
  return tap;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The sync jobs' dependencies over a running local stack (its store, adapters, queue and config). */
export function stackSyncDeps(stack: LocalStack): SyncDeps {
  return {
    store: stack.store,
    hubspot: stack.hubspot,
    salesforce: stack.salesforce,
    queue: stack.queue,
    config: stack.config,
    now: () => Date.now(),
  };
}

/** AWS SDK calls by command name, with the items they carried (batch entries; 1 for a single-item call). */
export type SdkCalls = Record<string, { calls: number; items: number }>;

/** A counter on an AWS SDK client (DynamoDB or SQS): every command sent from now on, by name. */
export interface SdkCallCounter {
  /** The calls counted so far (a copy). */
  snapshot(): SdkCalls;
}

/** Items one command carries: a batch's entries (BatchWriteItem, BatchGetItem, SendMessageBatch, ...), else 1. */
function itemsOf(input: Record<string, unknown>): number {
  const entries = input['Entries'];
  if (Array.isArray(entries)) return entries.length;
  const request = input['RequestItems'];
  if (request && typeof request === 'object') {
    let n = 0;
    for (const v of Object.values(request as Record<string, unknown>)) {
      if (Array.isArray(v)) n += v.length;
      else if (v && typeof v === 'object' && Array.isArray((v as { Keys?: unknown[] }).Keys))
        n += (v as { Keys: unknown[] }).Keys.length;
    }
    return n;
  }
  return 1;
}

/**
 * Counts the commands an AWS SDK client sends, by name, with a middleware (the SDK's own extension
 * point): exact and independent of the machine's load, unlike times.
 */
export function countSdkCalls(client: {
  middlewareStack: { add: (mw: never, opts: { step: 'initialize'; name: string }) => void };
}): SdkCallCounter {
  const calls: SdkCalls = {};
  const mw =
    (next: (args: { input: object }) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: object }) => {
      const name = (context.commandName ?? '?').replace(/Command$/, '');
      const c = calls[name] ?? { calls: 0, items: 0 };
      c.calls++;
      c.items += itemsOf(args.input as Record<string, unknown>);
      calls[name] = c;
      return next(args);
    };
  client.middlewareStack.add(mw as never, { step: 'initialize', name: 'benchCountCalls' });
  return { snapshot: () => structuredClone(calls) };
}

/** Calls made between two snapshots, by command name (commands with no call left out). */
export function sdkCallsSince(before: SdkCalls, after: SdkCalls): SdkCalls {
  const out: SdkCalls = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name] ?? { calls: 0, items: 0 };
    if (a.calls > b.calls) out[name] = { calls: a.calls - b.calls, items: a.items - b.items };
  }
  return out;
}

/** CPU time used so far, in ms: the whole process (every thread) and its main thread alone. */
export interface CpuTimes {
  processMs: number;
  /** From /proc (Linux); null elsewhere. */
  mainThreadMs: number | null;
}

/**
 * CPU time of the process and of its main thread (where the processor, the sandboxes and the local SQS
 * run; dynalite has a worker thread of its own). CPU time hardly moves with the machine's load, unlike
 * wall time: notices per main-thread CPU second is what one free core would sustain.
 */
export function cpuTimes(): CpuTimes {
  const u = process.cpuUsage();
  return { processMs: (u.user + u.system) / 1000, mainThreadMs: mainThreadCpuMs() };
}

function mainThreadCpuMs(): number | null {
  try {
    // Fields 14 and 15 (utime, stime) in clock ticks; the command name (field 2) may hold spaces.
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** USER_HZ on Linux (100 on every common build). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Rounds to `digits` decimals. */
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Intake benchmark: signed HubSpot webhook batches of 100 events through `handleHubSpotWebhook`
 * (signature check, replay guard, zod parse, echo filter, coalescing, enqueue). Prints JSON:
 *   node bin/run-ts.js bench/intake.ts [--batches N]
 * Two runs: `memory` (an in-memory queue: the intake's own cost) and `local-sqs` (the real
 * SqsChangeQueue → SendMessageBatch to a local SQS on loopback: 10 calls per batch).
 * Latency is per handler call (one batch), in milliseconds; throughput is events per second.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SqsChangeQueue } from '../lib/aws/sqs-change-queue.ts';
import type { ChangeNotice } from '../lib/domain/notice.ts';
import { handleHubSpotWebhook } from '../lib/hubspot/webhook-intake.ts';
import { ReplayGuard } from '../lib/hubspot/webhook-replay.ts';
import { computeSignatureV3 } from '../lib/hubspot/webhook-signature.ts';
import type { RawHttpRequest } from '../lib/http/http.ts';
import { noMetrics, silentLog } from '../lib/observability/observability.ts';
import { startLocalSqs } from '../lib/local/local-sqs.ts';
import type { ChangeQueue } from '../lib/ports.ts';

const SECRET = 'bench-client-secret';
const APP_ID = '1160452';
const URL_ = 'https://intake.example.com/hubspot/webhook';
const EVENTS_PER_BATCH = 100;
const argBatches = Number(process.argv[process.argv.indexOf('--batches') + 1]);
const batches = Number.isInteger(argBatches) && argBatches > 0 ? argBatches : 200;

let nextEventId = 1;
/** A realistic batch: mostly property changes over 60 contacts, some creations, a few echoes. */
function batch(now: number): RawHttpRequest {
  const events = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
    const eventId = nextEventId++;
    const base = {
      eventId,
      subscriptionId: 3,
      portalId: 62515,
      appId: Number(APP_ID),
      occurredAt: now - 500,
      attemptNumber: 0,
      objectId: 10_000 + ((eventId * 7) % 60),
    };
    if (i % 10 === 0)
      return { ...base, subscriptionType: 'contact.creation', changeSource: 'CRM_UI', sourceId: 'userId:1' };
    if (i % 25 === 1)
      return {
        ...base,
        subscriptionType: 'contact.propertyChange',
        propertyName: 'phone',
        propertyValue: '+1 555 0100',
        changeSource: 'INTEGRATION',
        sourceId: APP_ID,
      };
    return {
      ...base,
      subscriptionType: 'contact.propertyChange',
      propertyName: ['firstname', 'lastname', 'email', 'jobtitle'][i % 4],
      propertyValue: `value-${i}`,
      changeSource: 'CRM_UI',
      sourceId: 'userId:1',
    };
  });
  const body = JSON.stringify(events);
  return {
    method: 'POST',
    url: URL_,
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': computeSignatureV3({
        clientSecret: SECRET,
        method: 'POST',
        url: URL_,
        body,
        timestamp: now,
      }),
      'x-hubspot-request-timestamp': String(now),
    },
    body,
  };
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, i)] ?? 0) * 1000) / 1000;
}

async function run(name: string, queue: ChangeQueue, count: number) {
  const replayGuard = new ReplayGuard();
  const deps = {
    queue,
    clientSecret: SECRET,
    appId: APP_ID,
    now: Date.now,
    logger: silentLog,
    metrics: noMetrics,
    replayGuard,
  };
  // Warm up (JIT, connections), not measured.
  for (let i = 0; i < 50; i++) await handleHubSpotWebhook(batch(Date.now()), deps);
  const requests = Array.from({ length: count }, () => batch(Date.now()));
  const latencies: number[] = [];
  let notices = 0;
  const started = performance.now();
  for (const req of requests) {
    const t0 = performance.now();
    const res = await handleHubSpotWebhook(req, deps);
    latencies.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`${name}: batch answered ${res.statusCode} ${res.body}`);
    notices += (JSON.parse(res.body) as { queued: number }).queued;
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    queue: name,
    batches: count,
    eventsPerBatch: EVENTS_PER_BATCH,
    events: count * EVENTS_PER_BATCH,
    noticesQueued: notices,
    eventsPerSecond: Math.round((count * EVENTS_PER_BATCH) / seconds),
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
    },
  };
}

const memoryQueue: ChangeQueue = {
  async send(_notices: ChangeNotice[]) {},
};
const memory = await run('memory', memoryQueue, batches);
const sqs = await startLocalSqs();
let localSqs: Awaited<ReturnType<typeof run>>;
try {
  const { queueUrl } = await sqs.createQueues('bench-intake');
  localSqs = await run(
    'local-sqs',
    new SqsChangeQueue({ client: sqs.client, queueUrl }),
    Math.max(1, Math.floor(batches / 4)),
  );
} finally {
  await sqs.close();
}
console.log(
  JSON.stringify(
    {
      bench: 'intake',
      node: process.version,
      cpus: cpus().length,
      // Latency percentiles are sensitive to other load on the machine: report it with the figures.
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      // HubSpot allows 5 s per webhook request; p99 must stay far below it.
      hubspotTimeoutMs: 5000,
      runs: [memory, localSqs],
    },
    null,
    2,
  ),
);

/**
 * Intake benchmark: signed HubSpot webhook batches of 100 events through `handleHubSpotWebhook`
 * (signature check, replay guard, zod parse, echo filter, coalescing, enqueue). Prints JSON:
 *   node bin/run-ts.js bench/intake.ts [--batches N]
 * For HubSpot and for Salesforce CDC (Event Relay → EventBridge events of 10 records each), two runs:
 * `memory` (an in-memory queue: the intake's own cost) and `local-sqs` (the real SqsChangeQueue →
 * SendMessageBatch to the local SQS on loopback, in its worker thread as the local stack runs it). `intakeToSendRatio` is the intake's own time per
 * event over the queue send's (local-sqs minus memory): under 1, the send dominates.
 * Latency is per handler call (one batch), in milliseconds; throughput is events per second.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SqsChangeQueue } from '../lib/aws/sqs-change-queue.ts';
import type { ChangeNotice } from '../lib/domain/notice.ts';
import { handleHubSpotWebhook } from '../lib/hubspot/webhook-intake.ts';
import { handleSalesforceCdc } from '../lib/salesforce/cdc-intake.ts';
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

/** One CDC event as Event Relay puts it on EventBridge: a Contact update of 10 records. */
let transaction = 1;
function cdcEvent(now: number): unknown {
  const t = transaction++;
  return {
    version: '0',
    id: `bench-${t}`,
    'detail-type': 'ContactChangeEvent',
    source: 'aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE',
    detail: {
      payload: {
        ChangeEventHeader: {
          entityName: 'Contact',
          changeType: 'UPDATE',
          recordIds: Array.from({ length: 10 }, (_, i) => `003RM00000${String(t * 10 + i).padStart(8, '0')}`),
          changeOrigin: 'com/salesforce/api/soap/64.0;client=SfdcInternalAPI/',
          transactionKey: `00065380-d1a9-a64a-9341-${String(t).padStart(12, '0')}`,
          sequenceNumber: 1,
          commitTimestamp: now - 300,
          commitUser: '005RM000001vI54YAE',
          changedFields: ['Title', 'LastModifiedDate'],
        },
        Title: 'Buyer',
      },
    },
  };
}

async function runCdc(name: string, queue: ChangeQueue, count: number) {
  const deps = { queue, clientName: 'crmsync', logger: silentLog, metrics: noMetrics };
  for (let i = 0; i < 50; i++) await handleSalesforceCdc(cdcEvent(Date.now()), deps);
  const events = Array.from({ length: count }, () => cdcEvent(Date.now()));
  const latencies: number[] = [];
  let notices = 0;
  const started = performance.now();
  for (const e of events) {
    const t0 = performance.now();
    notices += (await handleSalesforceCdc(e, deps)).queued;
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    queue: name,
    events: count,
    recordsPerEvent: 10,
    noticesQueued: notices,
    noticesPerSecond: Math.round(notices / seconds),
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
    },
  };
}

/** The intake's own time per notice over the queue send's, from the memory and local-sqs runs. */
function ratio(memoryPerSecond: number, queuedPerSecond: number): number {
  const own = 1 / memoryPerSecond;
  const send = 1 / queuedPerSecond - own;
  return send > 0 ? Math.round((own / send) * 1000) / 1000 : Number.POSITIVE_INFINITY;
}

const memoryQueue: ChangeQueue = {
  async send(_notices: ChangeNotice[]) {},
};
const memory = await run('memory', memoryQueue, batches);
const cdcMemory = await runCdc('memory', memoryQueue, batches * 10);
// In a worker thread, as the local stack runs it (and as SQS is another service in AWS).
const sqs = await startLocalSqs({ thread: true });
let localSqs: Awaited<ReturnType<typeof run>>;
let cdcLocalSqs: Awaited<ReturnType<typeof runCdc>>;
try {
  const { queueUrl } = await sqs.createQueues('bench-intake');
  const queue = new SqsChangeQueue({ client: sqs.client, queueUrl });
  localSqs = await run('local-sqs', queue, Math.max(1, Math.floor(batches / 4)));
  cdcLocalSqs = await runCdc('local-sqs', queue, Math.max(1, Math.floor((batches * 10) / 4)));
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
      salesforceCdc: { runs: [cdcMemory, cdcLocalSqs] },
      intakeToSendRatio: {
        hubspot: ratio(memory.eventsPerSecond, localSqs.eventsPerSecond),
        salesforceCdc: ratio(cdcMemory.noticesPerSecond, cdcLocalSqs.noticesPerSecond),
      },
    },
    null,
    2,
  ),
);

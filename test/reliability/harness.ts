import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { processBatch } from '../../lib/sync/processor.ts';
import type { ProcessorMessage, ProcessorResult } from '../../lib/sync/processor-types.ts';
import { selectSegment } from '../../lib/sync/segment-choice.ts';
import { refreshSegment } from '../../lib/sync/segment-refresh.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import type { IntakeServer } from '../intake/intake-server.ts';
import { type LocalAws, startTestStack, type TestStack } from '../support/test-stack.ts';
export type { CrmsyncWrite } from './crm-feeds.ts';
import type { CrmsyncWrite } from './crm-feeds.ts';
import { startReliabilityIntake } from './harness-intake.ts';
import { fastPorts } from './fast-ports.ts';
import {
  type InvocationPorts,
  crashAfterWrite,
  expireSessionAfter,
  loseWriteResponses,
} from './invocation-faults.ts';
import { SqsDriver } from './sqs-driver.ts';

/** Lifecycle stages in and out of the segment (the demo segment's definition, docs/design.md#demo). */
export const IN_SEGMENT = 'marketingqualifiedlead';
export const OUT_OF_SEGMENT = 'subscriber';

/** The model's own HubSpot token (reads as a user would): an expiry of crmsync's token does not touch it. */
const OBSERVER_TOKEN = 'reliability-observer-token';
/** Tokens the operator renews crmsync's HubSpot access with, in turn, after an expiry. */
const RENEWED_TOKENS = Array.from({ length: 64 }, (_, i) => `crmsync-renewed-token-${i + 1}`);
/** As the CDK stack's redrive policy: a message received this often goes to the DLQ. */
export const MAX_RECEIVE_COUNT = 5;
/** Field History Tracking in the org: the fields the reliability config maps. */
const TRACKED_FIELDS = {
  Contact: ['FirstName', 'LastName', 'Email', 'Phone', 'Title'],
  Lead: ['FirstName', 'LastName', 'Email', 'Phone', 'Title', 'Company', 'Status'],
};

/** A fault of one processor invocation, applied to its ports (see invocation-faults.ts). */
export type InvocationFault =
  | { kind: 'write-response-lost' }
  | { kind: 'session-expired'; side: 'hubspot' | 'salesforce'; afterCalls: number }
  | { kind: 'crash'; side: 'hubspot' | 'salesforce'; afterWrites: number };

/** The store's segment membership right after a refresh; valid from `from` until the next snapshot. */
export interface MembershipSnapshot {
  /** Taken just before the refresh started: no processing runs while a step refreshes. */
  from: number;
  members: Set<string>;
}

/**
 * The system under test for one history: both sandboxes, dynalite, the local SQS and the real adapters
 * (`startTestStack`), the real intake functions behind a loopback server, and the real processor —
 * with the seams a fault needs: notices the intake accepted are *held* (`held`) until a step queues
 * them (in order, reversed, duplicated or not at all), and the SQS consumer is driven by hand so a
 * step can lose an acknowledgement.
 */
export class Harness {
  /** Notices the intake acknowledged to the CRM and that were not queued yet (the "network"). */
  held: ChangeNotice[] = [];
  /** Every write crmsync made to either CRM, from the CRMs' change feeds. */
  readonly writes: CrmsyncWrite[] = [];
  /** Every Salesforce record change (any author), from CDC: record id → commit times. */
  readonly salesforceChanges = new Map<string, number[]>();
  readonly memberships: MembershipSnapshot[] = [];
  /**
   * The store's join/leave log: the processor records transitions between refreshes (membership
   * confirmed at the moment of a change), so snapshots alone would miss them.
   */
  membershipLog: { hubspotId: string; change: 'joined' | 'left'; at: number }[] = [];
  /** Every queue message the processor was handed, by SQS message id (for the replay invariant). */
  readonly processed = new Map<string, ProcessorMessage>();
  /**
   * Invocations whose CRM write responses were lost, or that crashed after a write (epoch ms): their
   * writes are attempts a retry finishes.
   */
  readonly lostResponseWindows: { from: number; to: number }[] = [];
  /** Every processor invocation (epoch ms): the writes of one invocation are one sync of a record. */
  readonly invocations: { from: number; to: number }[] = [];
  /** How often each fault really happened (a step may find nothing to fault), for tests and the long run. */
  readonly happened = {
    salesforceSessionRenewals: 0,
    hubspotTokenRenewals: 0,
    crashes: 0,
    concurrentInvocations: 0,
    gapEvents: 0,
    redriven: 0,
  };
  /** Processor results, for diagnostics. */
  readonly results: ProcessorResult[] = [];
  deps!: SyncDeps;
  /**
   * Another adapter set (own limiters) for the model's own look-ups, as a user reading the CRM's UI:
   * they must not spend, or wait on, crmsync's rate limits.
   */
  user!: Pick<SyncDeps, 'hubspot' | 'salesforce'>;
  /** Time passing for crmsync's limiters between invocations (see fastPorts). */
  passTime: (ms: number) => void = () => {};
  listId = '';
  #intake!: IntakeServer;
  #ports!: ReturnType<typeof fastPorts>;
  #sqs!: SqsDriver;
  /** The HubSpot token crmsync uses now (renewed after an expiry), and the ones that expired. */
  #hubspotToken = SANDBOX_APP_TOKEN;
  readonly #expiredHubSpotTokens = new Set<string>();

  private constructor(readonly stack: TestStack) {}

  /**
   * Starts everything, selects a fresh DYNAMIC segment (lifecycle stage MQL) and points deliveries at the intake.
   * `webhookWindowMs`: how long the HubSpot sandbox gathers webhook events before it sends them on its
   * own (default 100 ms, HubSpot's batching). Which events share a delivery then depends on how fast the
   * steps run; a regression that needs events in one delivery sets it long, so that only a step's
   * `collect` sends them. `aws`: dynalite and the local SQS to run on (a table of its own, purged
   * queues): the long run starts them once per worker (docs/reliability.md "Speed of the long run").
   */
  static async start(options: { webhookWindowMs?: number; aws?: LocalAws } = {}): Promise<Harness> {
    const stack = await startTestStack({
      ...(options.aws ? { aws: options.aws } : {}),
      // No SigV4 on the loopback DynamoDB and SQS calls: harness configuration (docs/reliability.md "Speed").
      unsignedAws: true,
      queue: { visibilityTimeoutSeconds: 30, maxReceiveCount: MAX_RECEIVE_COUNT },
      // The org tracks the mapped fields' history, as docs/design.md#late-first-link advises (seed 1228705811).
      salesforce: { trackedFields: TRACKED_FIELDS },
      hubspot: {
        // No real rate limiting by the sandbox: 429s come only from the injected storms.
        limits: { burstPer10s: 1_000_000, searchPerSecond: 10_000 },
        // crmsync's app tokens: its first one and the ones an operator renews it with.
        appTokens: [SANDBOX_APP_TOKEN, OBSERVER_TOKEN, ...RENEWED_TOKENS],
        ...(options.webhookWindowMs !== undefined ? { webhookBatchWindowMs: options.webhookWindowMs } : {}),
      },
    });
    const h = new Harness(stack);
    try {
      await h.#init();
      return h;
    } catch (error) {
      await stack.close();
      throw error;
    }
  }

  async #init(): Promise<void> {
    const { stack } = this;
    const ports = fastPorts(stack.config);
    this.#ports = ports;
    ports.connection.on('refresh', () => {
      this.happened.salesforceSessionRenewals++;
    });
    this.passTime = ports.passTime;
    this.user = fastPorts(stack.config, { hubspotToken: OBSERVER_TOKEN });
    const queue = stack.queue;
    if (!queue || !stack.sqs || !stack.queueUrl || !stack.dlqUrl)
      throw new Error('the test stack has no queue');
    this.#sqs = new SqsDriver(stack.sqs.client, stack.queueUrl, stack.dlqUrl);
    this.deps = {
      store: stack.store,
      hubspot: ports.hubspot,
      salesforce: ports.salesforce,
      queue,
      config: stack.config,
      now: () => Date.now(),
    };
    this.#intake = await startReliabilityIntake(stack, {
      hold: (notices) => this.held.push(...notices),
      writes: this.writes,
      salesforceChanges: this.salesforceChanges,
      gapEvent: () => this.happened.gapEvents++,
    });
    const list = await ports.hubspot.createDynamicList('reliability segment', {
      property: 'lifecyclestage',
      operator: 'IS_ANY_OF',
      values: [IN_SEGMENT],
    });
    this.listId = list.listId;
    const from = Date.now();
    await selectSegment(this.deps, list.listId);
    this.memberships.push({ from, members: new Set(await stack.store.listMembers(list.listId)) });
  }

  /** Makes both sandboxes deliver everything pending to the intake (which holds the notices). */
  async collect(): Promise<void> {
    await this.stack.hubspotSandbox.flushWebhooks();
    await this.stack.salesforceSandbox.flushDeliveries();
  }

  /** Takes every held notice out of the "network". */
  takeHeld(): ChangeNotice[] {
    const out = this.held;
    this.held = [];
    return out;
  }

  /** Puts notices on the changes queue (SQS, through the real SqsChangeQueue). */
  async enqueue(notices: ChangeNotice[]): Promise<void> {
    if (notices.length > 0) await this.deps.queue.send(notices);
  }

  /**
   * One processor invocation over up to `max` visible messages, as Lambda's event source mapping runs
   * it: failed items go back to the queue (visible at once). With `loseAck`, the invocation did its
   * work but its acknowledgement was lost (a crash after the writes, a timeout): every message stays
   * and is delivered again. Returns the number of messages handed to the processor.
   */
  async processOnce(
    opts: { max?: number; loseAck?: boolean; fault?: InvocationFault } = {},
  ): Promise<number> {
    const batch = await this.#sqs.receive(opts.max ?? 200);
    if (batch.length === 0) return 0;
    // Invocations are apart in time: a rate-limit pause from the previous one (Salesforce's
    // REQUEST_LIMIT_EXCEEDED pauses 15 minutes) is over by now, as it would be in production.
    this.passTime(60 * 60_000);
    const messages = batch.map((m) => ({ messageId: m.id, body: m.body }));
    for (const m of messages) this.processed.set(m.messageId, m);
    const { ports, crashed } = this.#withFault(opts.fault);
    const from = Date.now();
    const result = await processBatch(messages, this.stack.processorDeps(ports)).catch((error: unknown) => {
      if (crashed()) return undefined;
      throw error;
    });
    this.invocations.push({ from, to: Date.now() });
    if (opts.fault?.kind === 'write-response-lost' || crashed())
      this.lostResponseWindows.push({ from, to: Date.now() });
    if (crashed()) this.happened.crashes++;
    if (opts.fault?.kind === 'session-expired' && opts.fault.side === 'hubspot') this.renewHubSpotToken();
    // A crashed invocation acknowledges nothing: every message comes back, as after a Lambda timeout.
    if (!result || crashed()) {
      await this.#sqs.settle(batch, new Set(batch.map((m) => m.id)));
      return batch.length;
    }
    this.results.push(result);
    const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    await this.#sqs.settle(batch, opts.loseAck ? new Set(batch.map((m) => m.id)) : failed);
    return batch.length;
  }

  /** The ports of one invocation, with its fault. */
  #withFault(fault: InvocationFault | undefined): { ports: InvocationPorts; crashed: () => boolean } {
    const ports: InvocationPorts = {
      hubspot: this.deps.hubspot,
      salesforce: this.deps.salesforce,
      store: this.stack.store,
    };
    const none = () => false;
    switch (fault?.kind) {
      case undefined:
        return { ports, crashed: none };
      case 'write-response-lost':
        return { ports: loseWriteResponses(ports), crashed: none };
      case 'session-expired': {
        const { hubspotSandbox, salesforceSandbox } = this.stack;
        const revoke =
          fault.side === 'hubspot'
            ? () => {
                hubspotSandbox.revokeToken(this.#hubspotToken);
                this.#expiredHubSpotTokens.add(this.#hubspotToken);
              }
            : () => salesforceSandbox.revokeToken(this.#ports.connection.accessToken ?? '');
        return { ports: expireSessionAfter(ports, fault.side, fault.afterCalls, revoke), crashed: none };
      }
      case 'crash':
        return crashAfterWrite(ports, fault.side, fault.afterWrites);
    }
  }

  /**
   * The operator renews crmsync's HubSpot access after a 401 (a new token in the secret): the next
   * invocation builds its client with it. Nothing changes when the current token still works.
   */
  renewHubSpotToken(): void {
    if (!this.#expiredHubSpotTokens.has(this.#hubspotToken)) return;
    const next = RENEWED_TOKENS.find((t) => !this.#expiredHubSpotTokens.has(t));
    if (!next) throw new Error('the history expired more HubSpot tokens than the harness has');
    this.#hubspotToken = next;
    this.deps.hubspot = this.#ports.withHubSpotToken(next);
    this.happened.hubspotTokenRenewals++;
  }

  /**
   * Two processor instances over the same messages at once (SQS at-least-once: one message handed to
   * two consumers): the first gets every message, the second `share` of every 4 (picked by `seed`),
   * each with its own adapters and limiters; their calls interleave. A message either one processed
   * without failure is deleted (its receipt deletes it); the rest become visible again.
   */
  async processConcurrently(max: number, share: number, seed: number): Promise<number> {
    const batch = await this.#sqs.receive(max);
    if (batch.length === 0) return 0;
    this.passTime(60 * 60_000);
    const messages = batch.map((m) => ({ messageId: m.id, body: m.body }));
    for (const m of messages) this.processed.set(m.messageId, m);
    let x = seed | 1;
    const second = messages.filter(() => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x & 3) < share;
    });
    const other = fastPorts(this.stack.config, { hubspotToken: this.#hubspotToken });
    other.passTime(60 * 60_000);
    if (second.length > 0) this.happened.concurrentInvocations++;
    const from = Date.now();
    const [a, b] = await Promise.all([
      processBatch(
        messages,
        this.stack.processorDeps({ hubspot: this.deps.hubspot, salesforce: this.deps.salesforce }),
      ),
      processBatch(
        second,
        this.stack.processorDeps({ hubspot: other.hubspot, salesforce: other.salesforce }),
      ),
    ]);
    this.invocations.push({ from, to: Date.now() });
    this.results.push(a, b);
    const failedA = new Set(a.batchItemFailures.map((f) => f.itemIdentifier));
    const failedB = new Set(b.batchItemFailures.map((f) => f.itemIdentifier));
    const inB = new Set(second.map((m) => m.messageId));
    const back = new Set(
      batch.filter((m) => failedA.has(m.id) && (!inB.has(m.id) || failedB.has(m.id))).map((m) => m.id),
    );
    await this.#sqs.settle(batch, back);
    return batch.length;
  }

  /** Moves every message of the DLQ back to the changes queue (the dashboard's redrive). */
  async redriveDlq(): Promise<number> {
    const moved = await this.#sqs.redrive();
    this.happened.redriven += moved;
    return moved;
  }

  /** Messages in the changes queue (visible and in flight) and in the DLQ. */
  depth(): Promise<{ queue: number; dlq: number }> {
    return this.#sqs.depth();
  }

  /** Processes until the queue is empty (at most `rounds` invocations). Returns the invocations made. */
  async drain(rounds = 40): Promise<number> {
    for (let i = 0; i < rounds; i++) {
      if ((await this.processOnce()) === 0) return i;
    }
    throw new Error(
      `the queue did not drain in ${rounds} invocations (depth ${JSON.stringify(await this.depth())})`,
    );
  }

  /**
   * Refreshes the segment membership and keeps a snapshot of the result. A full reconciliation (joins
   * and leaves), as the daily one and a resync do: the incremental refresh finds joins only, and the
   * model needs the store to know every transition the step made.
   */
  async refresh(): Promise<void> {
    this.passTime(60 * 60_000);
    const from = Date.now();
    await refreshSegment(this.deps, undefined, { full: true });
    this.memberships.push({ from, members: new Set(await this.stack.store.listMembers(this.listId)) });
  }

  /** Reads the store's join/leave log (oldest first) for `memberAt`; call once the run is over. */
  async loadMembershipLog(): Promise<void> {
    const log = (await this.stack.store.listMembershipChanges(this.listId, 100_000)) ?? [];
    this.membershipLog = [...log].sort((a, b) => a.at - b.at);
  }

  /** Whether the store counted this HubSpot contact a member at time `at` (no write happens during a refresh). */
  memberAt(hubspotId: string, at: number): boolean {
    let current = this.memberships[0];
    for (const m of this.memberships) if (m.from <= at) current = m;
    let member = current?.members.has(hubspotId) ?? false;
    // Then the transitions the store recorded after that snapshot and up to `at`, oldest first.
    for (const c of this.membershipLog)
      if (c.hubspotId === hubspotId && c.at >= (current?.from ?? 0) && c.at <= at)
        member = c.change === 'joined';
    return member;
  }

  async close(): Promise<void> {
    await this.#intake?.close().catch(() => undefined);
    await this.stack.close();
  }
}

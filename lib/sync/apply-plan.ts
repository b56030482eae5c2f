import type { PairDelete, PairWrite } from '../domain/identity.ts';
import type { SalesforceObject } from '../domain/notice.ts';
import type { SyncPlan } from '../domain/plan/index.ts';
import type { HubSpotPort, PairState, SalesforcePort, SyncStore, WriteOutcome } from '../ports.ts';
import { applyAssociationWrites } from './apply-associations.ts';
import { removeRaceLosses, type UncommittedCreation } from './creation-race.ts';
import { type ClassifiedError, classifyError, settle } from './processor-errors.ts';
import { writeIntents } from './write-intents.ts';

/** Why one record (plan `ref`) did not go through, and on which side. */
export interface RefFailure extends ClassifiedError {
  stage: 'claim' | 'hubspot-write' | 'salesforce-write' | 'commit';
}

export interface ApplyContext {
  store: SyncStore;
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  /** Pairs as read for this batch, by HubSpot id: the starting point of each claim. */
  pairsByHubSpotId: ReadonlyMap<string, PairState>;
  /** The plan refs that depend on a record id (for archives, deletes and pair deletes, which carry no ref). */
  refsOf: (side: 'hubspot' | 'salesforce', id: string) => string[];
  /** Single-item conditional writes in flight at once. */
  storeConcurrency?: number;
  /** The batch's time (creation intents are stamped with it). */
  now?: number;
}

export interface ApplyResult {
  /** Refs that failed; a retryable failure wins over a permanent one for the same ref. */
  failures: Map<string, RefFailure>;
  /** Refs whose write to each side succeeded. */
  written: { hubspot: Set<string>; salesforce: Set<string> };
  /** Ids of the records created for a ref. */
  created: Map<string, { side: 'hubspot' | 'salesforce'; id: string }>;
  /** Records this batch created and removed again: duplicates of another processor's (a lost race). */
  removed?: string[];
}

const OBJECTS: readonly SalesforceObject[] = ['Lead', 'Contact'];

/**
 * Applies a plan in the order that makes races and crashes safe (docs/design.md#per-record-safety and #partial-batch-failure):
 *
 * 1. **Claim** every existing (or just matched) pair that is about to be written: a conditional put
 *    of the pair *unchanged* with its version bumped. Of two processors racing on one record only one
 *    claim succeeds; the other's record is retried (a RetryableError) before it writes anything, so
 *    a race costs one CRM write, not two. A crash after the claim leaves an unchanged pair.
 * 2. **Write** to the CRMs in batches (HubSpot 100, Salesforce Collections 200, done by the adapters);
 *    per-record outcomes are mapped back to their refs, so one bad record never blocks its batch.
 *    Then the C6 primary company writes (apply-associations.ts), once the contacts they name exist.
 * 3. **Pair deletes** (merge losers, propagated deletes) before pair puts: a link moving to a merge
 *    survivor must be released by the loser before the survivor can claim its Salesforce id.
 * 4. **Commit** the new pairs (snapshots) with conditional puts, only for refs whose writes all
 *    succeeded: a snapshot assumes its writes. A crash between write and commit is harmless: the
 *    retry reads both sides equal and the three-way merge finds nothing to write.
 */
export async function applyPlan(plan: SyncPlan, ctx: ApplyContext): Promise<ApplyResult> {
  const concurrency = ctx.storeConcurrency ?? 16;
  const failures = new Map<string, RefFailure>();
  const fail = (ref: string, failure: RefFailure) => {
    const current = failures.get(ref);
    if (!current || (failure.retryable && !current.retryable)) failures.set(ref, failure);
  };
  const failed = (ref: string) => failures.has(ref);
  const result: ApplyResult = {
    failures,
    written: { hubspot: new Set(), salesforce: new Set() },
    created: new Map(),
  };

  // 1. Claims.
  const updateRefs = new Set([
    ...plan.hubspotUpdates.map((u) => u.ref),
    ...OBJECTS.flatMap((o) => plan.salesforceUpdates[o].map((u) => u.ref)),
    ...plan.associationWrites.map((w) => w.ref),
  ]);
  const claims = plan.pairWrites.filter((w) => updateRefs.has(w.ref));
  const claimedVersion = new Map<PairWrite, number>();
  await mapLimit(claims, concurrency, async (write) => {
    const existing = ctx.pairsByHubSpotId.get(write.pair.hubspotId);
    const claim: PairState =
      existing && existing.version === write.expectedVersion
        ? existing
        : { ...write.pair, snapshot: existing?.snapshot ?? {} };
    const outcome = await settle(ctx.store.putPair(claim, write.expectedVersion));
    if (outcome.ok) claimedVersion.set(write, outcome.value.version);
    else fail(write.ref, { ...classifyError(outcome.error), stage: 'claim' });
  });

  // 2. CRM writes.
  const record = (
    side: 'hubspot' | 'salesforce',
    create: boolean,
    refs: string[],
    outcomes: WriteOutcome[],
  ) => {
    const stage = side === 'hubspot' ? 'hubspot-write' : 'salesforce-write';
    const byRef = new Map(outcomes.map((o) => [o.ref, o]));
    for (const ref of refs) {
      const o = byRef.get(ref);
      if (!o)
        fail(ref, {
          retryable: true,
          category: 'other',
          message: `no outcome for ${ref} from ${side}`,
          stage,
        });
      else if (o.ok) {
        result.written[side].add(ref);
        if (create) result.created.set(ref, { side, id: o.id });
      } else fail(ref, { retryable: o.retryable, category: o.category, message: o.message, stage });
    }
  };
  const run = async (
    side: 'hubspot' | 'salesforce',
    create: boolean,
    refs: string[],
    call: () => Promise<WriteOutcome[]>,
  ) => {
    if (refs.length === 0) return;
    const outcome = await settle(call());
    if (outcome.ok) record(side, create, refs, outcome.value);
    else {
      const error = {
        ...classifyError(outcome.error),
        stage: side === 'hubspot' ? 'hubspot-write' : 'salesforce-write',
      } as const;
      for (const ref of refs) fail(ref, error);
    }
  };
  const intents = await writeIntents(
    plan,
    { store: ctx.store, pairsByHubSpotId: ctx.pairsByHubSpotId, claimedVersion, now: ctx.now ?? Date.now() },
    failed,
    fail,
  );
  const hubspotCreates = plan.hubspotCreates.filter((c) => !failed(c.ref));
  const hubspotUpdates = plan.hubspotUpdates.filter((u) => !failed(u.ref));
  await Promise.all([
    run(
      'hubspot',
      true,
      hubspotCreates.map((c) => c.ref),
      () => ctx.hubspot.createContacts(hubspotCreates.map((c) => ({ ref: c.ref, properties: c.properties }))),
    ),
    run(
      'hubspot',
      false,
      hubspotUpdates.map((u) => u.ref),
      () =>
        ctx.hubspot.updateContacts(
          hubspotUpdates.map((u) => ({ ref: u.ref, id: u.id, properties: u.properties })),
        ),
    ),
    ...OBJECTS.flatMap((object) => {
      const creates = plan.salesforceCreates[object].filter((c) => !failed(c.ref));
      const updates = plan.salesforceUpdates[object].filter((u) => !failed(u.ref));
      return [
        run(
          'salesforce',
          true,
          creates.map((c) => c.ref),
          () =>
            ctx.salesforce.createRecords(
              object,
              creates.map((c) => ({ ref: c.ref, fields: c.fields })),
            ),
        ),
        run(
          'salesforce',
          false,
          updates.map((u) => u.ref),
          () =>
            ctx.salesforce.updateRecords(
              object,
              updates.map((u) => ({ ref: u.ref, id: u.id, fields: u.fields })),
            ),
        ),
      ];
    }),
    propagateDeletes(plan, ctx, fail, result),
  ]);
  // 2b. C6 primary companies, once the contacts they name exist.
  await applyAssociationWrites(plan, ctx.hubspot, result, fail);

  // 3. Pair deletes.
  const deletes = plan.pairDeletes.filter((d) => !ctx.refsOf('hubspot', d.hubspotId).some(failed));
  await mapLimit(deletes, concurrency, async (d: PairDelete) => {
    const outcome = await settle(ctx.store.deletePair(d.hubspotId, d.expectedVersion));
    if (!outcome.ok) {
      for (const ref of ctx.refsOf('hubspot', d.hubspotId))
        fail(ref, { ...classifyError(outcome.error), stage: 'commit' });
    }
  });

  // 4. Commits: pair writes grouped per ref (a merge may move several links), then the new pairs of creates.
  const commits = new Map<string, { pair: PairState; expectedVersion: number }[]>();
  const addCommit = (ref: string, pair: PairState, expectedVersion: number) => {
    const list = commits.get(ref);
    if (list) list.push({ pair, expectedVersion });
    else commits.set(ref, [{ pair, expectedVersion }]);
  };
  for (const w of plan.pairWrites)
    if (!failed(w.ref)) addCommit(w.ref, w.pair, claimedVersion.get(w) ?? w.expectedVersion);
  const creations = new Map<PairState, UncommittedCreation>();
  for (const c of plan.hubspotCreates) {
    const id = result.created.get(c.ref)?.id;
    if (!id || failed(c.ref)) continue;
    const pair = { ...c.pair, hubspotId: id };
    creations.set(pair, { side: 'hubspot', id, pair });
    addCommit(c.ref, pair, 0);
  }
  for (const object of OBJECTS) {
    for (const c of plan.salesforceCreates[object]) {
      const id = result.created.get(c.ref)?.id;
      if (!id || failed(c.ref)) continue;
      const pair = { ...c.pair, salesforceId: id };
      creations.set(pair, { side: 'salesforce', id, pair });
      addCommit(c.ref, pair, 0);
    }
  }
  const uncommitted: UncommittedCreation[] = [];
  await mapLimit([...commits], concurrency, async ([ref, writes]) => {
    for (const w of writes) {
      const outcome = await settle(ctx.store.putPair(w.pair, w.expectedVersion));
      if (!outcome.ok) {
        fail(ref, { ...classifyError(outcome.error), stage: 'commit' });
        const creation = creations.get(w.pair);
        if (creation) uncommitted.push(creation);
        return;
      }
    }
  });
  // 5. A creation that lost a race to another processor is removed (see creation-race.ts).
  result.removed = await removeRaceLosses(uncommitted, ctx);
  // 6. Intents of what went through are needed no more (best effort: write-intents.ts).
  const done = intents.filter((i) => !failed(i.ref)).map((i) => i.recordKey);
  if (done.length > 0) await settle(ctx.store.deleteCreationIntents(done));
  return result;
}

/** The `propagate` delete policy: archive / delete the counterparts (these calls carry ids, not refs). */
async function propagateDeletes(
  plan: SyncPlan,
  ctx: ApplyContext,
  fail: (ref: string, failure: RefFailure) => void,
  result: ApplyResult,
): Promise<void> {
  const calls: Promise<void>[] = [];
  if (plan.hubspotArchives.length > 0) {
    calls.push(
      settle(ctx.hubspot.archiveContacts(plan.hubspotArchives)).then((o) => {
        const refs = plan.hubspotArchives.flatMap((id) => ctx.refsOf('hubspot', id));
        if (o.ok) for (const ref of refs) result.written.hubspot.add(ref);
        else for (const ref of refs) fail(ref, { ...classifyError(o.error), stage: 'hubspot-write' });
      }),
    );
  }
  if (plan.salesforceDeletes.length > 0) {
    calls.push(
      settle(ctx.salesforce.deleteRecords(plan.salesforceDeletes)).then((o) => {
        const refs = plan.salesforceDeletes.flatMap((id) => ctx.refsOf('salesforce', id));
        if (o.ok) for (const ref of refs) result.written.salesforce.add(ref);
        else for (const ref of refs) fail(ref, { ...classifyError(o.error), stage: 'salesforce-write' });
      }),
    );
  }
  await Promise.all(calls);
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping result order. Used for the
 * store's single-item conditional writes (pair claims and commits, event marks): DynamoDB has no
 * batch conditional write, and an unbounded fan-out of 200 puts would trip its per-partition and
 * the SDK's socket limits.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

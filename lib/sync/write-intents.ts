import type { SalesforceObject } from '../domain/notice.ts';
import type { PairWrite } from '../domain/identity.ts';
import type { SyncPlan } from '../domain/plan/index.ts';
import { updateIntentKey } from '../domain/plan/unfinished-update.ts';
import type { CreationIntent, PairState, SyncStore } from '../ports.ts';
import { classifyError, type ClassifiedError, settle } from './processor-errors.ts';

const OBJECTS: readonly SalesforceObject[] = ['Lead', 'Contact'];

/** An intent stored for a plan ref, removed once that ref went through. */
export interface StoredIntent {
  ref: string;
  recordKey: string;
}

/**
 * Write-ahead of the writes whose lost response a retry cannot tell from the records alone
 * (docs/design.md#lost-create-response, #late-first-link), stored before any CRM call:
 * - **creates**: the new pair's snapshot (what the create writes), under the record it creates for.
 *   The retry finds the record by email and links it as this creation (reliability seed 1200860834);
 * - **first links by email that write**: the pair's snapshot, the record matched and the properties /
 *   fields the sync writes, under the HubSpot contact. The retry, linking the same two records again,
 *   takes a written field's intended value as its snapshot where the write landed, so a change made
 *   since (a clear included) is not undone by the blank fill of a first link (seed 1209114512); a field
 *   whose write did not land merges again from the snapshot the sync started from (`base`: a late
 *   creation's values, seed 1214883355).
 * - **updates of a committed pair**: the pair's next snapshot and what the sync writes, under
 *   `update:hubspot:<id>`. The retry, finding the pair still at the claimed version, takes a written
 *   field's intended value as its snapshot where the write landed, so its own landed write is not read
 *   as a user's change on that side (docs/design.md#unfinished-update, seed 1260001596).
 * If the intents cannot be stored, those refs fail (retryable) before anything is written.
 */
export async function writeIntents(
  plan: SyncPlan,
  ctx: {
    store: Pick<SyncStore, 'putCreationIntents'>;
    pairsByHubSpotId: ReadonlyMap<string, PairState>;
    /** The version each claimed pair holds now (the claim bumped it): a retry finds the pair at it. */
    claimedVersion?: ReadonlyMap<PairWrite, number>;
    now: number;
  },
  failed: (ref: string) => boolean,
  fail: (ref: string, failure: ClassifiedError & { stage: 'claim' }) => void,
): Promise<StoredIntent[]> {
  const intents: (CreationIntent & { ref: string })[] = [];
  for (const c of plan.hubspotCreates)
    intents.push({
      ref: c.ref,
      recordKey: `salesforce:${c.salesforceId}`,
      snapshot: c.pair.snapshot,
      at: ctx.now,
    });
  for (const o of OBJECTS)
    for (const c of plan.salesforceCreates[o])
      intents.push({
        ref: c.ref,
        recordKey: `hubspot:${c.hubspotId}`,
        snapshot: c.pair.snapshot,
        at: ctx.now,
      });
  for (const w of plan.pairWrites) {
    const hubspot = plan.hubspotUpdates
      .filter((u) => u.ref === w.ref && u.id === w.pair.hubspotId)
      .flatMap((u) => Object.keys(u.properties));
    const salesforce = OBJECTS.flatMap((o) => plan.salesforceUpdates[o])
      .filter((u) => u.ref === w.ref && u.id === w.pair.salesforceId)
      .flatMap((u) => Object.keys(u.fields));
    if (hubspot.length + salesforce.length === 0) continue;
    const update = updateIntent(w, ctx, { hubspot, salesforce });
    if (update) intents.push(update);
    if (w.expectedVersion !== 0 || ctx.pairsByHubSpotId.has(w.pair.hubspotId)) continue;
    intents.push({
      ref: w.ref,
      recordKey: `hubspot:${w.pair.hubspotId}`,
      snapshot: w.pair.snapshot,
      at: ctx.now,
      link: {
        salesforceId: w.pair.salesforceId,
        hubspot,
        salesforce,
        ...(w.base ? { base: w.base } : {}),
        ...(w.linkReason ? { reason: w.linkReason } : {}),
      },
    });
  }
  // A link claimed by an earlier try and never committed has its intent stored already: it goes
  // once this commit succeeds.
  const claimedOnly = (hubspotId: string) => {
    const stored = ctx.pairsByHubSpotId.get(hubspotId);
    return stored !== undefined && Object.keys(stored.snapshot).length === 0;
  };
  const earlier = plan.pairWrites
    .filter((w) => claimedOnly(w.pair.hubspotId))
    .map((w) => ({ ref: w.ref, recordKey: `hubspot:${w.pair.hubspotId}` }));
  const pending = intents.filter((i) => !failed(i.ref));
  if (pending.length === 0) return earlier;
  const stored = await settle(ctx.store.putCreationIntents(pending.map(({ ref: _, ...intent }) => intent)));
  if (!stored.ok) {
    for (const i of pending) fail(i.ref, { ...classifyError(stored.error), stage: 'claim' });
    return [];
  }
  return [...earlier, ...pending.map((i) => ({ ref: i.ref, recordKey: i.recordKey }))];
}

/** A committed pair's update intent, when the pair was claimed (its version is what a retry finds). */
function updateIntent(
  w: SyncPlan['pairWrites'][number],
  ctx: {
    pairsByHubSpotId: ReadonlyMap<string, PairState>;
    claimedVersion?: ReadonlyMap<PairWrite, number>;
    now: number;
  },
  written: { hubspot: string[]; salesforce: string[] },
): (CreationIntent & { ref: string }) | undefined {
  const stored = ctx.pairsByHubSpotId.get(w.pair.hubspotId);
  const version = ctx.claimedVersion?.get(w);
  if (!stored || Object.keys(stored.snapshot).length === 0 || version === undefined) return undefined;
  return {
    ref: w.ref,
    recordKey: updateIntentKey(w.pair.hubspotId),
    snapshot: w.pair.snapshot,
    at: ctx.now,
    update: { salesforceId: w.pair.salesforceId, version, ...written },
  };
}

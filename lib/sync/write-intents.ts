import type { SalesforceObject } from '../domain/notice.ts';
import type { SyncPlan } from '../domain/plan/index.ts';
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
 * If the intents cannot be stored, those refs fail (retryable) before anything is written.
 */
export async function writeIntents(
  plan: SyncPlan,
  ctx: {
    store: Pick<SyncStore, 'putCreationIntents'>;
    pairsByHubSpotId: ReadonlyMap<string, PairState>;
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
    if (w.expectedVersion !== 0 || ctx.pairsByHubSpotId.has(w.pair.hubspotId)) continue;
    const hubspot = plan.hubspotUpdates
      .filter((u) => u.ref === w.ref && u.id === w.pair.hubspotId)
      .flatMap((u) => Object.keys(u.properties));
    const salesforce = OBJECTS.flatMap((o) => plan.salesforceUpdates[o])
      .filter((u) => u.ref === w.ref && u.id === w.pair.salesforceId)
      .flatMap((u) => Object.keys(u.fields));
    if (hubspot.length + salesforce.length === 0) continue;
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

import { Prng } from '../../sandbox/common/index.ts';
import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import type { SyncStore } from '../ports.ts';

const TITLES = ['VP Sales', 'RevOps Lead', 'Head of Growth', 'CTO', 'Marketing Manager', 'Account Executive'];

/**
 * Simulated users for `crmsync dev --activity`: every few seconds one of them edits a linked member
 * of the segment, in HubSpot or in Salesforce, so the dashboard's counters and chart move on their
 * own. Edits go through the sandboxes' user actions, exactly like the playground's.
 */
export function startDemoActivity(opts: {
  hubspot: HubSpotSandbox;
  salesforce: SalesforceSandbox;
  store: SyncStore;
  everyMs?: number;
  onError?: (error: unknown) => void;
}): { stop(): void } {
  const rng = new Prng(2026);
  let n = 0;
  const tick = async () => {
    // Follow the current segment: it can be changed from the dashboard at run time.
    const listId = (await opts.store.getSettings())?.inclusionSegmentId;
    if (!listId) return;
    const members = await opts.store.listMembers(listId);
    const pairs = [...(await opts.store.getPairsByHubSpotIds(members.slice(0, 300))).values()];
    if (pairs.length === 0) return;
    const pair = rng.pick(pairs);
    const title = `${rng.pick(TITLES)} ${++n}`;
    if (rng.chance(0.5)) await opts.hubspot.userUpdateContact(pair.hubspotId, { jobtitle: title });
    else await opts.salesforce.userUpdate(pair.salesforceType, pair.salesforceId, { Title: title });
  };
  const timer = setInterval(() => {
    tick().catch((error: unknown) => opts.onError?.(error));
  }, opts.everyMs ?? 4000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { createHubSpotClient } from '../../lib/hubspot/hubspot-client.ts';
import { HubSpotCrm } from '../../lib/hubspot/hubspot-crm.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import type { ChangeQueue, HubSpotPort } from '../../lib/ports.ts';
import { createRateLimiters } from '../../lib/rate-limit/index.ts';
import { pollChanges } from '../../lib/sync/poll.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { fakeTime } from '../adapters/fake-time.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const SECOND = 1000;

/** Notices kept in memory: this test is about what the poll finds, not about SQS. */
function recordingQueue(): ChangeQueue & { notices: ChangeNotice[] } {
  const notices: ChangeNotice[] = [];
  return {
    notices,
    send: async (batch) => {
      notices.push(...batch);
    },
  };
}

/**
 * 25,000 contacts change in one poll window, through the sandboxes' real limits (10,000 results per
 * search query, 5 searches per second): 12,000 of them at one instant (a bulk import: more than one
 * search query can return share one `hs_lastmodifieddate`), and 13,000 in ten bursts of 1,300, so
 * the cap also falls inside a burst. Time is virtual: the limiter's waits advance the one clock the
 * sandboxes and the poll share, so the test never sleeps.
 */
describe('pollChanges: more than 10,000 HubSpot changes in one window', () => {
  const time = fakeTime(Date.UTC(2026, 2, 2, 9, 0, 0));
  let stack: TestStack;
  let deps: SyncDeps;
  let hubspot: HubSpotCrm;
  let queue: ReturnType<typeof recordingQueue>;
  let ids: string[];
  let importedAt: number;

  beforeAll(async () => {
    stack = await startTestStack({ hubspot: { now: time.clock }, salesforce: { now: time.clock } });
    const limiters = createRateLimiters(stack.config.budgets, { clock: time.clock, sleep: time.sleep });
    hubspot = new HubSpotCrm({
      client: createHubSpotClient({ accessToken: SANDBOX_APP_TOKEN, baseUrl: stack.hubspotSandbox.url }),
      limiter: limiters.hubspot,
    });
    queue = recordingQueue();
    deps = { ...stackDeps(stack), hubspot, queue, now: time.clock };

    importedAt = time.clock();
    ids = stack.hubspotSandbox.seed({ contacts: 25_000, seed: 15 });
    for (let burst = 0; burst < 10; burst++) {
      time.advance(SECOND);
      for (const id of ids.slice(12_000 + burst * 1_300, 12_000 + (burst + 1) * 1_300)) {
        await stack.hubspotSandbox.userUpdateContact(id, { jobtitle: `Burst ${burst}` });
      }
    }
    time.advance(60 * SECOND);
  }, 120_000);
  afterAll(() => stack?.close());

  it('a poll that fails midway keeps its progress: the cursor is checkpointed at each restart', async () => {
    let calls = 0;
    // The network fails after the first window (10,000) and the import instant (12,000) are queued.
    const failing: HubSpotPort = Object.assign(Object.create(hubspot) as HubSpotCrm, {
      searchModified: (...args: Parameters<HubSpotCrm['searchModified']>) => {
        if (++calls > 115) return Promise.reject(new Error('network down'));
        return hubspot.searchModified(...args);
      },
    });
    await expect(pollChanges({ ...deps, hubspot: failing })).rejects.toThrow('network down');
    expect(await stack.store.getCursor('poll:hubspot')).toBe(importedAt);
    expect(new Set(queue.notices.map((n) => n.recordId)).size).toBeGreaterThanOrEqual(12_000);
    queue.notices.length = 0;
  }, 120_000);

  it('every one of 25,000 changes becomes exactly one notice, and the cursor moves past them all', async () => {
    expect(ids).toHaveLength(25_000);
    const result = await pollChanges(deps);

    expect(result.hubspot).toBe(25_000);
    const hubspot = queue.notices.filter((n) => n.source === 'hubspot');
    expect(hubspot).toHaveLength(25_000);
    expect(new Set(hubspot.map((n) => n.recordId))).toEqual(new Set(ids));
    // Each notice carries the contact's own modification time: the import instant or its burst.
    const occurredAt = new Map(hubspot.map((n) => [n.recordId, n.occurredAt]));
    expect(occurredAt.get(ids[0]!)).toBe(importedAt);
    expect(occurredAt.get(ids[11_999]!)).toBe(importedAt);
    expect(occurredAt.get(ids[12_000]!)).toBe(importedAt + SECOND);
    expect(occurredAt.get(ids[24_999]!)).toBe(importedAt + 10 * SECOND);
    expect(await stack.store.getCursor('poll:hubspot')).toBe(importedAt + 10 * SECOND);
  }, 120_000);
});

function stackDeps(stack: TestStack): Omit<SyncDeps, 'hubspot' | 'queue' | 'now'> {
  return { store: stack.store, salesforce: stack.salesforce, config: stack.config };
}

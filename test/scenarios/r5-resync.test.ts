import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResyncProgress } from '../../lib/local/services.ts';
import { runResync } from '../../lib/sync/resync.ts';
import { clearSegment } from '../../lib/sync/segment-choice.ts';
import {
  createTwin,
  hubspotContact,
  IN_SEGMENT,
  OUT_OF_SEGMENT,
  type Scenario,
  type Twin,
  startScenario,
} from './scenario-stack.ts';

const MEMBERS = 30;
const OTHERS = 5;

describe('R5 manual resync of the segment (scenario)', () => {
  let s: Scenario;
  let listId: string;
  const members: Twin[] = [];
  const others: Twin[] = [];

  /** A never-synced pair whose titles agree (`agree`) or differ. */
  const twin = (label: string, lifecyclestage: string, agree: boolean) =>
    createTwin(s, {
      label,
      lifecyclestage,
      lastName: 'Resync',
      company: 'Resync Co',
      leadFirstName: true,
      leadTitle: agree ? `HubSpot ${label}` : `Salesforce ${label}`,
    });

  /** Both sides hold the same title and the pair is linked. */
  async function inAgreement(t: Twin): Promise<boolean> {
    const trace = await s.trace('hubspot', t.hubspotId);
    return (
      trace.pair?.salesforceId === t.leadId &&
      s.salesforceSandbox.getRecord(t.leadId)?.Title === trace.hubspot?.properties.jobtitle
    );
  }

  beforeAll(async () => {
    s = await startScenario();
    // Existing records, never synced: an empty segment while they are created (no R2, no R6).
    await s.syncNothingYet('Empty');
    for (let i = 0; i < MEMBERS; i++) members.push(await twin(`m${i}`, IN_SEGMENT, i % 3 === 0));
    for (let i = 0; i < OTHERS; i++) others.push(await twin(`o${i}`, OUT_OF_SEGMENT, false));
    await s.flush();
    listId = await s.selectNewSegment('MQL contacts', [IN_SEGMENT]);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R5: a resync syncs every current member, in batches (a few API calls for the whole segment), and no one else', async () => {
    const progress: number[] = [];
    let queued = 0;
    const calls = await s.measure(async () => {
      const result = await runResync(s.deps, (p) => progress.push(p.done));
      queued = result.queued;
      expect(result.segmentId).toBe(listId);
    });
    expect(queued).toBe(MEMBERS);
    expect(progress.at(-1)).toBe(MEMBERS);
    for (const m of members) expect(await inAgreement(m)).toBe(true);
    for (const o of others) {
      expect((await s.trace('hubspot', o.hubspotId)).pair).toBeNull();
      expect(s.salesforceSandbox.getRecord(o.leadId)?.Title).toMatch(/^Salesforce /);
    }
    // Batched: one processor batch reads and writes each side in a handful of calls, not one per record.
    expect(calls.hubspot.reads).toBeLessThanOrEqual(4);
    expect(calls.hubspot.writes).toBeLessThanOrEqual(2);
    expect(calls.salesforce.reads).toBeLessThanOrEqual(4);
    expect(calls.salesforce.writes).toBeLessThanOrEqual(2);
    expect(calls.hubspot.writes + calls.salesforce.writes).toBeGreaterThan(0);
  });

  it('R5: a resync of records already in agreement writes nothing (dashboard button: POST /api/resync)', async () => {
    const calls = await s.measure(async () => {
      const res = await fetch(`${s.stack.url}/api/resync`, { method: 'POST' });
      expect(res.status).toBe(202);
      expect(((await res.json()) as ResyncProgress).startedAt).not.toBeNull();
      // The button starts the resync in the background; the dashboard follows it through /api/status.
      let progress: ResyncProgress = (await s.stack.status()).resync;
      for (let i = 0; progress.running && i < 500; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        progress = (await s.stack.status()).resync;
      }
      expect(progress).toMatchObject({ running: false, error: null, enqueued: MEMBERS });
    });
    expect(calls.hubspot.writes).toBe(0);
    expect(calls.salesforce.writes).toBe(0);
    const trace = await s.trace('hubspot', members[1]!.hubspotId);
    expect(trace.decisions[0]).toMatchObject({
      outcome: 'noop',
      detail: expect.objectContaining({ rule: 'R5' }),
    });
  });

  it('R5: a member edited in HubSpot while its webhook was lost is repaired by the next resync', async () => {
    const m = members[2]!;
    s.hubspotSandbox.injectFault({ kind: 'drop-webhooks', count: 1 });
    await s.hubspotSandbox.userUpdateContact(m.hubspotId, { jobtitle: 'Lost webhook' });
    await s.flush();
    expect(s.salesforceSandbox.getRecord(m.leadId)?.Title).not.toBe('Lost webhook');
    s.hubspotSandbox.clearFaults();

    await runResync(s.deps);
    await s.flush();
    expect(s.salesforceSandbox.getRecord(m.leadId)?.Title).toBe('Lost webhook');
  });

  it('R5: with no segment, a resync covers every contact (R2)', async () => {
    await clearSegment(s.deps);
    const result = await runResync(s.deps);
    expect(result).toEqual({ segmentId: null, queued: MEMBERS + OTHERS, done: true });
    await s.flush();
    for (const o of others) expect(await inAgreement(o)).toBe(true);
    expect((await hubspotContact(s, others[0]!.hubspotId)).jobtitle).toBe(
      s.salesforceSandbox.getRecord(others[0]!.leadId)?.Title,
    );
  });
});

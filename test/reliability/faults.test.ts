import { describe, expect, it } from 'vitest';
import { runHistory } from './run-history.ts';
import type { Step, Values } from './steps.ts';

/**
 * Each fault the model plays (docs/reliability.md) does happen, and the system recovers from it with
 * every invariant holding. Short histories through the whole pipeline, as reliability.test.ts runs them.
 */
const ADA: Values = { firstname: 'Ada', lastname: 'Lee', phone: '+1 555 0101', jobtitle: 'CTO' };
const member: Step = { kind: 'hubspot-create', p: 0, values: ADA, inSegment: true };
const process = (fault: Extract<Step, { kind: 'process' }>['fault'], severity = 1): Step => ({
  kind: 'process',
  max: 200,
  loseAck: false,
  fault,
  severity,
});

describe('reliability faults', () => {
  it('an expired Salesforce session mid-batch is renewed by jsforce (refresh token) and the batch completes', async () => {
    // The member's Lead is created by the batch; the session dies before its second Salesforce call.
    const { violations, happened, state } = await runHistory(3, [
      member,
      process('salesforce-session-expired', 2),
    ]);
    expect(violations).toEqual([]);
    expect(happened.salesforceSessionRenewals).toBeGreaterThanOrEqual(1);
    expect(state.pairsByHubSpot.size).toBe(1);
  }, 60_000);

  it('an expired HubSpot token mid-batch fails the batch (401), nothing is lost, and the renewed token syncs it', async () => {
    const { violations, happened, state } = await runHistory(3, [
      member,
      process('hubspot-session-expired', 1),
    ]);
    expect(violations).toEqual([]);
    expect(happened.hubspotTokenRenewals).toBe(1);
    expect(state.pairsByHubSpot.size).toBe(1);
  }, 60_000);

  it('a crash right after the Salesforce create (before the commit) leaves one Lead, linked on the retry', async () => {
    const { violations, happened, state } = await runHistory(3, [
      member,
      process('crash-after-salesforce-write', 3),
    ]);
    expect(violations).toEqual([]);
    expect(happened.crashes).toBe(1);
    expect([...state.salesforce.values()].filter((r) => !r.isDeleted)).toHaveLength(1);
  }, 60_000);

  it('a crash right after the HubSpot create of an R6 auto-create leaves one contact, linked on the retry', async () => {
    const steps: Step[] = [
      { kind: 'salesforce-create', p: 0, objectType: 'Lead', values: ADA },
      { kind: 'deliver', mode: 'in-order', seed: 0 },
      process('crash-after-hubspot-write', 3),
    ];
    const { violations, happened, state } = await runHistory(3, steps);
    expect(violations).toEqual([]);
    expect(happened.crashes).toBe(1);
    expect(state.hubspot.size).toBe(1);
  }, 60_000);

  it('an outage sends the batch to the DLQ; redriven once the cause is fixed, it syncs', async () => {
    const steps: Step[] = [member, { kind: 'outage', side: 'salesforce' }, { kind: 'redrive' }];
    const { violations, happened, state } = await runHistory(3, steps);
    expect(violations).toEqual([]);
    expect(happened.redriven).toBeGreaterThanOrEqual(1);
    expect(state.pairsByHubSpot.size).toBe(1);
  }, 60_000);

  for (const gap of ['GAP_UPDATE', 'GAP_OVERFLOW'] as const) {
    it(`CDC ${gap} in place of a change's events: the change still syncs`, async () => {
      const steps: Step[] = [
        member,
        process('none'),
        { kind: 'salesforce-edit', p: 0, field: 'jobtitle', value: 'Buyer', gap },
      ];
      const { violations, happened, state } = await runHistory(3, steps);
      expect(violations).toEqual([]);
      expect(happened.gapEvents).toBe(1);
      expect([...state.hubspot.values()][0]?.properties['jobtitle']).toBe('Buyer');
    }, 60_000);
  }

  it('CDC GAP_CREATE in place of a new Lead’s events: R6 still creates its contact once', async () => {
    const steps: Step[] = [
      { kind: 'salesforce-create', p: 0, objectType: 'Lead', values: ADA, gap: 'GAP_CREATE' },
    ];
    const { violations, happened, state } = await runHistory(3, steps);
    expect(violations).toEqual([]);
    expect(happened.gapEvents).toBe(1);
    expect(state.hubspot.size).toBe(1);
  }, 60_000);

  it('two processors at once over the same messages interleave their calls and leave one linked pair', async () => {
    const steps: Step[] = [member, { kind: 'process-concurrently', max: 200, share: 4, seed: 1 }];
    const { violations, happened, state } = await runHistory(3, steps);
    expect(violations).toEqual([]);
    expect(happened.concurrentInvocations).toBe(1);
    expect(state.pairsByHubSpot.size).toBe(1);
  }, 60_000);
});

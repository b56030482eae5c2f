import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAutoCreate } from '../../lib/sync/segment-choice.ts';
import {
  decisionsSince,
  hubspotContact,
  hubspotIdsByEmail,
  IN_SEGMENT,
  OUT_OF_SEGMENT,
  type Scenario,
  startScenario,
  uniqueEmail,
} from './scenario-stack.ts';

describe('R3 outside the segment, nothing syncs (scenario)', () => {
  let s: Scenario;
  let linkedId: string;
  let leadId: string;

  beforeAll(async () => {
    s = await startScenario();
    // A contact linked while no segment was set (R2), then a segment it is not part of.
    linkedId = await s.hubspotSandbox.userCreateContact({
      email: uniqueEmail('r3-linked'),
      firstname: 'Out',
      lastname: 'Side',
      jobtitle: 'Clerk',
      lifecyclestage: OUT_OF_SEGMENT,
    });
    await s.flush();
    leadId = (await s.trace('hubspot', linkedId)).pair!.salesforceId;
    await s.selectNewSegment('R3 segment', [IN_SEGMENT]);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R3: an update to a contact outside the segment is written to neither side and recorded as skipped: not-in-segment', async () => {
    const t0 = Date.now();
    const calls = await s.measure(() =>
      s.hubspotSandbox.userUpdateContact(linkedId, { jobtitle: 'Director' }),
    );
    expect(calls.hubspot.writes).toBe(0);
    expect(calls.salesforce.writes).toBe(0);
    expect(s.salesforceSandbox.getRecord(leadId)?.Title).toBe('Clerk');

    const trace = await s.trace('hubspot', linkedId);
    expect(trace.inSegment).toBe(false);
    const made = decisionsSince(trace, t0);
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((d) => d.outcome === 'skipped' && d.reason === 'not-in-segment')).toBe(true);
  });

  it('R3: a Salesforce edit of a record whose HubSpot contact is outside the segment is not written to HubSpot', async () => {
    const t0 = Date.now();
    const calls = await s.measure(() =>
      s.salesforceSandbox.userUpdate('Lead', leadId, { Phone: '+1 555 0303' }),
    );
    expect(calls.hubspot.writes).toBe(0);
    expect(calls.salesforce.writes).toBe(0);
    expect((await hubspotContact(s, linkedId)).phone).toBeNull();
    const made = decisionsSince(await s.trace('salesforce', leadId), t0);
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((d) => d.outcome === 'skipped' && d.reason === 'not-in-segment')).toBe(true);
  });

  it('R3: a new HubSpot contact outside the segment creates nothing in Salesforce (decision cites R3)', async () => {
    const email = uniqueEmail('r3-new');
    const t0 = Date.now();
    let id = '';
    const calls = await s.measure(async () => {
      id = await s.hubspotSandbox.userCreateContact({
        email,
        firstname: 'New',
        lastname: 'Outsider',
        lifecyclestage: OUT_OF_SEGMENT,
      });
    });
    expect(calls.salesforce.writes).toBe(0);
    expect(await s.deps.salesforce.findByEmail([email], { Lead: ['Email'], Contact: ['Email'] })).toEqual([]);
    const trace = await s.trace('hubspot', id);
    expect(trace.pair).toBeNull();
    expect(decisionsSince(trace, t0)).toContainEqual(
      expect.objectContaining({
        outcome: 'skipped',
        reason: 'not-in-segment',
        detail: expect.objectContaining({ rule: 'R3' }),
      }),
    );
  });

  it('R3: with auto-create off, a new Salesforce lead creates no HubSpot contact (no HubSpot contact, so no member)', async () => {
    await setAutoCreate(s.deps, { fromLeads: false, fromContacts: false });
    try {
      const email = uniqueEmail('r3-sf');
      const t0 = Date.now();
      let id = '';
      const calls = await s.measure(async () => {
        id = await s.salesforceSandbox.userCreate('Lead', {
          Email: email,
          LastName: 'Nobody',
          Company: 'Acme',
        });
      });
      expect(calls.hubspot.writes).toBe(0);
      expect(await hubspotIdsByEmail(s, email)).toEqual([]);
      expect(decisionsSince(await s.trace('salesforce', id), t0)).toContainEqual(
        expect.objectContaining({
          outcome: 'skipped',
          reason: 'not-in-segment',
          detail: expect.objectContaining({ rule: 'R3' }),
        }),
      );
    } finally {
      await setAutoCreate(s.deps, { fromLeads: true, fromContacts: true });
    }
  });

  it('R3: the skip is visible in the record search and the status counts (how a user finds out why)', async () => {
    const email = (await hubspotContact(s, linkedId)).email!;
    const res = await fetch(`${s.stack.url}/api/records/search?q=${encodeURIComponent(email)}`);
    const body = (await res.json()) as { hits: { side: string; id: string }[] };
    expect(body.hits).toContainEqual(expect.objectContaining({ side: 'hubspot', id: linkedId }));
    const status = await s.stack.status();
    expect(status.stats.decisions.skipped).toBeGreaterThan(0);
  });
});

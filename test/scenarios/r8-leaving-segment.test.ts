import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairState } from '../../lib/ports.ts';
import { refreshSegment } from '../../lib/sync/segment-refresh.ts';
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

describe('R8 leaving the segment (scenario)', () => {
  let s: Scenario;
  let listId: string;
  let email: string;
  let hubspotId: string;
  let leadId: string;
  let pairWhenLeft: PairState;

  beforeAll(async () => {
    s = await startScenario();
    listId = await s.selectNewSegment('MQL contacts', [IN_SEGMENT]);
    // A member, synced: it joins after the segment was selected, so its join syncs it (R4).
    email = uniqueEmail('r8');
    hubspotId = await s.hubspotSandbox.userCreateContact({
      email,
      firstname: 'Rejoin',
      lastname: 'Er',
      jobtitle: 'Engineer',
      lifecyclestage: IN_SEGMENT,
    });
    await s.flush();
    await refreshSegment(s.deps);
    await s.flush();
    leadId = (await s.trace('hubspot', hubspotId)).pair!.salesforceId;
    expect(s.salesforceSandbox.getRecord(leadId)?.Title).toBe('Engineer');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R8: a contact leaving the segment stops syncing, both ways; its link and last-synced state are kept', async () => {
    await s.hubspotSandbox.userUpdateContact(hubspotId, { lifecyclestage: OUT_OF_SEGMENT });
    await s.flush();
    pairWhenLeft = (await s.trace('hubspot', hubspotId)).pair!;
    // The processor confirmed the membership of the edited contact: the leave is recorded at the
    // moment of the change, not at the next refresh (which then has nothing left to find).
    expect(await s.deps.store.listMembers(listId)).not.toContain(hubspotId);
    expect(await s.deps.store.listMembershipChanges!(listId, 1)).toEqual([
      expect.objectContaining({ hubspotId, change: 'left' }),
    ]);
    expect(await refreshSegment(s.deps)).toMatchObject({ joined: 0, left: 0, notices: 0 });

    const t0 = Date.now();
    const calls = await s.measure(async () => {
      await s.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Architect' });
      await s.salesforceSandbox.userUpdate('Lead', leadId, { Phone: '+1 555 0808' });
    });
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
    expect(s.salesforceSandbox.getRecord(leadId)?.Title).toBe('Engineer');
    expect((await hubspotContact(s, hubspotId)).phone).toBeNull();

    const trace = await s.trace('hubspot', hubspotId);
    expect(trace.inSegment).toBe(false);
    expect(trace.pair).toEqual(pairWhenLeft);
    const made = decisionsSince(trace, t0);
    expect(made.length).toBeGreaterThanOrEqual(2);
    expect(
      made.every(
        (d) =>
          d.outcome === 'skipped' &&
          d.reason === 'not-in-segment' &&
          (d.detail as { rule?: string }).rule === 'R8',
      ),
    ).toBe(true);
  });

  it('R8: when it rejoins, it resumes cleanly: same link, no duplicate, and the changes made meanwhile on each side merge', async () => {
    const t0 = Date.now();
    // The edit that makes it rejoin syncs it by itself: the processor sees the join at that moment.
    await s.hubspotSandbox.userUpdateContact(hubspotId, { lifecyclestage: IN_SEGMENT });
    await s.flush();
    expect(await s.deps.store.listMembers(listId)).toContain(hubspotId);
    expect(await refreshSegment(s.deps)).toMatchObject({ joined: 0, notices: 0 });
    await s.flush();

    // HubSpot's change went to Salesforce and Salesforce's to HubSpot: neither overwrote the other.
    expect(s.salesforceSandbox.getRecord(leadId)?.Title).toBe('Architect');
    expect((await hubspotContact(s, hubspotId)).phone).toBe('+1 555 0808');
    const trace = await s.trace('hubspot', hubspotId);
    expect(trace.pair).toMatchObject({ hubspotId, salesforceId: leadId, origin: pairWhenLeft.origin });
    expect(trace.pair!.version).toBeGreaterThan(pairWhenLeft.version);
    expect(trace.pair!.snapshot).toMatchObject({ jobtitle: 'Architect', phone: '+1 555 0808' });
    expect(decisionsSince(trace, t0)).toContainEqual(expect.objectContaining({ outcome: 'synced' }));
    expect(decisionsSince(trace, t0).some((d) => d.outcome === 'linked')).toBe(false);
    expect(await hubspotIdsByEmail(s, email)).toEqual([hubspotId]);
    expect(
      await s.deps.salesforce.findByEmail([email], { Lead: ['Email'], Contact: ['Email'] }),
    ).toHaveLength(1);
  });

  it('R8: after rejoining, it syncs like any member again', async () => {
    await s.salesforceSandbox.userUpdate('Lead', leadId, { Title: 'Principal' });
    await s.flush();
    expect((await hubspotContact(s, hubspotId)).jobtitle).toBe('Principal');
  });
});

describe('R8 rejoining after both sides changed the same field', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R8: on rejoin, a field changed on both sides while outside takes the later change (here Salesforce, edited last)', async () => {
    await s.selectNewSegment('MQL contacts', [IN_SEGMENT]);
    const hubspotId = await s.hubspotSandbox.userCreateContact({
      email: uniqueEmail('r8-both'),
      firstname: 'Both',
      lastname: 'Sides',
      lifecyclestage: IN_SEGMENT,
    });
    await s.flush();
    await refreshSegment(s.deps);
    await s.flush();
    const leadId = (await s.trace('hubspot', hubspotId)).pair!.salesforceId;

    await s.hubspotSandbox.userUpdateContact(hubspotId, { lifecyclestage: OUT_OF_SEGMENT });
    await refreshSegment(s.deps);
    await s.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Changed in HubSpot first' });
    await s.flush();
    await s.salesforceSandbox.userUpdate('Lead', leadId, { Title: 'Changed in Salesforce last' });
    await s.flush();

    // Rejoining is itself a HubSpot edit (lifecycle stage), made after both title changes.
    await s.hubspotSandbox.userUpdateContact(hubspotId, { lifecyclestage: IN_SEGMENT });
    await s.flush();
    await refreshSegment(s.deps);
    await s.flush();
    expect(s.salesforceSandbox.getRecord(leadId)?.Title).toBe('Changed in Salesforce last');
    expect((await hubspotContact(s, hubspotId)).jobtitle).toBe('Changed in Salesforce last');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectSegment } from '../../lib/sync/segment-choice.ts';
import { refreshSegment } from '../../lib/sync/segment-refresh.ts';
import {
  createTwin,
  decisionsSince,
  hubspotContact,
  IN_SEGMENT,
  OUT_OF_SEGMENT,
  type Scenario,
  type Twin,
  startScenario,
} from './scenario-stack.ts';

describe('R4 choosing a segment syncs nothing by itself (scenario)', () => {
  let s: Scenario;
  let listA: string;
  let members: Twin[];
  let opportunity: Twin;
  let joiner: Twin;
  let salesforceTriggered: Twin;

  /** A HubSpot contact and a Salesforce lead with the same email and different titles, never synced. */
  const twin = (label: string, lifecyclestage: string) =>
    createTwin(s, { label, lifecyclestage, lastName: 'Twin', company: 'Twins Inc' });

  beforeAll(async () => {
    s = await startScenario();
    // Records that exist before any segment is chosen: auto-create off and an empty segment, so
    // their creation syncs nothing (R3) and each pair still disagrees when the real segment is chosen.
    await s.syncNothingYet('Nobody yet');
    members = [await twin('m1', IN_SEGMENT), await twin('m2', IN_SEGMENT), await twin('m3', IN_SEGMENT)];
    opportunity = await twin('opp', 'opportunity');
    joiner = await twin('joiner', OUT_OF_SEGMENT);
    salesforceTriggered = await twin('sf-trigger', IN_SEGMENT);
    await s.flush();
    listA = (await s.dynamicList('MQL contacts', 'lifecyclestage', [IN_SEGMENT])).listId;
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Not linked, and both sides still hold their own title: nobody synced this pair. */
  async function unsynced(t: Twin): Promise<void> {
    expect((await s.trace('hubspot', t.hubspotId)).pair).toBeNull();
    expect(s.salesforceSandbox.getRecord(t.leadId)?.Title).toBe(`Salesforce ${t.label}`);
    expect((await hubspotContact(s, t.hubspotId)).jobtitle).toBe(`HubSpot ${t.label}`);
  }

  it('R4: selecting a segment loads its membership and syncs nobody: no write on either side, no notice queued', async () => {
    const before = s.calls();
    const loaded = await selectSegment(s.deps, listA);
    const { processed } = await s.flush();
    const after = s.calls();

    expect(loaded).toMatchObject({
      firstLoad: true,
      members: 4,
      notices: 0,
      segment: { listId: listA, processingType: 'DYNAMIC' },
    });
    expect(processed).toBe(0);
    expect(after.hubspot.writes - before.hubspot.writes).toBe(0);
    expect(after.salesforce.writes - before.salesforce.writes).toBe(0);
    expect(after.salesforce.reads - before.salesforce.reads).toBe(0);
    expect((await s.deps.store.listMembers(listA)).sort()).toEqual(
      [...members, salesforceTriggered].map((m) => m.hubspotId).sort(),
    );
    for (const m of members) await unsynced(m);
    const status = await s.stack.status();
    expect(status.segment).toMatchObject({ id: listA, members: 4, loaded: true });
  });

  it('R4: changing the segment loads the new membership and syncs none of its members until a trigger; a change then syncs', async () => {
    const listB = (await s.dynamicList('Opportunities', 'lifecyclestage', ['opportunity'])).listId;
    const calls = await s.measure(async () => {
      const loaded = await selectSegment(s.deps, listB);
      expect(loaded).toMatchObject({ firstLoad: true, members: 1, notices: 0 });
    });
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
    await unsynced(opportunity);

    // The trigger: a user edits the member in HubSpot.
    const t0 = Date.now();
    await s.hubspotSandbox.userUpdateContact(opportunity.hubspotId, { phone: '+1 555 0404' });
    await s.flush();
    const trace = await s.trace('hubspot', opportunity.hubspotId);
    expect(trace.pair?.salesforceId).toBe(opportunity.leadId);
    expect(s.salesforceSandbox.getRecord(opportunity.leadId)?.Phone).toBe('+1 555 0404');
    expect(decisionsSince(trace, t0)).toContainEqual(
      expect.objectContaining({ outcome: 'synced', detail: expect.objectContaining({ rule: 'member' }) }),
    );
    // Back to segment A: again a first load, nobody synced.
    const back = await s.measure(async () => {
      expect(await selectSegment(s.deps, listA)).toMatchObject({ firstLoad: true, notices: 0 });
    });
    expect(back.hubspot.writes + back.salesforce.writes).toBe(0);
    for (const m of members) await unsynced(m);
  });

  it('R4: a contact joining the segment after it was selected syncs: the edit that makes it join syncs it, membership confirmed at that moment', async () => {
    const t0 = Date.now();
    await s.hubspotSandbox.userUpdateContact(joiner.hubspotId, {
      lifecyclestage: IN_SEGMENT,
      jobtitle: 'Joined title',
    });
    await s.flush();

    const trace = await s.trace('hubspot', joiner.hubspotId);
    expect(trace.inSegment).toBe(true);
    expect(trace.pair?.salesforceId).toBe(joiner.leadId);
    expect(s.salesforceSandbox.getRecord(joiner.leadId)?.Title).toBe('Joined title');
    expect(decisionsSince(trace, t0)).toContainEqual(expect.objectContaining({ outcome: 'synced' }));
    // The join is recorded already: the next refresh has nothing left to find.
    const refresh = await refreshSegment(s.deps);
    expect(refresh).toMatchObject({ firstLoad: false, joined: 0, left: 0, notices: 0, members: 5 });
    // Only the joiner: the members loaded at selection still wait for their own trigger.
    for (const m of members) await unsynced(m);
  });

  it('R4: a change on the Salesforce side of a member is a trigger too: the pair is linked and syncs', async () => {
    const t = salesforceTriggered;
    await unsynced(t);
    const t0 = Date.now();
    await s.salesforceSandbox.userUpdate('Lead', t.leadId, { Phone: '+1 555 0414' });
    await s.flush();
    const trace = await s.trace('salesforce', t.leadId);
    expect(trace.pair?.hubspotId).toBe(t.hubspotId);
    expect((await hubspotContact(s, t.hubspotId)).phone).toBe('+1 555 0414');
    expect(decisionsSince(trace, t0)).toContainEqual(
      expect.objectContaining({ outcome: 'synced', detail: expect.objectContaining({ rule: 'member' }) }),
    );
    for (const m of members) await unsynced(m);
  });

  it('R4: a refresh with no membership change queues nothing', async () => {
    const calls = await s.measure(async () => {
      expect(await refreshSegment(s.deps)).toMatchObject({ joined: 0, left: 0, notices: 0 });
    });
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
  });
});

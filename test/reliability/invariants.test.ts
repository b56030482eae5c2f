import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';
import { History, type UserWrite } from './history.ts';
import {
  acceptableValues,
  checkConvergence,
  checkLinks,
  checkNoLostUpdate,
  checkOutOfSegmentWrites,
  readFinalState,
  withFirstLinkFill,
} from './invariants.ts';

/**
 * The invariants must be able to fail: each check is shown a state that breaks it (a test that
 * cannot fail is a defect).
 */
describe('reliability invariants catch what they claim to', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const w = (side: 'hubspot' | 'salesforce', value: string | null, t0: number, t1 = t0): UserWrite => ({
    side,
    value,
    t0,
    t1,
  });

  it('two-way rule: the later write wins; overlapping times are a tie; only the latest write per side counts', () => {
    expect(acceptableValues([w('hubspot', 'A', 10), w('salesforce', 'B', 20)], [])).toEqual(new Set(['B']));
    expect(acceptableValues([w('salesforce', 'B', 10), w('hubspot', 'A', 20)], [])).toEqual(new Set(['A']));
    expect(acceptableValues([w('salesforce', 'B', 10, 20), w('hubspot', 'A', 15, 25)], [])).toEqual(
      new Set(['A', 'B']),
    );
    expect(acceptableValues([w('hubspot', 'A', 10), w('hubspot', null, 20)], [])).toEqual(new Set([null]));
    // An earlier Salesforce write may win when its record was modified after the HubSpot write (record time).
    expect(acceptableValues([w('salesforce', 'B', 10), w('hubspot', 'A', 20)], [30])).toEqual(
      new Set(['A', 'B']),
    );
    // …but an earlier HubSpot write never beats a later Salesforce one.
    expect(acceptableValues([w('hubspot', 'A', 10), w('salesforce', 'B', 20)], [30])).toEqual(new Set(['B']));
  });

  it('first link fills blanks (README): only a blank before the first link, never a clear after it', () => {
    // Cleared in HubSpot (t20) before the first link by email (t30): the link fills it from Salesforce.
    const clearedBefore = [w('salesforce', 'Ada', 5), w('hubspot', 'Ada', 10), w('hubspot', null, 20)];
    expect(acceptableValues(clearedBefore, [])).toEqual(new Set([null]));
    expect(acceptableValues(withFirstLinkFill(clearedBefore, 30, 35), [])).toEqual(new Set(['Ada']));
    // Cleared after the link (a snapshot exists): the clear wins, as docs/design.md#three-way-merge says.
    const clearedAfter = [w('salesforce', 'Ada', 5), w('hubspot', 'Ada', 10), w('hubspot', null, 40)];
    expect(acceptableValues(withFirstLinkFill(clearedAfter, 30, 35), [])).toEqual(new Set([null]));
    // Cleared in Salesforce after the link: also wins.
    const sfClearedAfter = [w('salesforce', 'Ada', 5), w('hubspot', null, 10), w('salesforce', null, 40)];
    expect(acceptableValues(withFirstLinkFill(sfClearedAfter, 30, 35), [])).toEqual(new Set([null]));
    // Set on both sides before the link: no fill, the two-way rule as before.
    const bothSet = [w('salesforce', 'Ada', 5), w('hubspot', 'Bea', 10)];
    expect(withFirstLinkFill(bothSet, 30, 35)).toBe(bothSet);
    // A Salesforce write overlapping the fill (from the link to crmsync's write) is a tie; a HubSpot write
    // after the link is the latest HubSpot change and wins over the older Salesforce value.
    const overlapping = [w('salesforce', 'Ada', 5), w('hubspot', null, 20), w('salesforce', 'Dee', 33, 36)];
    expect(acceptableValues(withFirstLinkFill(overlapping, 30, 35), [])).toEqual(new Set(['Ada', 'Dee']));
    const hubspotAfter = [w('salesforce', 'Ada', 5), w('hubspot', null, 20), w('hubspot', 'Cy', 33)];
    expect(acceptableValues(withFirstLinkFill(hubspotAfter, 30, 35), [])).toEqual(new Set(['Cy']));
  });

  it('convergence and no lost update fail when a change never reached the other side', async () => {
    h = await Harness.start();
    const history = new History(h, 1, `inv${process.pid}a`);
    await history.apply({
      kind: 'hubspot-create',
      p: 0,
      values: { lastname: 'Lee', jobtitle: 'CTO' },
      inSegment: true,
    });
    await history.quiesce();
    let state = await readFinalState(h, history);
    expect(checkConvergence(h, state)).toEqual([]);
    expect(checkNoLostUpdate(h, history, state)).toEqual([]);

    // A Salesforce edit whose every delivery is lost, and no gap recovery.
    await history.apply({ kind: 'salesforce-edit', p: 0, field: 'jobtitle', value: 'Buyer' });
    await h.collect();
    h.takeHeld();
    await h.drain();
    state = await readFinalState(h, history);
    expect(checkConvergence(h, state).join('\n')).toMatch(
      /not converged: .*jobtitle="CTO" but Lead:.*Title="Buyer"/,
    );
    expect(checkNoLostUpdate(h, history, state).join('\n')).toMatch(/lost update: p0\.jobtitle is "CTO"/);
  });

  it('out-of-segment: a crmsync write to a record outside the segment is reported', async () => {
    h = await Harness.start();
    const history = new History(h, 1, `inv${process.pid}b`);
    await history.apply({
      kind: 'hubspot-create',
      p: 0,
      values: { lastname: 'Ng' },
      inSegment: true,
    });
    await history.quiesce();
    await history.apply({ kind: 'segment', p: 0, join: false });
    const person = history.people[0]!;
    const sf = await history.salesforceOf(person);
    // crmsync's own adapter writes while the contact is outside the segment (what R3/R8 forbid).
    await h.deps.salesforce.updateRecords(sf!.objectType, [
      { ref: 'x', id: sf!.id, fields: { Title: 'Leak' } },
    ]);
    await history.quiesce();
    const state = await readFinalState(h, history);
    expect(checkOutOfSegmentWrites(h, history, state).join('\n')).toMatch(
      /out-of-segment writes: .*p0's salesforce/,
    );
  });

  it('links: a Salesforce record in two pairs and a disagreeing index are reported', async () => {
    h = await Harness.start();
    const history = new History(h, 2, `inv${process.pid}c`);
    for (const p of [0, 1])
      await history.apply({ kind: 'hubspot-create', p, values: { lastname: 'Park' }, inSegment: true });
    await history.quiesce();
    const state = await readFinalState(h, history);
    expect(checkLinks(h, state)).toEqual([]);
    const [a, b] = history.people.map((p) => state.pairsByHubSpot.get(p.hubspotId!)!);
    // Point b's pair at a's Salesforce record, as a broken re-link would (the store itself refuses
    // such a put, so the state read from it is edited instead).
    state.pairsByHubSpot.set(b!.hubspotId, { ...b!, salesforceId: a!.salesforceId });
    const found = checkLinks(h, state).join('\n');
    expect(found).toMatch(/linked to 2 HubSpot contacts/);
    expect(found).toMatch(/link index disagrees/);
  });
});

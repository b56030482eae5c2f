import { describe, expect, it } from 'vitest';
import {
  assertActiveSegment,
  decide,
  type GateInput,
  SegmentNotActiveError,
} from '../../lib/domain/segment-gate.ts';
import { pairOf } from './fixtures.ts';

const base: GateInput = {
  notice: { source: 'hubspot', objectType: 'contact', kind: 'updated' },
  segment: { listId: '1' },
  isMember: true,
  autoCreate: { Lead: true, Contact: true },
};
const gate = (over: Partial<GateInput>) => decide({ ...base, ...over });

describe('segment gate', () => {
  it('R1: a MANUAL or SNAPSHOT list is refused, naming the list, its type and what to do', () => {
    for (const processingType of ['MANUAL', 'SNAPSHOT'] as const) {
      const check = () => assertActiveSegment({ listId: '7', name: 'Trade show', processingType });
      expect(check).toThrow(SegmentNotActiveError);
      expect(check).toThrow(new RegExp(`list 7 \\("Trade show"\\) is a ${processingType} list`));
      expect(check).toThrow(/active \(DYNAMIC\).*crmsync segment list/);
    }
    expect(() => assertActiveSegment({ listId: '1', name: 'MQL', processingType: 'DYNAMIC' })).not.toThrow();
  });

  it('R2: with no segment, every contact syncs, member or not', () => {
    expect(gate({ segment: null, isMember: false })).toEqual({ action: 'sync', rule: 'R2' });
    expect(
      gate({
        segment: null,
        isMember: undefined,
        notice: { source: 'salesforce', objectType: 'Lead', kind: 'updated' },
      }),
    ).toEqual({ action: 'sync', rule: 'R2' });
  });

  it('R3: an update to a contact outside the segment is not written to Salesforce (skipped: not-in-segment)', () => {
    expect(gate({ isMember: false })).toEqual({ action: 'skip', reason: 'not-in-segment', rule: 'R3' });
  });
  it('R3: an update to a Salesforce record whose contact is outside the segment is not written to HubSpot', () => {
    const notice = { source: 'salesforce', objectType: 'Contact', kind: 'updated' } as const;
    expect(gate({ notice, isMember: false })).toMatchObject({ action: 'skip', reason: 'not-in-segment' });
    expect(gate({ notice, isMember: undefined })).toMatchObject({ action: 'skip', reason: 'not-in-segment' });
  });
  it('R3: a member syncs on any change', () => {
    expect(gate({})).toEqual({ action: 'sync', rule: 'member' });
  });

  it('R4: a contact joining the segment after it was selected syncs', () => {
    expect(gate({ notice: { source: 'hubspot', objectType: 'contact', kind: 'segment-joined' } })).toEqual({
      action: 'sync',
      rule: 'R4',
    });
  });
  it('R4: a segment-joined notice for a contact that has left again is skipped', () => {
    const notice = { source: 'hubspot', objectType: 'contact', kind: 'segment-joined' } as const;
    expect(gate({ notice, isMember: false })).toMatchObject({ action: 'skip', reason: 'not-in-segment' });
  });

  it('R5: a resync notice syncs a current member, and only a member', () => {
    const notice = { source: 'hubspot', objectType: 'contact', kind: 'resync' } as const;
    expect(gate({ notice })).toEqual({ action: 'sync', rule: 'R5' });
    expect(gate({ notice, isMember: false })).toMatchObject({ action: 'skip', reason: 'not-in-segment' });
  });

  it('R6: a newly created Salesforce lead, confirmed by its record, syncs outside the segment when auto-create is on for leads', () => {
    const notice = { source: 'salesforce', objectType: 'Lead', kind: 'created' } as const;
    const autoCreateEvidence = { confirmed: true } as const;
    expect(gate({ notice, isMember: undefined, autoCreateEvidence })).toEqual({ action: 'sync', rule: 'R6' });
    expect(gate({ notice, isMember: false, autoCreateEvidence })).toEqual({ action: 'sync', rule: 'R6' });
    expect(
      gate({ notice, isMember: undefined, autoCreateEvidence, autoCreate: { Lead: false, Contact: true } }),
    ).toMatchObject({ action: 'skip', reason: 'not-in-segment' });
  });

  it('R6 is granted by the record, not by the notice: an unconfirmed `created` is an ordinary change (R3) and says why', () => {
    const notice = { source: 'salesforce', objectType: 'Lead', kind: 'created' } as const;
    expect(gate({ notice, isMember: false })).toEqual({
      action: 'skip',
      reason: 'not-in-segment',
      rule: 'R3',
      autoCreateRefused: 'record-not-found',
    });
    for (const why of ['created-by-crmsync', 'created-before-window'] as const) {
      expect(gate({ notice, isMember: false, autoCreateEvidence: { confirmed: false, why } })).toEqual({
        action: 'skip',
        reason: 'not-in-segment',
        rule: 'R3',
        autoCreateRefused: why,
      });
      // A member syncs as any member's change would.
      expect(gate({ notice, isMember: true, autoCreateEvidence: { confirmed: false, why } })).toEqual({
        action: 'sync',
        rule: 'member',
      });
    }
  });
  it('R6: later updates of an auto-created record are gated by the segment', () => {
    const notice = { source: 'salesforce', objectType: 'Lead', kind: 'updated' } as const;
    expect(
      gate({ notice, isMember: false, pair: pairOf('1', '00Q1', {}, { origin: 'auto-create' }) }),
    ).toMatchObject({
      action: 'skip',
      reason: 'not-in-segment',
    });
  });
  it('R6: a HubSpot-created contact is not an auto-create', () => {
    expect(
      gate({ notice: { source: 'hubspot', objectType: 'contact', kind: 'created' }, isMember: false }),
    ).toMatchObject({
      action: 'skip',
    });
  });

  it('R7: an import writes the email only for a contact outside the segment', () => {
    const notice = { source: 'salesforce', objectType: 'Contact', kind: 'import' } as const;
    expect(gate({ notice, isMember: undefined })).toEqual({ action: 'sync-email-only', rule: 'R7' });
    expect(gate({ notice, isMember: false })).toEqual({ action: 'sync-email-only', rule: 'R7' });
  });
  it('R7: an import syncs every field for a member, or for everyone when no segment is set', () => {
    const notice = { source: 'salesforce', objectType: 'Contact', kind: 'import' } as const;
    expect(gate({ notice, isMember: true })).toEqual({ action: 'sync', rule: 'R7' });
    expect(gate({ notice, segment: null, isMember: undefined })).toEqual({ action: 'sync', rule: 'R2' });
  });

  it('R8: a linked contact that left the segment is skipped (the pair is kept by the caller)', () => {
    const pair = pairOf('1', '00Q1', { email: 'a@b.c' });
    expect(gate({ isMember: false, pair })).toEqual({ action: 'skip', reason: 'not-in-segment', rule: 'R8' });
    expect(gate({ isMember: true, pair })).toEqual({ action: 'sync', rule: 'member' });
  });

  it('R8: under deletes: propagate a delete meets the segment rules like any change', () => {
    const pair = pairOf('1', '00Q1', { email: 'a@b.c' });
    const deleted = { source: 'hubspot', objectType: 'contact', kind: 'deleted' } as const;
    expect(gate({ notice: deleted, deletes: 'propagate', isMember: false, pair })).toEqual({
      action: 'skip',
      reason: 'not-in-segment',
      rule: 'R8',
    });
    expect(gate({ notice: deleted, deletes: 'propagate', isMember: true, pair })).toEqual({
      action: 'sync',
      rule: 'member',
    });
    expect(gate({ notice: deleted, deletes: 'propagate', segment: null, pair })).toEqual({
      action: 'sync',
      rule: 'R2',
    });
    expect(gate({ notice: deleted, deletes: 'ignore', isMember: true, pair })).toMatchObject({
      reason: 'deleted',
    });
  });

  it('echoes and deletes are skipped before any segment rule', () => {
    expect(gate({ echo: true, segment: null })).toEqual({ action: 'skip', reason: 'echo', rule: 'echo' });
    expect(gate({ notice: { source: 'hubspot', objectType: 'contact', kind: 'deleted' } })).toMatchObject({
      action: 'skip',
      reason: 'deleted',
    });
  });
});

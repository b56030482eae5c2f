import { describe, expect, it } from 'vitest';
import type { FieldMapping, SyncRule } from '../../lib/config.ts';
import { merge, type MergeInput } from '../../lib/domain/three-way-merge.ts';
import type { FieldValues } from '../../lib/ports.ts';
import { leadMappings, picklists } from './fixtures.ts';

const field = (rule: SyncRule): FieldMapping => ({
  hubspot: 'jobtitle',
  salesforce: 'Title',
  rule,
  type: 'string',
});

/** One field under `rule`: HubSpot value, Salesforce value, snapshot, change times. */
function one(
  rule: SyncRule,
  hs: string | null,
  sf: string | null,
  snap: string | null | undefined,
  times: { hs?: number; sf?: number; hsReported?: number; sfReported?: number } = {},
) {
  const input: MergeInput = {
    mappings: [field(rule)],
    picklists,
    hubspot: {
      values: { jobtitle: hs },
      changedAt: () => times.hs ?? 100,
      reportedAt: () => times.hsReported,
    },
    salesforce: {
      values: { Title: sf },
      changedAt: () => times.sf ?? 100,
      reportedAt: () => times.sfReported,
    },
    snapshot: snap === undefined ? undefined : { jobtitle: snap },
  };
  return merge(input);
}

describe('two-way', () => {
  it('two-way: a value changed in HubSpot only is written to Salesforce', () => {
    const r = one('two-way', 'CTO', 'CEO', 'CEO');
    expect(r.toSalesforce).toEqual({ Title: 'CTO' });
    expect(r.toHubSpot).toEqual({});
    expect(r.snapshot).toEqual({ jobtitle: 'CTO' });
  });
  it('two-way: a value changed in Salesforce only is written to HubSpot', () => {
    const r = one('two-way', 'CEO', 'CFO', 'CEO');
    expect(r.toHubSpot).toEqual({ jobtitle: 'CFO' });
    expect(r.toSalesforce).toEqual({});
  });
  it('two-way: a value cleared on one side only is cleared on the other', () => {
    expect(one('two-way', '', 'CEO', 'CEO').toSalesforce).toEqual({ Title: null });
    expect(one('two-way', 'CEO', null, 'CEO').toHubSpot).toEqual({ jobtitle: '' });
  });
  it('two-way: changed on both sides, the later change wins and the conflict is reported', () => {
    const r = one('two-way', 'CTO', 'CFO', 'CEO', { hs: 200, sf: 100 });
    expect(r.toSalesforce).toEqual({ Title: 'CTO' });
    expect(r.conflicts).toEqual([
      expect.objectContaining({ field: 'jobtitle', hubspot: 'CTO', salesforce: 'CFO', winner: 'hubspot' }),
    ]);
    expect(one('two-way', 'CTO', 'CFO', 'CEO', { hs: 100, sf: 200 }).toHubSpot).toEqual({ jobtitle: 'CFO' });
  });
  it('two-way: changed on both sides at the same time, Salesforce wins the tie', () => {
    const r = one('two-way', 'CTO', 'CFO', 'CEO', { hs: 100, sf: 100 });
    expect(r.toHubSpot).toEqual({ jobtitle: 'CFO' });
    expect(r.conflicts[0]?.winner).toBe('salesforce');
    expect(r.conflicts[0]?.reason).toMatch(/ties/);
  });
  it('two-way: a field set back to the last-synced value after the other side’s change wins (reported A→B→A, seed 1198197101)', () => {
    // HubSpot changed Buyer → Engineer at 200; a Salesforce user then set Title Engineer and back to
    // Buyer at 300 (CDC says Title changed): the latest change is Salesforce's.
    const r = one('two-way', 'Engineer', 'Buyer', 'Buyer', { hs: 200, sf: 300, sfReported: 300 });
    expect(r.toHubSpot).toEqual({ jobtitle: 'Buyer' });
    expect(r.toSalesforce).toEqual({});
    expect(r.conflicts[0]).toMatchObject({
      winner: 'salesforce',
      reason: expect.stringMatching(/set it back/),
    });
    expect(one('two-way', 'Buyer', 'Engineer', 'Buyer', { sf: 200, hsReported: 300 }).toSalesforce).toEqual({
      Title: 'Buyer',
    });
    // Reported before the other side's change, or not reported at all (record-level time only): the changed side wins.
    expect(one('two-way', 'Engineer', 'Buyer', 'Buyer', { hs: 200, sfReported: 150 }).toSalesforce).toEqual({
      Title: 'Engineer',
    });
    expect(one('two-way', 'Engineer', 'Buyer', 'Buyer', { hs: 200, sf: 300 }).toSalesforce).toEqual({
      Title: 'Engineer',
    });
  });
  it('two-way: an echo of our own write (both sides equal the snapshot) writes nothing', () => {
    const r = one('two-way', 'CTO', 'CTO', 'CTO');
    expect(r).toMatchObject({ toHubSpot: {}, toSalesforce: {}, conflicts: [] });
  });
  it('two-way: first sync of a new link fills the blank side and never clears', () => {
    expect(one('two-way', null, 'CEO', undefined).toHubSpot).toEqual({ jobtitle: 'CEO' });
    expect(one('two-way', 'CEO', '', undefined).toSalesforce).toEqual({ Title: 'CEO' });
  });
  it('two-way: first sync with two different values, the later one wins (tie: Salesforce)', () => {
    expect(one('two-way', 'CTO', 'CFO', undefined, { hs: 300, sf: 100 }).toSalesforce).toEqual({
      Title: 'CTO',
    });
    expect(one('two-way', 'CTO', 'CFO', undefined).toHubSpot).toEqual({ jobtitle: 'CFO' });
  });
});

describe('prefer-salesforce-unless-blank', () => {
  it('prefer-salesforce-unless-blank: a Salesforce value always overwrites HubSpot', () => {
    const r = one('prefer-salesforce-unless-blank', 'Acme HS', 'Acme SF', 'Acme', { hs: 900, sf: 100 });
    expect(r.toHubSpot).toEqual({ jobtitle: 'Acme SF' });
    expect(r.toSalesforce).toEqual({});
  });
  it('prefer-salesforce-unless-blank: a value cleared in Salesforce is cleared in HubSpot', () => {
    const r = one('prefer-salesforce-unless-blank', 'Acme', null, 'Acme');
    expect(r.toHubSpot).toEqual({ jobtitle: '' });
    expect(r.toSalesforce).toEqual({});
  });
  it('prefer-salesforce-unless-blank: HubSpot writes to Salesforce while the Salesforce field is blank', () => {
    expect(one('prefer-salesforce-unless-blank', 'Acme', null, null).toSalesforce).toEqual({ Title: 'Acme' });
    expect(one('prefer-salesforce-unless-blank', 'Acme', null, undefined).toSalesforce).toEqual({
      Title: 'Acme',
    });
  });
  it('prefer-salesforce-unless-blank: a HubSpot change does not overwrite a Salesforce value', () => {
    const r = one('prefer-salesforce-unless-blank', 'New', 'Old', 'Old', { hs: 900, sf: 1 });
    expect(r.toSalesforce).toEqual({});
    expect(r.toHubSpot).toEqual({ jobtitle: 'Old' });
  });
});

describe('always-salesforce / always-hubspot / dont-sync', () => {
  it('always-salesforce: Salesforce is the source, written to HubSpot only, blank included', () => {
    expect(one('always-salesforce', 'x', 'Hot', 'x')).toMatchObject({
      toHubSpot: { jobtitle: 'Hot' },
      toSalesforce: {},
    });
    expect(one('always-salesforce', 'Hot', null, 'Hot')).toMatchObject({
      toHubSpot: { jobtitle: '' },
      toSalesforce: {},
    });
    expect(one('always-salesforce', 'changed in HS', 'Hot', 'Hot', { hs: 999 }).toSalesforce).toEqual({});
  });
  it('always-hubspot: HubSpot is the source, written to Salesforce only, blank included', () => {
    expect(one('always-hubspot', 'A', 'B', 'B')).toMatchObject({
      toSalesforce: { Title: 'A' },
      toHubSpot: {},
    });
    expect(one('always-hubspot', null, 'B', 'B')).toMatchObject({
      toSalesforce: { Title: null },
      toHubSpot: {},
    });
    expect(one('always-hubspot', 'A', 'changed in SF', 'A', { sf: 999 }).toHubSpot).toEqual({});
  });
  it('dont-sync: never synced, values nor deletions, and kept out of the snapshot', () => {
    for (const [hs, sf, snap] of [
      ['a', 'b', 'a'],
      [null, 'b', 'b'],
      ['a', null, undefined],
    ] as const) {
      const r = one('dont-sync', hs, sf, snap);
      expect(r).toMatchObject({ toHubSpot: {}, toSalesforce: {}, snapshot: {}, conflicts: [], errors: [] });
    }
  });
});

describe('three-way merge across types', () => {
  const sfValues: FieldValues = {
    Email: 'ANN@EXAMPLE.COM ',
    FirstName: 'Ann',
    LastName: 'Lee',
    Phone: null,
    Company: 'Acme',
    Status: 'Working - Contacted',
    Rating: 'Hot',
    Score__c: 10,
    Stage__c: 'x',
  };
  const hsValues = {
    email: 'ann@example.com',
    firstname: 'Ann',
    lastname: 'Lee',
    phone: '',
    company: 'Acme',
    hs_lead_status: 'CONNECTED',
    rating: 'Hot',
    score: '10.0',
    lifecyclestage: 'lead',
  };
  const input = (snapshot: MergeInput['snapshot'], sf = sfValues, hs = hsValues): MergeInput => ({
    mappings: leadMappings,
    picklists,
    hubspot: { values: hs, changedAt: () => 1 },
    salesforce: { values: sf, changedAt: () => 1 },
    snapshot,
  });

  it('values equal after normalization are not written (case, whitespace, number form, shared picklist value)', () => {
    const r = merge(input(undefined));
    expect(r.toHubSpot).toEqual({});
    expect(r.toSalesforce).toEqual({});
    expect(r.snapshot).toEqual({
      email: 'ann@example.com',
      firstname: 'Ann',
      lastname: 'Lee',
      phone: null,
      company: 'Acme',
      hs_lead_status: 'IN_PROGRESS',
      rating: 'Hot',
      score: '10',
    });
  });

  it('an unmapped Salesforce picklist value is a field error; the field is left untouched and the rest syncs', () => {
    const snapshot = merge(input(undefined)).snapshot;
    const r = merge(input(snapshot, { ...sfValues, Status: 'Nurturing', FirstName: 'Anne' }));
    expect(r.toHubSpot).toEqual({ firstname: 'Anne' });
    expect(r.errors).toEqual([
      expect.objectContaining({
        field: 'hs_lead_status',
        value: 'Nurturing',
        side: 'salesforce',
        category: 'picklist-value-unmapped',
      }),
    ]);
    expect(r.snapshot['hs_lead_status']).toBe('IN_PROGRESS');
  });

  it('an unmapped HubSpot picklist value is a field error when it would be written to Salesforce', () => {
    const snapshot = merge(input(undefined)).snapshot;
    const r = merge(input(snapshot, sfValues, { ...hsValues, hs_lead_status: 'LOST' }));
    expect(r.toSalesforce).toEqual({});
    expect(r.errors).toEqual([
      expect.objectContaining({
        field: 'hs_lead_status',
        value: 'LOST',
        category: 'picklist-value-unmapped',
      }),
    ]);
  });

  it('writes typed Salesforce values (always-hubspot number)', () => {
    const snapshot = merge(input(undefined)).snapshot;
    const r = merge(input(snapshot, sfValues, { ...hsValues, score: '12.5' }));
    expect(r.toSalesforce).toEqual({ Score__c: 12.5 });
  });

  it('always-hubspot overwrites an unreadable Salesforce value instead of reporting it', () => {
    const mappings = leadMappings.map((m) =>
      m.hubspot === 'hs_lead_status' ? { ...m, rule: 'always-hubspot' as const } : m,
    );
    const r = merge({ ...input(undefined, { ...sfValues, Status: 'Nurturing' }), mappings });
    expect(r.errors).toEqual([]);
    expect(r.toSalesforce).toEqual({ Status: 'Working - Contacted' });
    expect(r.snapshot['hs_lead_status']).toBe('IN_PROGRESS');
  });
});

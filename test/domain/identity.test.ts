import { describe, expect, it } from 'vitest';
import {
  chooseHubSpotMatch,
  chooseSalesforceMatch,
  normalizeEmail,
  repointForConversion,
  repointForMerge,
} from '../../lib/domain/identity.ts';
import {
  dropped101,
  hubspotContact,
  hubspotMergeOf101,
  leadMergeInto00Q2,
  pairOf,
  salesforceRecord,
  T0,
} from './fixtures.ts';

describe('identity', () => {
  it('normalizes emails: trim, NFC, lower-case; invalid is undefined', () => {
    expect(normalizeEmail('  Ann.Lee@Example.COM ')).toBe('ann.lee@example.com');
    expect(normalizeEmail('Jose\u0301@example.com')).toBe('jos\u00e9@example.com');
    expect([
      normalizeEmail(''),
      normalizeEmail('no-at-sign'),
      normalizeEmail('a b@c.d'),
      normalizeEmail(null),
    ]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('chooses the oldest of several HubSpot contacts with one email (mid-merge), then the lowest id, and says so', () => {
    const older = hubspotContact('205', {}, T0 - 1000);
    const sameAge = [hubspotContact('204', {}, T0), hubspotContact('203', {}, T0)];
    expect(chooseHubSpotMatch([...sameAge, older])).toEqual({
      chosen: older,
      reason: 'matched HubSpot contact by email among 3 contacts: the oldest',
    });
    expect(chooseHubSpotMatch(sameAge).chosen?.id).toBe('203');
    expect(chooseHubSpotMatch([older]).reason).toBe('matched HubSpot contact by email');
    expect(chooseHubSpotMatch([])).toEqual({ chosen: undefined, reason: 'no match by email' });
  });

  it('prefers a Contact over a Lead with the same email, and says so', () => {
    const lead = salesforceRecord('00Q1', 'Lead', {}, { modifiedAt: T0 + 5000 });
    const contact = salesforceRecord('0031', 'Contact', {}, { modifiedAt: T0 });
    const m = chooseSalesforceMatch([lead, contact]);
    expect(m.chosen?.id).toBe('0031');
    expect(m.reason).toMatch(/among 2 records.*Contact preferred over Lead/);
  });

  it('then prefers the most recently modified, and excludes converted leads', () => {
    const old = salesforceRecord('00Q1', 'Lead', {}, { modifiedAt: T0 });
    const recent = salesforceRecord('00Q2', 'Lead', {}, { modifiedAt: T0 + 1 });
    const converted = salesforceRecord('00Q3', 'Lead', {}, { modifiedAt: T0 + 9, isConverted: true });
    const m = chooseSalesforceMatch([old, converted, recent]);
    expect(m.chosen?.id).toBe('00Q2');
    expect(m.reason).toMatch(/most recently modified/);
    expect(chooseSalesforceMatch([converted])).toEqual({
      chosen: undefined,
      reason: expect.stringMatching(/converted/),
    });
    expect(chooseSalesforceMatch([]).chosen).toBeUndefined();
  });

  it('lead conversion re-points the pair to the new Contact and keeps the snapshot', () => {
    const pair = pairOf('101', '00Q1', { email: 'a@b.c' });
    const lead = salesforceRecord('00Q1', 'Lead', {}, { isConverted: true, convertedContactId: '0039' });
    const w = repointForConversion(pair, lead, T0 + 1);
    expect(w).toEqual({
      pair: { ...pair, salesforceId: '0039', salesforceType: 'Contact', version: 4, lastSyncedAt: T0 + 1 },
      expectedVersion: 3,
    });
    expect(repointForConversion(pair, salesforceRecord('00Q1', 'Lead', {}), T0)).toBeUndefined();
  });

  it('a HubSpot merge moves the loser link to the survivor when the survivor has none', () => {
    const loser = pairOf('101', '00Q1', {});
    const out = repointForMerge(hubspotMergeOf101([loser]));
    expect(out.delete).toEqual([{ hubspotId: '101', expectedVersion: 3 }]);
    expect(out.put).toEqual([
      { pair: { ...loser, hubspotId: '202', version: 1, lastSyncedAt: T0 }, expectedVersion: 0 },
    ]);
  });

  it('a HubSpot merge does not move a link whose Salesforce record must not take the survivor’s email (keepApart)', () => {
    const loser = pairOf('101', '00Q1', {});
    const out = repointForMerge({ ...hubspotMergeOf101([loser]), keepApart: new Set(['101']) });
    expect(out).toEqual(dropped101(loser, 'otherEmail'));
  });

  it('a merge keeps links one-to-one: the survivor keeps its link, the loser link goes', () => {
    const loser = pairOf('101', '00Q1', {});
    const survivor = pairOf('202', '00Q2', {});
    const out = repointForMerge(hubspotMergeOf101([loser, survivor]));
    expect(out).toEqual(dropped101(loser, 'unlinked'));
  });

  it('a Salesforce merge into a master linked to another contact drops the loser link instead of linking the master twice', () => {
    const loser = pairOf('101', '00Q1', {});
    const master = pairOf('202', '00Q2', {});
    const out = repointForMerge(leadMergeInto00Q2([loser, master]));
    expect(out).toEqual(dropped101(loser, 'unlinked'));
  });

  it('a master linked earlier in the same batch (no stored pair yet) counts as linked', () => {
    const loser = pairOf('101', '00Q1', {});
    const out = repointForMerge(leadMergeInto00Q2([loser], { survivorLinkedInBatch: '' }));
    expect(out).toEqual(dropped101(loser, 'unlinked'));
  });

  it('a Salesforce merge (delete with MasterRecordId) re-points the pair to the master record', () => {
    const loser = pairOf('101', '0031', {}, { salesforceType: 'Contact' });
    const out = repointForMerge({
      side: 'salesforce',
      loserIds: ['0031'],
      survivorId: '0032',
      survivorType: 'Contact',
      pairs: [loser],
      now: T0,
    });
    expect(out.put).toEqual([
      { pair: { ...loser, salesforceId: '0032', version: 4, lastSyncedAt: T0 }, expectedVersion: 3 },
    ]);
    expect(out.delete).toEqual([]);
  });

  // Reliability finding 7: links match by email; a merge must not move another person's email onto a contact.
  it('a Salesforce merge into a master with another email drops the loser link instead of moving it', () => {
    const loser = pairOf('101', '00Q1', {});
    const out = repointForMerge(
      leadMergeInto00Q2([loser], {
        emails: { survivor: 'b@example.com', hubspot: new Map([['101', 'a@example.com']]) },
      }),
    );
    expect(out).toEqual(dropped101(loser, 'otherEmail'));
  });

  it('a Salesforce merge into a master with the same email (normalized), or a contact not read, re-points as before', () => {
    const loser = pairOf('101', '00Q1', {});
    const moved = [
      { pair: { ...loser, salesforceId: '00Q2', version: 4, lastSyncedAt: T0 }, expectedVersion: 3 },
    ];
    const base = leadMergeInto00Q2([loser]);
    const same = repointForMerge({
      ...base,
      emails: { survivor: 'a@example.com', hubspot: new Map([['101', 'a@example.com']]) },
    });
    expect(same).toMatchObject({ put: moved, delete: [], otherEmail: [] });
    const notRead = repointForMerge({ ...base, emails: { survivor: 'b@example.com', hubspot: new Map() } });
    expect(notRead).toMatchObject({ put: moved, otherEmail: [] });
    // A master without a usable email writes no email onto the contact: the link moves.
    const noEmail = repointForMerge({
      ...base,
      emails: { survivor: undefined, hubspot: new Map([['101', 'a@example.com']]) },
    });
    expect(noEmail).toMatchObject({ put: moved, otherEmail: [] });
  });
});

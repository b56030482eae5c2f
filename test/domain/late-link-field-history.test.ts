import { describe, expect, it } from 'vitest';
import type { SalesforceFieldChange } from '../../lib/domain/entities.ts';
import { annSf, hubspotContact, planLateLinkRetry, salesforceRecord, T0 } from './fixtures.ts';

/**
 * A late first link reads Salesforce field history to tell a user's change (a clear) from a write that
 * never landed (docs/design.md#late-first-link; reliability finding 25, seed 1228705811).
 */
const US = '005000000000001AAA';
const USER = '005000000000002AAA';
// The first link of contact 101 and Lead 00Q1 filled HubSpot's Ann into the Lead's blank FirstName
// (intent at T0 + 1 s), the only field its Salesforce update wrote; the responses were lost.
const intent = {
  snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee' },
  at: T0 + 1_000,
  link: { salesforceId: '00Q1', hubspot: [], salesforce: ['FirstName'] },
};
const contact = hubspotContact('101', { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee' });

/** The retry, with no notice of the Lead: its FirstName is blank, the record modified at `modifiedAt`. */
const retry = (modifiedAt: number, salesforceFieldChanges?: SalesforceFieldChange[]) =>
  planLateLinkRetry(
    contact,
    salesforceRecord('00Q1', 'Lead', { ...annSf, FirstName: null }, { modifiedAt }),
    intent,
    { integrationUserId: US, ...(salesforceFieldChanges ? { salesforceFieldChanges } : {}) },
  );
const fillsAnn = expect.arrayContaining([
  expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ FirstName: 'Ann' }) }),
]);

describe('late first link: Salesforce field history decides a field that does not hold the value written', () => {
  it('two-way: a record a user modified after the intent asks for its field history, and fills until it is read', () => {
    const plan = retry(T0 + 3_000);
    expect(plan.salesforceHistoryWanted).toEqual([{ id: '00Q1', objectType: 'Lead', since: T0 + 1_000 }]);
    expect(plan.salesforceUpdates.Lead).toEqual(fillsAnn);
  });

  it('two-way (seed 1228705811): a user’s clear the field history shows after the intent wins, and reaches HubSpot', () => {
    const plan = retry(T0 + 3_000, [
      { recordId: '00Q1', field: 'FirstName', at: T0 + 2_000, byId: US },
      { recordId: '00Q1', field: 'FirstName', at: T0 + 3_000, byId: USER },
    ]);
    expect(plan.salesforceHistoryWanted).toBeUndefined();
    // HubSpot clears a property with an empty string.
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ firstname: '' }) }),
    ]);
    expect(plan.salesforceUpdates.Lead).toEqual([]);
  });

  it('two-way: history without a user’s change of that field (untracked, another field, or only crmsync’s own write) fills as any first link', () => {
    for (const rows of [
      [],
      [{ recordId: '00Q1', field: 'Title', at: T0 + 3_000, byId: USER }],
      [{ recordId: '00Q1', field: 'FirstName', at: T0 + 2_000, byId: US }],
      [{ recordId: '00Q2', field: 'FirstName', at: T0 + 3_000, byId: USER }],
    ]) {
      const plan = retry(T0 + 3_000, rows);
      expect(plan.salesforceHistoryWanted).toBeUndefined();
      expect(plan.salesforceUpdates.Lead).toEqual(fillsAnn);
    }
  });

  it('two-way: a record not modified since the intent (the write never landed) costs no history read', () => {
    const plan = retry(T0 + 500);
    expect(plan.salesforceHistoryWanted).toBeUndefined();
    expect(plan.salesforceUpdates.Lead).toEqual(fillsAnn);
  });
});

describe('late first link: a Salesforce field a user set since the intent to the value written does not vouch for the update', () => {
  // The mirror of reliability seed 1340042036: the first link's Salesforce update (FirstName Ann, LastName
  // Lee) never landed; a Salesforce user then typed LastName Lee. FirstName is still the Lead's own blank.
  const both = {
    ...intent,
    link: { salesforceId: '00Q1', hubspot: [], salesforce: ['FirstName', 'LastName'] },
  };
  const typed = (salesforceFieldChanges?: SalesforceFieldChange[]) =>
    planLateLinkRetry(
      contact,
      salesforceRecord(
        '00Q1',
        'Lead',
        { ...annSf, FirstName: null, LastName: 'Lee' },
        { modifiedAt: T0 + 2_000 },
      ),
      both,
      { integrationUserId: US, ...(salesforceFieldChanges ? { salesforceFieldChanges } : {}) },
    );

  it('two-way: LastName alone cannot show the update landed: the field history is asked for', () => {
    expect(typed().salesforceHistoryWanted).toEqual([{ id: '00Q1', objectType: 'Lead', since: T0 + 1_000 }]);
  });

  it('no-lost-update: the history shows a user typed LastName, so FirstName links as a first link (filled)', () => {
    const plan = typed([{ recordId: '00Q1', field: 'LastName', at: T0 + 2_000, byId: USER }]);
    expect(plan.salesforceHistoryWanted).toBeUndefined();
    expect(plan.salesforceUpdates.Lead).toEqual(fillsAnn);
    expect(plan.hubspotUpdates.filter((u) => 'firstname' in u.properties)).toEqual([]);
  });

  it('two-way: the history shows crmsync’s own write of LastName: the update landed, and the blank FirstName is a user’s clear', () => {
    const plan = typed([{ recordId: '00Q1', field: 'LastName', at: T0 + 2_000, byId: US }]);
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ firstname: '' }) }),
    ]);
    expect(plan.salesforceUpdates.Lead).toEqual([]);
  });
});

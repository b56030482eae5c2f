import { describe, expect, it } from 'vitest';
import {
  ann,
  annLinked,
  annSalesforceContact,
  annSf,
  annSnapshot,
  hubspotContact,
  notice,
  pairOf,
  planOf,
  salesforceRecord,
  T0,
} from './fixtures.ts';

/**
 * A side set back to the last-synced value (A→B→A) with no notice of the batch to say so
 * (lib/domain/plan/set-back.ts; docs/design.md#set-back): the record's later modification makes the
 * merge unclear, the field's history decides.
 */
describe('two-way: a set-back known only from the field history', () => {
  const USER = '005000000000009AAA';
  const INTEGRATION = '005000000000001AAA';

  // HubSpot changed lastname to Park at T0+1000 (its webhook is in the batch); the Lead's LastName is
  // Lee, the snapshot's, but the Lead was modified at T0+2000 and no Salesforce notice is in the batch.
  const salesforceSideUnclear = (history?: { byId: string; at: number }[]) =>
    planOf(
      [
        notice('hubspot', 'contact', '101', 'updated', {
          changedFields: ['lastname'],
          occurredAt: T0 + 1000,
        }),
      ],
      {
        ...annLinked({ hubspot: { lastname: 'Park' } }),
        hubspotContacts: [hubspotContact('101', { ...ann, lastname: 'Park' }, T0 + 1000)],
        salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf, { modifiedAt: T0 + 2000 })],
        members: new Set(['101']),
        ...(history
          ? { salesforceFieldChanges: history.map((h) => ({ recordId: '00Q1', field: 'LastName', ...h })) }
          : {}),
      },
    );

  it('no-lost-update (seed 1260009373): the first plan asks for the Lead’s field history since HubSpot’s change', () => {
    expect(salesforceSideUnclear().salesforceHistoryWanted).toEqual([
      { id: '00Q1', objectType: 'Lead', since: T0 + 1000 },
    ]);
  });

  it('no-lost-update (seed 1260009373): a Salesforce user’s later set-back wins over HubSpot’s earlier change', () => {
    const plan = salesforceSideUnclear([{ byId: USER, at: T0 + 2000 }]);
    expect(plan.salesforceHistoryWanted ?? []).toEqual([]);
    expect(plan.salesforceUpdates.Lead).toEqual([]);
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ lastname: 'Lee' }) }),
    ]);
  });

  it('crmsync’s own write in the history is no set-back: HubSpot’s change is written', () => {
    const plan = salesforceSideUnclear([{ byId: INTEGRATION, at: T0 + 2000 }]);
    expect(plan.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ LastName: 'Park' }) }),
    ]);
  });

  it('no-lost-update (seed 1300016732): a Salesforce change reported before HubSpot’s leaves a later set-back open, so the history is read', () => {
    // The batch holds the CDC event of Lee→Kim (T0+500, before HubSpot's Park) but not of Kim→Lee.
    const plan = planOf(
      [
        notice('hubspot', 'contact', '101', 'updated', {
          changedFields: ['lastname'],
          occurredAt: T0 + 1000,
        }),
        notice('salesforce', 'Lead', '00Q1', 'updated', {
          changedFields: ['LastName'],
          occurredAt: T0 + 500,
        }),
      ],
      {
        ...annLinked({ hubspot: { lastname: 'Park' } }),
        hubspotContacts: [hubspotContact('101', { ...ann, lastname: 'Park' }, T0 + 1000)],
        salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf, { modifiedAt: T0 + 2000 })],
        members: new Set(['101']),
      },
    );
    expect(plan.salesforceHistoryWanted).toEqual([{ id: '00Q1', objectType: 'Lead', since: T0 + 1000 }]);
  });

  // The pair points at Contact 0031, converted at T0+3000 from Lead 00Q1, whose Phone a Salesforce user set
  // back to the snapshot's 0100 before converting it; HubSpot's 0199 dates from T0+1000.
  const convertedUnclear = (history?: { recordId: string; byId: string; at: number }[]) =>
    planOf(
      [notice('hubspot', 'contact', '101', 'updated', { changedFields: ['phone'], occurredAt: T0 + 1000 })],
      {
        hubspotContacts: [hubspotContact('101', { ...ann, phone: '+1 555 0199' }, T0 + 1000)],
        salesforceRecords: [
          { ...annSalesforceContact({ Phone: '+1 555 0100' }), modifiedAt: T0 + 3000, createdAt: T0 + 3000 },
          salesforceRecord(
            '00Q1',
            'Lead',
            { ...annSf, Phone: '+1 555 0100' },
            { modifiedAt: T0 + 3000, isConverted: true, convertedContactId: '0031' },
          ),
        ],
        pairs: [
          pairOf('101', '0031', { ...annSnapshot, phone: '+1 555 0100' }, { salesforceType: 'Contact' }),
        ],
        members: new Set(['101']),
        ...(history ? { salesforceFieldChanges: history.map((h) => ({ field: 'Phone', ...h })) } : {}),
      },
    );

  it('no-lost-update (seed 1310006093): a Contact converted since HubSpot’s change asks for its Lead’s history too', () => {
    expect(convertedUnclear().salesforceHistoryWanted).toEqual([
      { id: '0031', objectType: 'Contact', since: T0 + 1000 },
      { id: '00Q1', objectType: 'Lead', since: T0 + 1000 },
    ]);
  });

  it('no-lost-update (seed 1310006093): a set-back on the Lead before its conversion wins over HubSpot’s earlier change', () => {
    const plan = convertedUnclear([{ recordId: '00Q1', byId: USER, at: T0 + 2000 }]);
    expect(plan.salesforceUpdates.Contact).toEqual([]);
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '+1 555 0100' }) }),
    ]);
  });

  // HubSpot's firstname change (Cyd, T0+1000) is batched with a resync, so its time is the contact's last
  // modification (T0+3000, another property); the Salesforce set-back to Ann is reported at T0+3000.
  const hubspotTimeUnclear = (propertyChangedAt?: number) => {
    const contact = hubspotContact('101', { ...ann, firstname: 'Cyd' }, T0 + 3000);
    if (propertyChangedAt !== undefined) {
      contact.propertyChangedAt = { firstname: propertyChangedAt };
      contact.propertyChangedBy = { firstname: { source: 'CRM_UI' } };
    }
    return planOf(
      [
        notice('hubspot', 'contact', '101', 'updated', {
          changedFields: ['firstname'],
          occurredAt: T0 + 1000,
        }),
        notice('hubspot', 'contact', '101', 'resync', { occurredAt: T0 + 2500 }),
        notice('salesforce', 'Lead', '00Q1', 'updated', {
          changedFields: ['FirstName'],
          occurredAt: T0 + 3000,
        }),
      ],
      {
        ...annLinked(),
        hubspotContacts: [contact],
        salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf, { modifiedAt: T0 + 3000 })],
        members: new Set(['101']),
        hubspotAppId: '42',
      },
    );
  };

  it('no-lost-update (seed 1320016305): a HubSpot time known only from the record asks for the property history', () => {
    const synced = hubspotTimeUnclear().decisions.find((d) => d.detail?.['setBackUnclear']);
    expect(synced?.detail?.['setBackUnclear']).toEqual(['firstname']);
  });

  it('no-lost-update (seed 1320016305): with the property’s own time the Salesforce set-back is the later change', () => {
    const plan = hubspotTimeUnclear(T0 + 1000);
    expect(plan.salesforceUpdates.Lead).toEqual([]);
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ firstname: 'Ann' }) }),
    ]);
  });

  it('a Lead not modified after HubSpot’s change needs no history', () => {
    const plan = planOf(
      [
        notice('hubspot', 'contact', '101', 'updated', {
          changedFields: ['lastname'],
          occurredAt: T0 + 1000,
        }),
      ],
      {
        ...annLinked({ hubspot: { lastname: 'Park' } }),
        hubspotContacts: [hubspotContact('101', { ...ann, lastname: 'Park' }, T0 + 1000)],
        members: new Set(['101']),
      },
    );
    expect(plan.salesforceHistoryWanted ?? []).toEqual([]);
    expect(plan.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ fields: expect.objectContaining({ LastName: 'Park' }) }),
    ]);
  });

  // Salesforce changed LastName to Park at T0+1000 (its CDC event is in the batch); HubSpot's lastname
  // is Lee, the snapshot's, but the contact was modified at T0+2000.
  const hubspotSideUnclear = (history?: { source: string; sourceId?: string }) => {
    const contact = hubspotContact('101', ann, T0 + 2000);
    if (history) {
      contact.propertyChangedAt = { lastname: T0 + 2000 };
      contact.propertyChangedBy = { lastname: history };
    }
    return planOf(
      [
        notice('salesforce', 'Lead', '00Q1', 'updated', {
          changedFields: ['LastName'],
          occurredAt: T0 + 1000,
        }),
      ],
      {
        ...annLinked(),
        hubspotContacts: [contact],
        salesforceRecords: [salesforceRecord('00Q1', 'Lead', { ...annSf, LastName: 'Park' })],
        members: new Set(['101']),
        hubspotAppId: '42',
      },
    );
  };

  it('no-lost-update: the first plan names the HubSpot property whose history would tell', () => {
    const synced = hubspotSideUnclear().decisions.find((d) => d.detail?.['setBackUnclear']);
    expect(synced?.detail?.['setBackUnclear']).toEqual(['lastname']);
  });

  it('no-lost-update: a HubSpot user’s later set-back wins over Salesforce’s earlier change', () => {
    const plan = hubspotSideUnclear({ source: 'CRM_UI', sourceId: 'userId:7' });
    expect(plan.hubspotUpdates).toEqual([]);
    expect(plan.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ LastName: 'Lee' }) }),
    ]);
  });

  it('crmsync’s own HubSpot write in the history is no set-back: Salesforce’s change is written', () => {
    const plan = hubspotSideUnclear({ source: 'INTEGRATION', sourceId: '42' });
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ lastname: 'Park' }) }),
    ]);
  });
});

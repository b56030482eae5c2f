import { describe, expect, it } from 'vitest';
import { coalesce } from '../../lib/domain/coalesce.ts';
import { changeTimes } from '../../lib/domain/plan/change-times.ts';
import { annLinked, notice, planOf, salesforceRecord, annSf, hubspotContact, T0 } from './fixtures.ts';

/** Which change is the latest, per field (docs/design.md#two-way; lib/domain/plan/change-times.ts). */
describe('change times of the two-way rule', () => {
  const [record] = coalesce([
    notice('hubspot', 'contact', '101', 'updated', { occurredAt: T0 + 1_000, changedFields: ['phone'] }),
  ]);
  const lead = salesforceRecord('00Q1', 'Lead', annSf, { modifiedAt: T0 + 3_000 });

  it('two-way: a property the notice names takes the notice time, or the property history’s when that is later', () => {
    const contact = { ...hubspotContact('101', { phone: '+1 555 0102' }, T0 + 9_000) };
    expect(changeTimes(record!, contact, lead).hubspot('phone')).toBe(T0 + 1_000);
    const withHistory = { ...contact, propertyChangedAt: { phone: T0 + 5_000, firstname: T0 } };
    expect(changeTimes(record!, withHistory, lead).hubspot('phone')).toBe(T0 + 5_000);
    // History older than the notice (clocks differ a little): the notice's time stands.
    expect(
      changeTimes(record!, { ...contact, propertyChangedAt: { phone: T0 } }, lead).hubspot('phone'),
    ).toBe(T0 + 1_000);
    // A property the notice does not name: its history, else the record's last-modified time.
    expect(changeTimes(record!, withHistory, lead).hubspot('firstname')).toBe(T0);
    expect(changeTimes(record!, contact, lead).hubspot('jobtitle')).toBe(T0 + 9_000);
    expect(changeTimes(record!, contact, lead).salesforce('Phone')).toBe(T0 + 3_000);
  });

  it('two-way: a HubSpot edit made after the notice that names the field wins over an older Salesforce change (seed 1214885380)', () => {
    // The notice (phone changed at T0+1s) came in this batch; the user changed phone again at T0+5s and
    // that notice went to another processor. Salesforce changed Phone at T0+3s.
    const linked = annLinked({ hubspot: { phone: '+1 555 0102' }, salesforce: { Phone: '+1 555 0103' } });
    const contact = { ...linked.hubspotContacts[0]!, propertyChangedAt: { phone: T0 + 5_000 } };
    const plan = planOf(
      [notice('hubspot', 'contact', '101', 'updated', { occurredAt: T0 + 1_000, changedFields: ['phone'] })],
      {
        ...linked,
        hubspotContacts: [contact],
        salesforceRecords: [{ ...lead, fields: { ...annSf, Phone: '+1 555 0103' } }],
        members: new Set(['101']),
      },
    );
    expect(plan.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: { Phone: '+1 555 0102' } }),
    ]);
    expect(plan.hubspotUpdates).toEqual([]);
  });

  it('two-way (finding 23): a field takes the time of the latest notice naming it, not of a later notice naming another field', () => {
    const [hubspot] = coalesce([
      notice('hubspot', 'contact', '101', 'updated', { occurredAt: T0 + 1_000, changedFields: ['phone'] }),
      notice('hubspot', 'contact', '101', 'updated', {
        occurredAt: T0 + 5_000,
        changedFields: ['firstname'],
      }),
    ]);
    const contact = hubspotContact('101', { phone: '+1 555 0102' }, T0 + 9_000);
    expect(changeTimes(hubspot!, contact, lead).hubspot('phone')).toBe(T0 + 1_000);
    expect(changeTimes(hubspot!, contact, lead).hubspot('firstname')).toBe(T0 + 5_000);
    const [salesforce] = coalesce([
      notice('salesforce', 'Lead', '00Q1', 'updated', { occurredAt: T0 + 2_000, changedFields: ['Phone'] }),
      notice('salesforce', 'Lead', '00Q1', 'updated', { occurredAt: T0 + 4_000, changedFields: ['Title'] }),
    ]);
    expect(changeTimes(salesforce!, contact, lead).salesforce('Phone')).toBe(T0 + 2_000);
    expect(changeTimes(salesforce!, contact, lead).salesforce('Title')).toBe(T0 + 4_000);
  });

  it('two-way (finding 23): a Salesforce change later than a HubSpot one wins, though the batch reports a still later HubSpot change of another property', () => {
    // HubSpot phone at T0+1s, Salesforce Phone at T0+3s, HubSpot firstname at T0+5s: Salesforce's phone is the latest.
    const linked = annLinked({ hubspot: { phone: '+1 555 0102' }, salesforce: { Phone: '+1 555 0103' } });
    const plan = planOf(
      [
        notice('hubspot', 'contact', '101', 'updated', { occurredAt: T0 + 1_000, changedFields: ['phone'] }),
        notice('hubspot', 'contact', '101', 'updated', {
          occurredAt: T0 + 5_000,
          changedFields: ['firstname'],
        }),
      ],
      {
        ...linked,
        salesforceRecords: [{ ...lead, fields: { ...annSf, Phone: '+1 555 0103' } }],
        members: new Set(['101']),
      },
    );
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: { phone: '+1 555 0103' } }),
    ]);
    expect(plan.salesforceUpdates.Lead).toEqual([]);
  });
});

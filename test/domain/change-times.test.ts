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
});

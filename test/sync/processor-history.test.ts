import { describe, expect, it } from 'vitest';
import type { SalesforcePort } from '../../lib/ports.ts';
import { contactsNeedingHistory, salesforceHistory } from '../../lib/sync/processor-records.ts';
import { ann, annSf, hubspotContact, planLateLinkRetry, salesforceRecord, T0 } from '../domain/fixtures.ts';

/**
 * The processor reads HubSpot property history only for the contacts whose plan asked for it
 * (lib/sync/processor-records.ts), then plans again: a conflict decided on record-level times, or a
 * late first link that cannot tell whether its HubSpot write landed (docs/design.md#late-first-link).
 */
describe('processor: which contacts get a property-history read', () => {
  // A first link of contact 101 and Lead 00Q1 that wrote only phone to HubSpot and lost its response
  // (claimed, empty snapshot); HubSpot holds no phone now, and the batch has no notice about it.
  const intent = {
    snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee', phone: '+1 555 0101' },
    at: T0 + 1_000,
    link: { salesforceId: '00Q1', hubspot: ['phone'], salesforce: [] },
  };
  const lead = salesforceRecord('00Q1', 'Lead', { ...annSf, Phone: '+1 555 0101' });
  const planFor = (contact: ReturnType<typeof hubspotContact>) => planLateLinkRetry(contact, lead, intent);

  it('two-way: a late first link whose one HubSpot write may or may not have landed gets the history read', () => {
    const contact = hubspotContact('101', { ...ann, phone: null });
    expect(contactsNeedingHistory(planFor(contact), [contact])).toEqual(['101']);
  });

  it('two-way: not again once the history was read, and not for a link whose write shows it landed', () => {
    const withHistory = {
      ...hubspotContact('101', { ...ann, phone: null }),
      propertyChangedAt: { phone: T0 },
    };
    expect(contactsNeedingHistory(planFor(withHistory), [withHistory])).toEqual([]);
    const landed = hubspotContact('101', { ...ann, phone: '+1 555 0101' });
    expect(contactsNeedingHistory(planFor(landed), [landed])).toEqual([]);
  });
});

describe('processor: Salesforce field history for a late first link', () => {
  /** A fake port: records what it was asked, answers one row per record asked (docs/design.md#salesforce-field-history). */
  const fakePort = () => {
    const asked: { objectType: string; ids: string[]; sinceMs: number }[] = [];
    const port = {
      readFieldHistory: async (objectType: 'Lead' | 'Contact', ids: string[], sinceMs: number) => {
        asked.push({ objectType, ids, sinceMs });
        return ids.map((id) => ({ recordId: id, field: 'FirstName', at: sinceMs + 1, byId: 'u' }));
      },
    } as unknown as SalesforcePort;
    return { port, asked };
  };

  it('two-way: one read per object, from the earliest intent asked about; nothing when nothing was asked', async () => {
    const { port, asked } = fakePort();
    const rows = await salesforceHistory(port, [
      { id: '00Q1', objectType: 'Lead', since: T0 + 2_000 },
      { id: '00Q2', objectType: 'Lead', since: T0 + 1_000 },
      { id: '0031', objectType: 'Contact', since: T0 + 3_000 },
    ]);
    expect(asked).toEqual([
      { objectType: 'Lead', ids: ['00Q1', '00Q2'], sinceMs: T0 + 1_000 },
      { objectType: 'Contact', ids: ['0031'], sinceMs: T0 + 3_000 },
    ]);
    expect(rows?.map((r) => r.recordId)).toEqual(['00Q1', '00Q2', '0031']);
    expect(await salesforceHistory(port, undefined)).toBeUndefined();
    expect(await salesforceHistory(port, [])).toBeUndefined();
    expect(asked).toHaveLength(2);
  });

  it('two-way: an adapter that cannot read field history gives none (the late link fills, as documented)', async () => {
    const none = {} as SalesforcePort;
    expect(await salesforceHistory(none, [{ id: '00Q1', objectType: 'Lead', since: T0 }])).toBeUndefined();
  });
});

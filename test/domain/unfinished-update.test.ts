import { describe, expect, it } from 'vitest';
import { annLinked, annSf, annSnapshot, notice, planOf, salesforceRecord, T0 } from './fixtures.ts';

/**
 * A committed pair's sync that wrote and lost its responses, retried (lib/domain/plan/unfinished-update.ts;
 * docs/design.md#unfinished-update): the stored snapshot is the one from before those writes.
 */
describe('an unfinished update of a committed pair', () => {
  // The earlier sync carried a Salesforce clear of Phone (snapshot 0102) to HubSpot: it wrote phone ""
  // to contact 101, which landed, and lost the response; the pair (version 3) was never committed.
  // A Salesforce user then set Phone back to 0102, the stored snapshot's value.
  const records = annLinked({
    hubspot: { phone: null },
    salesforce: { Phone: '+1 555 0102' },
    pair: { snapshot: { ...annSnapshot, phone: '+1 555 0102' } },
  });
  const intent = {
    snapshot: { ...annSnapshot, phone: null },
    at: T0 + 1_000,
    update: { salesforceId: '00Q1', version: 3, hubspot: ['phone'], salesforce: [] },
  };
  const retry = (extra: { intent?: typeof intent } = {}) =>
    planOf([notice('hubspot', 'contact', '101', 'updated', { changedFields: ['firstname'] })], {
      ...records,
      members: new Set(['101']),
      creationIntents: new Map(extra.intent ? [['update:hubspot:101', extra.intent]] : []),
    });

  it('no-lost-update (seed 1260001596): the landed write is the snapshot, so the Salesforce set-back wins', () => {
    const plan = retry({ intent });
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '+1 555 0102' }) }),
    ]);
    expect(plan.salesforceUpdates.Lead).toEqual([]);
  });

  it('without the intent the retry takes its own landed write for a HubSpot change (the bug)', () => {
    expect(retry().salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: null }) }),
    ]);
  });

  it('an intent of another version (the pair committed since) is stale and ignored', () => {
    const stale = { ...intent, update: { ...intent.update, version: 2 } };
    expect(retry({ intent: stale }).salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: null }) }),
    ]);
  });
});

describe('an unfinished update of a pair whose Lead a user then converted', () => {
  it('no-lost-update (seed 1360015651): the Contact converted from the updated Lead holds the landed write, so a HubSpot change since wins', () => {
    // The earlier sync wrote HubSpot's firstname Ada to Lead 00Q1 (snapshot Ann), which landed, and lost the
    // response (pair version 3 never committed). A HubSpot user then set Cyd; a Salesforce user converted
    // the Lead into Contact 0031, which holds Ada and was created after Cyd.
    const records = annLinked({ hubspot: { firstname: 'Cyd' } });
    const contact = { ...records.hubspotContacts[0]!, updatedAt: T0 + 2_000 };
    const lead = salesforceRecord(
      '00Q1',
      'Lead',
      { ...annSf, FirstName: 'Ada' },
      { modifiedAt: T0 + 3_000, isConverted: true, convertedContactId: '0031' },
    );
    const converted = salesforceRecord(
      '0031',
      'Contact',
      { Email: 'ann@example.com', FirstName: 'Ada', LastName: 'Lee' },
      { createdAt: T0 + 3_000, modifiedAt: T0 + 3_000 },
    );
    const intent = {
      snapshot: { ...annSnapshot, firstname: 'Ada' },
      at: T0 + 1_000,
      update: { salesforceId: '00Q1', version: 3, hubspot: [], salesforce: ['FirstName'] },
    };
    const plan = planOf(
      [
        notice('salesforce', 'Lead', '00Q1', 'updated', {
          occurredAt: T0 + 3_000,
          changedFields: ['IsConverted'],
        }),
      ],
      {
        ...records,
        hubspotContacts: [contact],
        salesforceRecords: [lead, converted],
        members: new Set(['101']),
        creationIntents: new Map([['update:hubspot:101', intent]]),
      },
    );
    expect(plan.salesforceUpdates.Contact).toEqual([
      expect.objectContaining({ id: '0031', fields: expect.objectContaining({ FirstName: 'Cyd' }) }),
    ]);
    expect(plan.hubspotUpdates.filter((u) => 'firstname' in u.properties)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { ann, annSf, hubspotContact, notice, planLateLinkRetry, salesforceRecord, T0 } from './fixtures.ts';

/**
 * A first link whose writes landed and whose responses were lost, retried in a batch that has no
 * notice of a user's later change (lib/domain/plan/own-creation.ts, `lateFirstLink`;
 * docs/design.md#late-first-link): the update's other fields show that it landed.
 */
describe('a late first link: one landed field of an update vouches for the others', () => {
  it('two-way (seed 1224006621): a Salesforce clear of a field the first link filled wins, with no notice of it in the batch', () => {
    // The first link wrote LastName and Phone (a blank filled) to Lead 00Q1 in one update, which landed;
    // its response was lost. A Salesforce user then cleared Phone; the retry's batch has no notice of it.
    const contact = hubspotContact('101', {
      email: 'ann@example.com',
      firstname: 'Ann',
      lastname: 'Ng',
      phone: '+1 555 0103',
    });
    const intent = {
      snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Ng', phone: '+1 555 0103' },
      at: T0 + 1_000,
      link: { salesforceId: '00Q1', hubspot: [], salesforce: ['LastName', 'Phone'] },
    };
    const cleared = salesforceRecord(
      '00Q1',
      'Lead',
      { ...annSf, LastName: 'Ng', Phone: null },
      { modifiedAt: T0 + 2_000 },
    );
    const plan = planLateLinkRetry(contact, cleared, intent);
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '' }) }),
    ]);
    expect(plan.salesforceUpdates.Lead).toEqual([]);
    // The update did not land (LastName is not the one written either): Phone links as a first link.
    const notLanded = salesforceRecord('00Q1', 'Lead', { ...annSf, Phone: null });
    expect(planLateLinkRetry(contact, notLanded, intent).salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: '+1 555 0103' }) }),
    ]);
  });

  it('two-way (seed 1224006402): a HubSpot clear of a field the first link wrote wins, with no notice of it in the batch', () => {
    // The first link wrote firstname Bo and phone 0101 to contact 101 in one update, which landed; its
    // response was lost. A HubSpot user then cleared phone; the retry's batch has no notice of it.
    const lead = salesforceRecord('00Q1', 'Lead', { ...annSf, FirstName: 'Bo', Phone: '+1 555 0101' });
    const intent = {
      snapshot: { email: 'ann@example.com', firstname: 'Bo', lastname: 'Lee', phone: '+1 555 0101' },
      at: T0 + 1_000,
      link: { salesforceId: '00Q1', hubspot: ['firstname', 'phone'], salesforce: [] },
    };
    const cleared = hubspotContact('101', { ...ann, firstname: 'Bo', phone: null });
    const plan = planLateLinkRetry(cleared, lead, intent);
    expect(plan.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: null }) }),
    ]);
    expect(plan.hubspotUpdates).toEqual([]);
    // The update did not land (firstname not Bo either): phone links as a first link, its blank filled.
    const notLanded = hubspotContact('101', { ...ann, phone: null });
    expect(planLateLinkRetry(notLanded, lead, intent).hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '+1 555 0101' }) }),
    ]);
  });

  it('no-lost-update (seed 1340042036): a field a user set since the intent to the value written does not vouch for the update', () => {
    // The first link meant to write firstname Bo and lastname Ortiz to contact 101 (the Lead's values, the
    // Lead being the later); the update never landed. A HubSpot user then typed lastname Ortiz. firstname
    // still holds the contact's own Cyd, older than the intent.
    const lead = salesforceRecord(
      '00Q1',
      'Lead',
      { ...annSf, FirstName: 'Bo', LastName: 'Ortiz' },
      { modifiedAt: T0 + 500 },
    );
    const intent = {
      snapshot: { email: 'ann@example.com', firstname: 'Bo', lastname: 'Ortiz', company: 'Acme' },
      at: T0 + 1_000,
      link: { salesforceId: '00Q1', hubspot: ['firstname', 'lastname'], salesforce: [] },
    };
    const contact = hubspotContact('101', { ...ann, firstname: 'Cyd', lastname: 'Ortiz' }, T0 + 2_000);
    const typed = notice('hubspot', 'contact', '101', 'updated', {
      occurredAt: T0 + 2_000,
      changedFields: ['lastname'],
    });
    // With the notice of the user's lastname in the batch, or without it (the seed's retry had none):
    // firstname has no evidence of its own, so HubSpot's property history is asked for (the processor
    // reads it and plans again before it writes: lib/sync/processor-records.ts).
    for (const notices of [[typed], []]) {
      expect(planLateLinkRetry(contact, lead, intent, {}, notices).decisions).toContainEqual(
        expect.objectContaining({
          outcome: 'linked',
          detail: expect.objectContaining({ historyWanted: ['firstname'] }),
        }),
      );
      // The history: Cyd is older than the intent, so the write never landed; the Lead's later Bo wins.
      const read = { ...contact, propertyChangedAt: { firstname: T0, lastname: T0 + 2_000 } };
      const linked = planLateLinkRetry(read, lead, intent, {}, notices);
      expect(linked.hubspotUpdates).toEqual([
        expect.objectContaining({ id: '101', properties: expect.objectContaining({ firstname: 'Bo' }) }),
      ]);
      expect(linked.salesforceUpdates.Lead.filter((u) => 'FirstName' in u.fields)).toEqual([]);
    }
  });
});

describe('a late first link that cannot tell whether its one HubSpot write landed', () => {
  // The first link wrote only phone to contact 101 (company already Acme): no other field of the update
  // can vouch for it. HubSpot holds no phone now; the batch has no notice about phone.
  const lead = salesforceRecord('00Q1', 'Lead', { ...annSf, Phone: '+1 555 0101' });
  const intent = {
    snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee', phone: '+1 555 0101' },
    at: T0 + 1_000,
    link: { salesforceId: '00Q1', hubspot: ['phone'], salesforce: [] },
  };
  const contact = hubspotContact('101', { ...ann, phone: null });

  it('two-way: the link asks for HubSpot’s property history (`historyWanted`) rather than guess', () => {
    const plan = planLateLinkRetry(contact, lead, intent);
    expect(plan.decisions).toContainEqual(
      expect.objectContaining({
        outcome: 'linked',
        detail: expect.objectContaining({ historyWanted: ['phone'] }),
      }),
    );
  });

  it('two-way: with the history, a clear made after the intent wins; a value older than it is filled', () => {
    const cleared = planLateLinkRetry({ ...contact, propertyChangedAt: { phone: T0 + 2_000 } }, lead, intent);
    expect(cleared.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: null }) }),
    ]);
    expect(cleared.decisions).not.toContainEqual(
      expect.objectContaining({ detail: expect.objectContaining({ historyWanted: expect.anything() }) }),
    );
    // Blank since before the intent: the write never landed, and the first link fills it.
    const never = planLateLinkRetry({ ...contact, propertyChangedAt: { phone: T0 } }, lead, intent);
    expect(never.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '+1 555 0101' }) }),
    ]);
  });

  it('no-lost-update (seed 1330046128): a late first link whose Lead a user converted finishes on the Contact, and a HubSpot change since wins', () => {
    // The first link wrote Phone 0103 to Lead 00Q1 (landed, response lost); a HubSpot user then set 0199; a
    // Salesforce user converted the Lead into Contact 0031, which holds 0103 and was created after 0199.
    const contact = hubspotContact('101', { ...ann, phone: '+1 555 0199' }, T0 + 2_000);
    const intent = {
      snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee', phone: '+1 555 0103' },
      at: T0 + 1_000,
      link: { salesforceId: '00Q1', hubspot: [], salesforce: ['Phone'] },
    };
    const lead = salesforceRecord(
      '00Q1',
      'Lead',
      { ...annSf, Phone: '+1 555 0103' },
      { modifiedAt: T0 + 3_000, isConverted: true, convertedContactId: '0031' },
    );
    const converted = salesforceRecord(
      '0031',
      'Contact',
      { Email: 'ann@example.com', FirstName: 'Ann', LastName: 'Lee', Phone: '+1 555 0103' },
      { modifiedAt: T0 + 3_000, createdAt: T0 + 3_000 },
    );
    const plan = planLateLinkRetry(contact, lead, intent, { salesforceRecords: [lead, converted] });
    expect(plan.salesforceUpdates.Contact).toEqual([
      expect.objectContaining({ id: '0031', fields: expect.objectContaining({ Phone: '+1 555 0199' }) }),
    ]);
    expect(plan.hubspotUpdates.filter((u) => 'phone' in u.properties)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { coalesce } from '../../lib/domain/coalesce.ts';
import { planBatch } from '../../lib/domain/plan/index.ts';
import {
  ann,
  annLinked,
  annSalesforceContact,
  annSf,
  annSnapshot,
  hubspotContact,
  notice,
  pairOf,
  planInput,
  planOf,
  salesforceRecord,
  T0,
} from './fixtures.ts';

const writes = (p: ReturnType<typeof planBatch>) =>
  p.hubspotCreates.length +
  p.hubspotUpdates.length +
  p.salesforceCreates.Lead.length +
  p.salesforceCreates.Contact.length +
  p.salesforceUpdates.Lead.length +
  p.salesforceUpdates.Contact.length;

describe('plan', () => {
  it('R3: an update to a contact outside the segment is not written to Salesforce', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'updated')], {
      hubspotContacts: [hubspotContact('101', { ...ann, firstname: 'Annie' })],
      members: new Set(),
    });
    expect(writes(plan)).toBe(0);
    expect(plan.decisions).toEqual([
      expect.objectContaining({
        recordKey: 'hubspot:101',
        outcome: 'skipped',
        reason: 'not-in-segment',
        detail: { rule: 'R3' },
      }),
    ]);
  });

  it('R3: a change in Salesforce to a record whose contact is outside the segment is not written to HubSpot', () => {
    const plan = planOf(
      [notice('salesforce', 'Lead', '00Q1', 'updated')],
      annLinked({ salesforce: { FirstName: 'Annie' } }),
    );
    expect(writes(plan)).toBe(0);
    expect(plan.pairWrites).toEqual([]);
    expect(plan.decisions[0]).toMatchObject({ outcome: 'skipped', reason: 'not-in-segment' });
  });

  it('a member change is merged and written with the new snapshot under the pair version', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'updated', { changedFields: ['firstname'] })], {
      ...annLinked({ hubspot: { firstname: 'Annie' } }),
      members: new Set(['101']),
    });
    expect(plan.salesforceUpdates.Lead).toEqual([
      { ref: 'hubspot:101', id: '00Q1', fields: { FirstName: 'Annie' } },
    ]);
    expect(plan.hubspotUpdates).toEqual([]);
    expect(plan.pairWrites).toEqual([
      expect.objectContaining({
        ref: 'hubspot:101',
        expectedVersion: 3,
        pair: expect.objectContaining({ version: 4 }),
      }),
    ]);
    expect(plan.pairWrites[0]?.pair.snapshot['firstname']).toBe('Annie');
    expect(plan.decisions[0]).toMatchObject({
      outcome: 'synced',
      detail: expect.objectContaining({ toSalesforce: ['FirstName'] }),
    });
  });

  it('an echo of our own write is a no-op: no write and no pair write', () => {
    const plan = planOf([notice('salesforce', 'Lead', '00Q1', 'updated')], {
      ...annLinked(),
      members: new Set(['101']),
    });
    expect(writes(plan)).toBe(0);
    expect(plan.pairWrites).toEqual([]);
    expect(plan.decisions[0]).toMatchObject({ outcome: 'noop' });
  });

  it('a new HubSpot member is matched by email to an existing Salesforce record (Contact over Lead), not duplicated', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'created')], {
      hubspotContacts: [hubspotContact('101', { ...ann, email: 'ANN@example.com ' })],
      salesforceRecords: [
        salesforceRecord('00Q1', 'Lead', annSf, { modifiedAt: T0 + 99 }),
        salesforceRecord('0031', 'Contact', { Email: 'ann@example.com', LastName: 'Lee' }),
      ],
      members: new Set(['101']),
    });
    expect(plan.salesforceCreates.Lead).toEqual([]);
    expect(plan.salesforceUpdates.Contact).toEqual([
      { ref: 'hubspot:101', id: '0031', fields: { FirstName: 'Ann' } },
    ]);
    expect(plan.pairWrites[0]).toMatchObject({
      expectedVersion: 0,
      pair: { hubspotId: '101', salesforceId: '0031', salesforceType: 'Contact', origin: 'matched' },
    });
    expect(plan.decisions[0]).toMatchObject({
      outcome: 'linked',
      reason: expect.stringMatching(/Contact preferred over Lead/),
    });
  });

  it('a new HubSpot member with no match is created in Salesforce as the configured object', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'created')], {
      hubspotContacts: [hubspotContact('101', { ...ann, company: null })],
      members: new Set(['101']),
    });
    expect(plan.salesforceCreates.Lead).toEqual([
      expect.objectContaining({
        ref: 'hubspot:101',
        hubspotId: '101',
        fields: { Email: 'ann@example.com', FirstName: 'Ann', LastName: 'Lee', Company: 'Unknown' },
        pair: expect.objectContaining({
          hubspotId: '101',
          salesforceId: '',
          origin: 'created-in-salesforce',
          version: 1,
        }),
      }),
    ]);
  });

  it('a missing LastName is a recorded missing-required-field error, and nothing is created', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'created')], {
      hubspotContacts: [hubspotContact('101', { email: 'x@example.com' })],
      members: new Set(['101']),
    });
    expect(writes(plan)).toBe(0);
    expect(plan.errors[0]?.errors[0]).toMatchObject({
      category: 'missing-required-field',
      field: 'lastname',
    });
    expect(plan.decisions[0]).toMatchObject({ outcome: 'error', category: 'missing-required-field' });
  });

  it('R6: a newly created Salesforce lead creates a HubSpot contact outside the segment when auto-create is on', () => {
    const input = planInput({
      records: coalesce([
        notice('salesforce', 'Lead', '00Q1', 'created'),
        notice('salesforce', 'Lead', '00Q1', 'updated'),
      ]),
      salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf)],
    });
    const plan = planBatch(input);
    expect(plan.hubspotCreates).toEqual([
      expect.objectContaining({
        ref: 'salesforce:00Q1',
        salesforceId: '00Q1',
        pair: expect.objectContaining({ origin: 'auto-create' }),
      }),
    ]);
    expect(plan.hubspotCreates[0]?.properties).toMatchObject({ email: 'ann@example.com', company: 'Acme' });

    const off = planBatch({ ...input, settings: { ...input.settings, autoCreateFromLeads: false } });
    expect(writes(off)).toBe(0);
    expect(off.decisions[0]).toMatchObject({ outcome: 'skipped', reason: 'not-in-segment' });
  });

  it('R6: a new Salesforce contact with the email of an existing HubSpot contact syncs into it, even outside the segment', () => {
    const plan = planOf([notice('salesforce', 'Contact', '0031', 'created')], {
      hubspotContacts: [hubspotContact('101', { email: 'ann@example.com' })],
      salesforceRecords: [annSalesforceContact()],
    });
    expect(plan.hubspotCreates).toEqual([]);
    expect(plan.hubspotUpdates).toEqual([
      { ref: 'salesforce:0031', id: '101', properties: { firstname: 'Ann', lastname: 'Lee' } },
    ]);
    expect(plan.pairWrites[0]?.pair).toMatchObject({
      hubspotId: '101',
      salesforceId: '0031',
      origin: 'auto-create',
    });
  });

  it('R6: a later update of the auto-created record outside the segment does not sync', () => {
    const plan = planOf(
      [notice('salesforce', 'Lead', '00Q1', 'updated')],
      annLinked({ salesforce: { FirstName: 'Annie' }, pair: { origin: 'auto-create' } }),
    );
    expect(writes(plan)).toBe(0);
  });

  it('R7: an import outside the segment writes only the email and marks the pair email-only', () => {
    const plan = planOf([notice('salesforce', 'Contact', '0031', 'import')], {
      salesforceRecords: [annSalesforceContact({ Email: 'Ann@example.com' })],
    });
    expect(plan.hubspotCreates).toHaveLength(1);
    expect(plan.hubspotCreates[0]?.properties).toEqual({ email: 'ann@example.com' });
    expect(plan.hubspotCreates[0]?.pair).toMatchObject({
      origin: 'import',
      emailOnly: true,
      snapshot: { email: 'ann@example.com' },
    });
  });

  it('R7: an imported contact in the segment gets every mapped field, and the email-only mark is cleared', () => {
    const plan = planOf([notice('salesforce', 'Contact', '0031', 'import')], {
      hubspotContacts: [hubspotContact('101', { email: 'ann@example.com' })],
      salesforceRecords: [annSalesforceContact()],
      pairs: [
        pairOf(
          '101',
          '0031',
          { email: 'ann@example.com' },
          { salesforceType: 'Contact', origin: 'import', emailOnly: true },
        ),
      ],
      members: new Set(['101']),
    });
    expect(plan.hubspotUpdates[0]?.properties).toEqual({ firstname: 'Ann', lastname: 'Lee' });
    expect(plan.pairWrites[0]?.pair.emailOnly).toBeUndefined();
  });

  it('R8: a linked contact that left the segment is skipped and its pair is kept untouched', () => {
    const plan = planOf(
      [notice('hubspot', 'contact', '101', 'updated')],
      annLinked({ hubspot: { firstname: 'Annie' } }),
    );
    expect(writes(plan)).toBe(0);
    expect(plan.pairWrites).toEqual([]);
    expect(plan.pairDeletes).toEqual([]);
    expect(plan.decisions[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'not-in-segment',
      detail: { rule: 'R8' },
    });
  });

  it('R2: with no segment, a Salesforce update of an unlinked record creates the HubSpot contact', () => {
    const plan = planBatch(
      planInput({
        settings: { inclusionSegmentId: null, autoCreateFromLeads: false, autoCreateFromContacts: false },
        records: coalesce([notice('salesforce', 'Lead', '00Q1', 'updated')]),
        salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf)],
      }),
    );
    expect(plan.hubspotCreates[0]?.pair.origin).toBe('created-in-hubspot');
  });

  it('lead conversion re-points the pair to the Contact and syncs with it', () => {
    const plan = planOf([notice('salesforce', 'Lead', '00Q1', 'updated')], {
      hubspotContacts: [hubspotContact('101', ann)],
      salesforceRecords: [
        salesforceRecord('00Q1', 'Lead', annSf, { isConverted: true, convertedContactId: '0039' }),
        salesforceRecord('0039', 'Contact', {
          Email: 'ann@example.com',
          FirstName: 'Ann',
          LastName: 'Lee-Smith',
        }),
      ],
      pairs: [pairOf('101', '00Q1', annSnapshot)],
      members: new Set(['101']),
    });
    expect(plan.pairWrites).toEqual([
      expect.objectContaining({
        expectedVersion: 3,
        pair: expect.objectContaining({ salesforceId: '0039', salesforceType: 'Contact', version: 4 }),
      }),
    ]);
    expect(plan.hubspotUpdates).toEqual([
      { ref: 'salesforce:00Q1', id: '101', properties: { lastname: 'Lee-Smith' } },
    ]);
    expect(plan.decisions.map((d) => d.outcome)).toEqual(['relinked', 'synced']);
  });

  it('a HubSpot merge re-points the link to the surviving contact', () => {
    const plan = planOf(
      [notice('hubspot', 'contact', '101', 'merged', { survivorId: '202', mergedIds: ['101'] })],
      {
        pairs: [pairOf('101', '00Q1', annSnapshot)],
      },
    );
    expect(plan.pairDeletes).toEqual([{ hubspotId: '101', expectedVersion: 3 }]);
    expect(plan.pairWrites[0]?.pair).toMatchObject({ hubspotId: '202', salesforceId: '00Q1' });
  });

  it('deletes are ignored by default (the pair is kept for a restore) and propagated when configured', () => {
    const base = planInput({
      records: coalesce([notice('hubspot', 'contact', '101', 'deleted')]),
      pairs: [pairOf('101', '00Q1', annSnapshot)],
      members: new Set(['101']),
    });
    const ignored = planBatch(base);
    expect(ignored.salesforceDeletes).toEqual([]);
    expect(ignored.pairDeletes).toEqual([]);
    expect(ignored.decisions[0]).toMatchObject({ outcome: 'skipped', reason: 'deleted' });
    const propagated = planBatch({ ...base, config: { ...base.config, deletes: 'propagate' } });
    expect(propagated.salesforceDeletes).toEqual(['00Q1']);
    expect(propagated.pairDeletes).toEqual([{ hubspotId: '101', expectedVersion: 3 }]);
  });

  it('both sides of one pair in a batch are handled once', () => {
    const plan = planOf(
      [notice('hubspot', 'contact', '101', 'updated'), notice('salesforce', 'Lead', '00Q1', 'updated')],
      {
        ...annLinked({ hubspot: { firstname: 'Annie' }, salesforce: { LastName: 'Lee-Smith' } }),
        members: new Set(['101']),
      },
    );
    expect(plan.salesforceUpdates.Lead).toEqual([
      { ref: 'hubspot:101', id: '00Q1', fields: { FirstName: 'Annie' } },
    ]);
    expect(plan.hubspotUpdates).toEqual([
      { ref: 'hubspot:101', id: '101', properties: { lastname: 'Lee-Smith' } },
    ]);
    expect(plan.pairWrites).toHaveLength(1);
    expect(plan.decisions.at(-1)).toMatchObject({
      recordKey: 'salesforce:00Q1',
      outcome: 'noop',
      reason: 'handled-with-counterpart',
      detail: { handledWith: 'hubspot:101' },
    });
  });

  it('no duplicate is made: a HubSpot contact whose email belongs to an already linked Salesforce record is skipped', () => {
    const plan = planOf([notice('hubspot', 'contact', '102', 'created')], {
      hubspotContacts: [hubspotContact('102', ann)],
      salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf)],
      pairs: [pairOf('101', '00Q1', annSnapshot)],
      members: new Set(['102']),
    });
    expect(writes(plan)).toBe(0);
    expect(plan.decisions[0]).toMatchObject({ outcome: 'skipped', reason: 'duplicate-email' });
  });

  it('no duplicate is made: a new Salesforce record whose email belongs to a linked HubSpot contact is skipped', () => {
    const plan = planOf([notice('salesforce', 'Contact', '0032', 'created')], {
      hubspotContacts: [hubspotContact('101', ann)],
      salesforceRecords: [salesforceRecord('0032', 'Contact', annSf)],
      pairs: [pairOf('101', '00Q1', annSnapshot)],
    });
    expect(writes(plan)).toBe(0);
    expect(plan.decisions[0]).toMatchObject({ outcome: 'skipped', reason: 'duplicate-email' });
  });

  it('a delete notice for a record that reads back alive is treated as a restore (the latest read wins)', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'deleted')], {
      ...annLinked({ hubspot: { firstname: 'Annie' } }),
      members: new Set(['101']),
      config: { ...planInput({}).config, deletes: 'propagate' },
    });
    expect(plan.salesforceDeletes).toEqual([]);
    expect(plan.salesforceUpdates.Lead[0]?.fields).toEqual({ FirstName: 'Annie' });
  });

  it('a Salesforce delete with MasterRecordId re-points the link to the master record', () => {
    const plan = planOf([notice('salesforce', 'Contact', '0031', 'deleted')], {
      salesforceRecords: [
        salesforceRecord('0031', 'Contact', annSf, { isDeleted: true, masterRecordId: '0032' }),
        salesforceRecord('0032', 'Contact', annSf),
      ],
      pairs: [pairOf('101', '0031', annSnapshot, { salesforceType: 'Contact' })],
    });
    expect(plan.pairWrites[0]).toMatchObject({
      expectedVersion: 3,
      pair: { hubspotId: '101', salesforceId: '0032' },
    });
    expect(plan.hubspotArchives).toEqual([]);
  });

  it('a propagated Salesforce delete archives the HubSpot contact of a member', () => {
    const plan = planOf([notice('salesforce', 'Lead', '00Q1', 'deleted')], {
      pairs: [pairOf('101', '00Q1', annSnapshot)],
      members: new Set(['101']),
      config: { ...planInput({}).config, deletes: 'propagate' },
    });
    expect(plan.hubspotArchives).toEqual(['101']);
    expect(plan.pairDeletes).toEqual([{ hubspotId: '101', expectedVersion: 3 }]);
  });

  it('R8: a delete of a linked contact outside the segment is not propagated (the gate says R8, as for any change)', () => {
    const plan = planOf([notice('salesforce', 'Lead', '00Q1', 'deleted')], {
      pairs: [pairOf('101', '00Q1', annSnapshot)],
      config: { ...planInput({}).config, deletes: 'propagate' },
    });
    expect(plan.hubspotArchives).toEqual([]);
    expect(plan.pairDeletes).toEqual([]);
    expect(plan.decisions[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'not-in-segment',
      detail: { rule: 'R8' },
    });
  });

  it('R2: with no segment a propagated delete goes through the gate and archives the counterpart', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'deleted')], {
      pairs: [pairOf('101', '00Q1', annSnapshot)],
      settings: { inclusionSegmentId: null, autoCreateFromLeads: false, autoCreateFromContacts: false },
      config: { ...planInput({}).config, deletes: 'propagate' },
    });
    expect(plan.salesforceDeletes).toEqual(['00Q1']);
    expect(plan.decisions[0]).toMatchObject({ outcome: 'synced', reason: 'deleted' });
  });

  it('R8: a HubSpot notice about a contact outside the segment still re-points its converted Lead, like the Salesforce side', () => {
    const converted = {
      hubspotContacts: [hubspotContact('101', ann)],
      salesforceRecords: [
        salesforceRecord('00Q1', 'Lead', annSf, { isConverted: true, convertedContactId: '0039' }),
        salesforceRecord('0039', 'Contact', annSf),
      ],
      pairs: [pairOf('101', '00Q1', annSnapshot)],
      members: new Set<string>(),
    };
    for (const record of [
      notice('hubspot', 'contact', '101', 'updated'),
      notice('salesforce', 'Lead', '00Q1', 'updated'),
    ]) {
      const plan = planOf([record], converted);
      expect(writes(plan)).toBe(0);
      expect(plan.pairWrites).toEqual([
        expect.objectContaining({
          expectedVersion: 3,
          pair: expect.objectContaining({ salesforceId: '0039' }),
        }),
      ]);
      expect(plan.decisions.map((d) => [d.outcome, d.reason, d.detail?.['rule']])).toEqual([
        ['relinked', 'lead converted', undefined],
        ['skipped', 'not-in-segment', 'R8'],
      ]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { confirmAutoCreate, DEFAULT_AUTO_CREATE_WINDOW_MS } from '../../lib/domain/auto-create.ts';
import { annSf, claimedLink, hubspotContact, notice, planOf, salesforceRecord, T0 } from './fixtures.ts';

/** R6 is granted by the record read in the batch, not by a notice's `created` (lib/domain/auto-create.ts). */
const US = '005000000000001AAA';
const DAY = 24 * 60 * 60_000;
const ctx = { integrationUserId: US, now: T0 + 60_000, windowMs: DEFAULT_AUTO_CREATE_WINDOW_MS };
describe('R6 evidence from the Salesforce record', () => {
  it('R6: a record created by someone else within the window confirms the auto-create', () => {
    expect(confirmAutoCreate({ createdAt: T0, createdById: '005000000000002AAA' }, ctx)).toEqual({
      confirmed: true,
    });
  });

  it('R6: refused for a record crmsync created (CreatedById = the integration user, 15 or 18 characters)', () => {
    expect(confirmAutoCreate({ createdAt: T0, createdById: US }, ctx)).toEqual({
      confirmed: false,
      why: 'created-by-crmsync',
    });
    expect(confirmAutoCreate({ createdAt: T0, createdById: US.slice(0, 15) }, ctx)).toMatchObject({
      why: 'created-by-crmsync',
    });
  });

  it('R6: refused for a record created before the window, even if never modified (equal dates prove nothing)', () => {
    expect(confirmAutoCreate({ createdAt: T0 - 2 * DAY }, ctx)).toEqual({
      confirmed: false,
      why: 'created-before-window',
    });
    expect(confirmAutoCreate({ createdAt: T0 - 2 * DAY }, { ...ctx, windowMs: 3 * DAY })).toEqual({
      confirmed: true,
    });
  });

  it('R6: refused when the record is gone or crmsync does not know its own user', () => {
    expect(confirmAutoCreate(undefined, ctx)).toMatchObject({ why: 'record-not-found' });
    expect(confirmAutoCreate({ createdAt: T0, isDeleted: true }, ctx)).toMatchObject({
      why: 'record-not-found',
    });
    expect(confirmAutoCreate({ createdAt: T0 }, { ...ctx, integrationUserId: undefined })).toMatchObject({
      why: 'integration-user-unknown',
    });
  });
});

describe('R6 in the plan', () => {
  it('R6/R3: a `created` notice for an old unlinked lead writes nothing to the contact outside the segment, and says why', () => {
    const plan = planOf([notice('salesforce', 'Lead', '00Q1', 'created')], {
      now: T0 + 30 * DAY,
      hubspotContacts: [hubspotContact('101', { email: 'ann@example.com' })],
      salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf)],
    });
    expect(plan.hubspotUpdates).toEqual([]);
    expect(plan.hubspotCreates).toEqual([]);
    expect(plan.pairWrites).toEqual([]);
    expect(plan.decisions).toContainEqual(
      expect.objectContaining({
        outcome: 'skipped',
        reason: 'not-in-segment',
        detail: expect.objectContaining({ rule: 'R3', autoCreateRefused: 'created-before-window' }),
      }),
    );
  });

  it('R6/R3: a `created` notice for a lead crmsync created (its create response lost) is gated by the segment', () => {
    const plan = planOf([notice('salesforce', 'Lead', '00Q1', 'created')], {
      hubspotContacts: [hubspotContact('101', { email: 'ann@example.com' })],
      salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf, { createdById: US })],
    });
    expect(plan.hubspotUpdates).toEqual([]);
    expect(plan.decisions).toContainEqual(
      expect.objectContaining({
        reason: 'not-in-segment',
        detail: expect.objectContaining({ autoCreateRefused: 'created-by-crmsync' }),
      }),
    );
  });
});

describe('a record crmsync created, linked late (its create response was lost)', () => {
  it('two-way: the link takes the creation as its snapshot, so a clear made in HubSpot since then reaches Salesforce', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'updated')], {
      hubspotContacts: [
        hubspotContact('101', { email: 'ann@example.com', firstname: null, lastname: 'Lee' }),
      ],
      salesforceRecords: [
        salesforceRecord('00Q1', 'Lead', { ...annSf, FirstName: 'Ann' }, { createdById: US, modifiedAt: T0 }),
      ],
      members: new Set(['101']),
    });
    expect(plan.decisions).toContainEqual(
      expect.objectContaining({
        outcome: 'linked',
        reason: 'created by crmsync, its create response lost (Salesforce)',
      }),
    );
    // Company is prefer-salesforce-unless-blank: Salesforce's value fills HubSpot's as on any sync.
    expect(plan.hubspotUpdates.flatMap((u) => Object.keys(u.properties))).not.toContain('firstname');
    expect(plan.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ FirstName: null }) }),
    ]);
  });
  it('two-way: with the create’s intent the link takes what the create wrote even after the record was modified (seed 1200860834)', () => {
    // crmsync created Lead 00Q1 (LastName Lee, Phone +1 555 0101) for contact 101; the response was lost. Since
    // then HubSpot changed lastname to Ortiz and a Salesforce user cleared Phone (the Lead is modified).
    const lead = salesforceRecord(
      '00Q1',
      'Lead',
      { ...annSf, LastName: 'Lee', Phone: null },
      { createdById: US, createdAt: T0, modifiedAt: T0 + 5_000 },
    );
    const input = {
      hubspotContacts: [
        hubspotContact('101', {
          email: 'ann@example.com',
          firstname: 'Ann',
          lastname: 'Ortiz',
          phone: '+1 555 0101',
        }),
      ],
      salesforceRecords: [lead],
      members: new Set(['101']),
    };
    const intent = { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee', phone: '+1 555 0101' };
    const withIntent = planOf([notice('hubspot', 'contact', '101', 'updated')], {
      ...input,
      creationIntents: new Map([['hubspot:101', { snapshot: intent, at: T0 - 1_000 }]]),
    });
    expect(withIntent.decisions).toContainEqual(
      expect.objectContaining({ outcome: 'linked', reason: expect.stringMatching(/its intent/) }),
    );
    expect(withIntent.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: { LastName: 'Ortiz' } }),
    ]);
    expect(withIntent.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '' }) }),
    ]);
    // An intent older than the record by more than the clock skew is another creation's: a first link.
    const stale = planOf([notice('hubspot', 'contact', '101', 'updated')], {
      ...input,
      creationIntents: new Map([['hubspot:101', { snapshot: intent, at: T0 + 10 * 60_000 }]]),
    });
    expect(stale.decisions).not.toContainEqual(
      expect.objectContaining({ reason: expect.stringMatching(/its intent/) }),
    );
  });
});

describe('a HubSpot contact crmsync created for a Lead that a user then converted (its create response lost)', () => {
  it('no-lost-update (seed 1350028007): the creation finishes on the Contact converted from that Lead, so a Salesforce clear since wins', () => {
    // crmsync created contact 101 (firstname Ann) for Lead 00Q1 and lost the response; a Salesforce user
    // cleared FirstName and converted the Lead into Contact 0031. The intent is keyed by the Lead.
    const contact = {
      ...hubspotContact('101', { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee' }, T0),
      updatedAt: T0 + 2_000,
      createdBy: { source: 'INTEGRATION', sourceId: '77' },
    };
    const lead = salesforceRecord(
      '00Q1',
      'Lead',
      { ...annSf, FirstName: null },
      { modifiedAt: T0 + 3_000, isConverted: true, convertedContactId: '0031' },
    );
    const converted = salesforceRecord(
      '0031',
      'Contact',
      { Email: 'ann@example.com', FirstName: null, LastName: 'Lee' },
      { createdAt: T0 + 3_000, modifiedAt: T0 + 3_000 },
    );
    const plan = planOf([notice('hubspot', 'contact', '101', 'segment-joined')], {
      hubspotContacts: [contact],
      salesforceRecords: [lead, converted],
      members: new Set(['101']),
      hubspotAppId: '77',
      creationIntents: new Map([
        [
          'salesforce:00Q1',
          { snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee' }, at: T0 - 1_000 },
        ],
      ]),
    });
    expect(plan.decisions).toContainEqual(
      expect.objectContaining({ outcome: 'linked', reason: expect.stringMatching(/HubSpot, its intent/) }),
    );
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ firstname: '' }) }),
    ]);
    expect(plan.salesforceUpdates.Contact.filter((u) => 'FirstName' in u.fields)).toEqual([]);
  });
});

describe('a first link whose sync wrote and lost its responses (link intent)', () => {
  it('two-way: a field whose write landed takes its intended value as the snapshot; one that did not, links as a first link', () => {
    // Contact 101 (phone set, firstname blank) was first linked to Lead 00Q1 (FirstName Ann, no Phone):
    // the sync wrote Phone to the Lead (landed) and firstname to HubSpot (did not land). Then HubSpot
    // cleared phone. The pair is the claim of that link: version 1, empty snapshot.
    const contact = hubspotContact('101', {
      email: 'ann@example.com',
      firstname: null,
      lastname: 'Lee',
      phone: null,
    });
    const lead = salesforceRecord('00Q1', 'Lead', { ...annSf, Phone: '+1 555 0101' });
    const intent = {
      snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee', phone: '+1 555 0101' },
      at: T0,
      link: { salesforceId: '00Q1', hubspot: ['firstname'], salesforce: ['Phone'] },
    };
    const plan = planOf([notice('hubspot', 'contact', '101', 'updated')], {
      hubspotContacts: [contact],
      salesforceRecords: [lead],
      pairs: [claimedLink],
      members: new Set(['101']),
      creationIntents: new Map([['hubspot:101', intent]]),
    });
    // The clear wins (Phone landed: its snapshot is the intended value); firstname is filled as at a first link.
    expect(plan.salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: null }) }),
    ]);
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ firstname: 'Ann' }) }),
    ]);
    // Without the intent, the first link fills the cleared phone back.
    const without = planOf([notice('hubspot', 'contact', '101', 'updated')], {
      hubspotContacts: [contact],
      salesforceRecords: [lead],
      pairs: [claimedLink],
      members: new Set(['101']),
    });
    expect(without.hubspotUpdates).toEqual([
      expect.objectContaining({ properties: expect.objectContaining({ phone: '+1 555 0101' }) }),
    ]);
  });
});

describe('a late creation whose link writes were lost (link intent with a base)', () => {
  // crmsync created Lead 00Q1 for contact 101 (Phone +1 555 0102), the response was lost; a Salesforce
  // user cleared Phone; the retry linked the Lead late and planned the clear for HubSpot (seed 1214883355).
  const contact = hubspotContact('101', {
    email: 'ann@example.com',
    firstname: 'Ann',
    lastname: 'Lee',
    phone: '+1 555 0102',
  });
  const lead = salesforceRecord(
    '00Q1',
    'Lead',
    { ...annSf, FirstName: 'Ann', LastName: 'Lee', Phone: null },
    { createdById: US, createdAt: T0, modifiedAt: T0 + 5_000 },
  );
  const created = { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee', phone: '+1 555 0102' };

  it('two-way: the late creation’s pair write keeps the creation’s values as the base its link intent stores', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'updated')], {
      hubspotContacts: [contact],
      salesforceRecords: [lead],
      members: new Set(['101']),
      creationIntents: new Map([['hubspot:101', { snapshot: created, at: T0 - 1_000 }]]),
    });
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '' }) }),
    ]);
    expect(plan.pairWrites).toEqual([expect.objectContaining({ base: created, expectedVersion: 0 })]);
  });

  it('two-way: on the retry, a write that did not land merges from the base: the Salesforce clear still wins (seed 1214883355)', () => {
    // The link was claimed (version 1, empty snapshot) and its HubSpot write refused (401): HubSpot still
    // holds the phone the creation wrote.
    const link = { salesforceId: '00Q1', hubspot: ['phone'], salesforce: [] };
    const intent = { snapshot: { ...created, phone: null }, at: T0 + 6_000 };
    const retry = (base?: Record<string, string | null>) =>
      planOf([notice('hubspot', 'contact', '101', 'updated')], {
        hubspotContacts: [contact],
        salesforceRecords: [lead],
        pairs: [claimedLink],
        members: new Set(['101']),
        creationIntents: new Map([['hubspot:101', { ...intent, link: base ? { ...link, base } : link }]]),
      });
    expect(retry(created).hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '' }) }),
    ]);
    expect(retry(created).salesforceUpdates.Lead).toEqual([]);
    // Without the base the field links as a first link: the blank fill writes the phone back to Salesforce.
    expect(retry().salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: '+1 555 0102' }) }),
    ]);
  });
});

describe('a first link whose write landed and was changed since (link intent)', () => {
  it('two-way: a field the written side changed after the intent, to another value, is a change since: a user’s clear wins (seed 1212954852)', () => {
    // Contact 101 (firstname Cyd) was first linked to Lead 00Q1 (FirstName Ann, changed later): the sync
    // wrote firstname Ann to HubSpot and lost the response. Then a HubSpot user cleared firstname.
    const contact = hubspotContact('101', { email: 'ann@example.com', firstname: null, lastname: 'Lee' });
    const lead = salesforceRecord('00Q1', 'Lead', annSf);
    const intent = {
      snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee' },
      at: T0 + 1_000,
      link: { salesforceId: '00Q1', hubspot: ['firstname'], salesforce: [] },
    };
    const retry = (clearedAt: number, history?: Record<string, number>) =>
      planOf(
        [
          notice('hubspot', 'contact', '101', 'updated', {
            occurredAt: clearedAt,
            changedFields: ['firstname'],
          }),
        ],
        {
          hubspotContacts: [history ? { ...contact, propertyChangedAt: history } : contact],
          salesforceRecords: [lead],
          pairs: [claimedLink],
          members: new Set(['101']),
          creationIntents: new Map([['hubspot:101', intent]]),
        },
      );
    // Reported by the user's notice after the intent: the clear wins.
    expect(retry(T0 + 2_000).salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ FirstName: null }) }),
    ]);
    // Known from the property history alone (the notice named it earlier, its own notice elsewhere).
    expect(retry(T0, { firstname: T0 + 2_000 }).salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ FirstName: null }) }),
    ]);
    // A change before the intent: the write did not land, and the field links as a first link (blank fill).
    expect(retry(T0).hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ firstname: 'Ann' }) }),
    ]);
  });
});

describe('a claimed first link finished by its retry (the decision trace)', () => {
  // Contact 101 and Lead 00Q1 were first linked by email; the try's writes lost their responses, so its
  // decisions were lost too and the link stayed claimed (seed 1222100081, finding 21).
  const contact = hubspotContact('101', { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee' });
  const lead = salesforceRecord('00Q1', 'Lead', { ...annSf, FirstName: 'Ann' });
  const intent = (reason?: string) => ({
    snapshot: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee' },
    at: T0 + 1_000,
    link: { salesforceId: '00Q1', hubspot: [], salesforce: ['FirstName'], ...(reason ? { reason } : {}) },
  });
  const retry = (reason?: string) =>
    planOf([notice('hubspot', 'contact', '101', 'updated')], {
      hubspotContacts: [contact],
      salesforceRecords: [lead],
      pairs: [claimedLink],
      members: new Set(['101']),
      creationIntents: new Map([['hubspot:101', intent(reason)]]),
    });

  it('two-way (seed 1222100081): the retry records the link with the first try’s reason and the time it was planned', () => {
    const linked = retry('matched Lead 00Q1 by email').decisions.filter((d) => d.outcome === 'linked');
    expect(linked).toEqual([
      expect.objectContaining({
        recordKey: 'hubspot:101',
        reason: 'matched Lead 00Q1 by email; finishing a first sync whose write responses were lost',
        detail: expect.objectContaining({
          hubspotId: '101',
          salesforceId: '00Q1',
          linkPlannedAt: T0 + 1_000,
        }),
      }),
    ]);
    // An intent written before its reason was kept: the link still says it matched by email.
    expect(retry().decisions.find((d) => d.outcome === 'linked')?.reason).toMatch(/^matched by email; /);
  });

  it('two-way: a new link’s pair write carries its reason, for the intent a failed try leaves', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'updated')], {
      hubspotContacts: [{ ...contact, properties: { ...contact.properties, firstname: 'Bo' } }],
      salesforceRecords: [lead],
      members: new Set(['101']),
    });
    expect(plan.pairWrites).toEqual([
      expect.objectContaining({ expectedVersion: 0, linkReason: expect.stringMatching(/^matched /) }),
    ]);
  });
});

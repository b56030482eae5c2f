import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../lib/domain/coalesce.ts';
import { changeNoticeSchema } from '../../lib/domain/notice.ts';
import { coalescedEventId, isOwnChange, parseWebhookBatch } from '../../lib/hubspot/webhook-events.ts';
import { APP_ID, PORTAL_ID, hubspotEvent } from './signed-request.ts';

/** Our own webhook bodies in HubSpot's documented wire format (test/fixtures/hubspot). */
const fixtures = new URL('../fixtures/hubspot/', import.meta.url);
const sample = (name: string): unknown[] =>
  JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as unknown[];
/** The fixtures are from portal 62000 with app 77001. */
const sampleOptions = { appId: '77001' };

describe('HubSpot webhook batches: wire-format fixtures', () => {
  it('reads the docs example with eventType and the one with subscriptionType the same way', () => {
    const a = parseWebhookBatch(sample('webhook-batch-eventtype.json'), sampleOptions);
    const b = parseWebhookBatch(sample('webhook-batch-subscriptiontype.json'), sampleOptions);
    expect(a.notices).toEqual(b.notices);
    expect(a.notices).toEqual([
      {
        source: 'hubspot',
        objectType: 'contact',
        recordId: '5102',
        kind: 'created',
        eventId: 'hubspot:900102:5102:creation',
        occurredAt: 1764547200000,
      },
      {
        source: 'hubspot',
        objectType: 'contact',
        recordId: '5101',
        kind: 'updated',
        eventId: 'hubspot:900101:5101:propertyChange',
        occurredAt: 1764547200000,
        changedFields: ['lifecyclestage'],
      },
    ]);
  });

  it('reads the signature docs body (contact.creation with changeFlag)', () => {
    const parsed = parseWebhookBatch(sample('webhook-contact-creation-changeflag.json'), {
      appId: '88002',
    });
    expect(parsed.notices).toEqual([
      {
        source: 'hubspot',
        objectType: 'contact',
        recordId: '808',
        kind: 'created',
        eventId: 'hubspot:7:808:creation',
        occurredAt: 1764550800000,
      },
    ]);
  });

  it('maps deletion and privacyDeletion to deleted, restore to restored', () => {
    const parsed = parseWebhookBatch(sample('webhook-contact-deletion-privacy-restore.json'), sampleOptions);
    expect(parsed.notices.map((n) => [n.recordId, n.kind])).toEqual([
      ['5102', 'deleted'],
      ['5102', 'deleted'],
      ['5103', 'restored'],
    ]);
    expect(new Set(parsed.notices.map((n) => n.eventId)).size).toBe(3);
  });

  it('turns contact.merge into a merged notice per merged-away id and an update of the survivor', () => {
    const parsed = parseWebhookBatch(sample('webhook-contact-merge.json'), sampleOptions);
    expect(parsed.notices).toEqual([
      {
        source: 'hubspot',
        objectType: 'contact',
        recordId: '5102',
        kind: 'merged',
        eventId: 'hubspot:900301:5102:merge',
        occurredAt: 1764547200000,
        survivorId: '5101',
        mergedIds: ['5102'],
      },
      {
        source: 'hubspot',
        objectType: 'contact',
        recordId: '5101',
        kind: 'updated',
        eventId: 'hubspot:900301:5101:merge',
        occurredAt: 1764547200000,
      },
    ]);
  });

  it('reads the generic object.* format for contacts (objectTypeId 0-1)', () => {
    const parsed = parseWebhookBatch(sample('webhook-object-format.json'), sampleOptions);
    expect(parsed.notices.map((n) => [n.recordId, n.kind, n.changedFields])).toEqual([
      ['5104', 'created', undefined],
      ['5101', 'updated', ['lifecyclestage']],
    ]);
  });

  it('C6: contact.associationChange becomes an updated notice of the contact naming associatedcompanyid; the company mirror is ignored', () => {
    const parsed = parseWebhookBatch(sample('webhook-association-change.json'), sampleOptions);
    expect(parsed.notices).toEqual([
      {
        source: 'hubspot',
        objectType: 'contact',
        recordId: '5101',
        kind: 'updated',
        eventId: 'hubspot:900501:5101:associationChange',
        occurredAt: 1764547200000,
        changedFields: ['associatedcompanyid'],
      },
    ]);
    expect(parsed.ignored['unknown-type']?.count).toBe(1);
  });

  it('C6: an association change coalesces with the same contact’s property changes; other association types and our own writes are ignored', () => {
    const parsed = parseWebhookBatch(
      [
        hubspotEvent({ subscriptionType: 'contact.propertyChange', objectId: 77, propertyName: 'phone' }),
        hubspotEvent({
          subscriptionType: 'contact.associationChange',
          objectId: 77,
          associationType: 'CONTACT_TO_COMPANY',
        }),
        hubspotEvent({
          subscriptionType: 'contact.associationChange',
          objectId: 78,
          associationType: 'CONTACT_TO_DEAL',
        }),
        hubspotEvent({
          subscriptionType: 'contact.associationChange',
          objectId: 79,
          associationType: 'CONTACT_TO_COMPANY',
          changeSource: 'INTEGRATION',
          sourceId: APP_ID,
        }),
      ],
      { appId: APP_ID },
    );
    expect(parsed.notices.map((n) => [n.recordId, n.kind, n.changedFields])).toEqual([
      ['77', 'updated', ['associatedcompanyid', 'phone']],
    ]);
    expect(parsed.ignored['unsupported-object']?.count).toBe(1);
    expect(parsed.ignored.echo?.count).toBe(1);
  });

  it('C8: company.* events (and object.* with objectTypeId 0-2) become company notices; other objects are ignored', () => {
    const parsed = parseWebhookBatch(
      [
        hubspotEvent({ subscriptionType: 'company.propertyChange', objectId: 901, propertyName: 'name' }),
        hubspotEvent({ subscriptionType: 'company.propertyChange', objectId: 901, propertyName: 'city' }),
        hubspotEvent({ subscriptionType: 'contact.propertyChange', objectId: 901, propertyName: 'phone' }),
        hubspotEvent({
          subscriptionType: undefined,
          eventType: 'object.creation',
          objectTypeId: '0-2',
          objectId: 902,
        }),
        hubspotEvent({
          subscriptionType: 'company.merge',
          objectId: 903,
          primaryObjectId: 903,
          mergedObjectIds: [904],
        }),
        hubspotEvent({ subscriptionType: 'deal.creation', objectId: 905 }),
      ],
      { appId: APP_ID },
    );
    expect(
      parsed.notices.map((n) => [n.objectType, n.recordId, n.kind, n.changedFields, n.survivorId]),
    ).toEqual([
      ['company', '902', 'created', undefined, undefined],
      ['company', '904', 'merged', undefined, '903'],
      ['company', '903', 'updated', undefined, undefined],
      ['company', '901', 'updated', ['city', 'name'], undefined],
      ['contact', '901', 'updated', ['phone'], undefined],
    ]);
    expect(parsed.ignored['unsupported-object']?.count).toBe(1);
  });
});

describe('HubSpot webhook batches: echo layer 1', () => {
  it("drops our own app's changes (INTEGRATION with sourceId = our app id) and counts them", () => {
    const ours = hubspotEvent({ changeSource: 'INTEGRATION', sourceId: APP_ID, objectId: 1 });
    const oursPrefixed = hubspotEvent({
      changeSource: 'INTEGRATION',
      sourceId: `appId:${APP_ID}`,
      objectId: 2,
    });
    const otherApp = hubspotEvent({ changeSource: 'INTEGRATION', sourceId: '999', objectId: 3 });
    const user = hubspotEvent({ changeSource: 'CRM_UI', sourceId: `userId:${APP_ID}`, objectId: 4 });
    const parsed = parseWebhookBatch([ours, oursPrefixed, otherApp, user], { appId: APP_ID });
    expect(parsed.notices.map((n) => n.recordId).sort()).toEqual(['3', '4']);
    expect(parsed.ignored.echo?.count).toBe(2);
  });

  it('isOwnChange needs both an app source and our id', () => {
    expect(isOwnChange({ changeSource: 'INTEGRATION', sourceId: 1160452 }, '1160452')).toBe(true);
    expect(isOwnChange({ changeSource: 'API', sourceId: '1160452' }, '1160452')).toBe(true);
    expect(isOwnChange({ changeSource: 'CRM_UI', sourceId: '1160452' }, '1160452')).toBe(false);
    expect(isOwnChange({ changeSource: 'INTEGRATION' }, '1160452')).toBe(false);
  });
});

describe('HubSpot webhook batches: coalescing', () => {
  it('turns the propertyChange events of one contact at one instant (a creation’s properties) into one notice with every changed property', () => {
    const events = [
      hubspotEvent({ objectId: 7, propertyName: 'firstname', occurredAt: 1000 }),
      hubspotEvent({ objectId: 7, propertyName: 'lastname', occurredAt: 1000 }),
      hubspotEvent({ objectId: 7, propertyName: 'phone', occurredAt: 1000 }),
      hubspotEvent({ objectId: 8, propertyName: 'phone', occurredAt: 1000 }),
    ];
    const parsed = parseWebhookBatch(events, { appId: APP_ID });
    expect(parsed.notices).toHaveLength(2);
    const seven = parsed.notices.find((n) => n.recordId === '7');
    expect(seven).toMatchObject({
      kind: 'updated',
      occurredAt: 1000,
      changedFields: ['firstname', 'lastname', 'phone'],
    });
    expect(seven?.eventId).toBe(coalescedEventId(events.slice(0, 3).map((e) => `${String(e['eventId'])}:7`)));
  });

  it('two-way (finding 23): changes of one contact at different instants keep their own times — a property set at creation is not stamped with a later edit’s time', () => {
    // Seeds 1223408659 and others: a contact created with lastname Park at t=1000 and its phone edited at
    // t=3000 arrived in one delivery; one notice said lastname changed at 3000, and Park beat a Salesforce
    // LastName set at 2000.
    const events = [
      hubspotEvent({ objectId: 7, propertyName: 'lastname', occurredAt: 1000 }),
      hubspotEvent({ objectId: 7, propertyName: 'phone', occurredAt: 1000 }),
      hubspotEvent({ objectId: 7, propertyName: 'phone', occurredAt: 3000 }),
      hubspotEvent({ objectId: 7, propertyName: 'firstname', occurredAt: 2000 }),
    ];
    const parsed = parseWebhookBatch(events, { appId: APP_ID });
    expect(parsed.notices.map((n) => [n.occurredAt, n.changedFields])).toEqual([
      [1000, ['lastname', 'phone']],
      [3000, ['phone']],
      [2000, ['firstname']],
    ]);
    // Folded per record by the processor, each property keeps the time of the latest notice naming it.
    expect(coalesce(parsed.notices)[0]?.fieldChangedAt).toEqual({
      lastname: 1000,
      phone: 3000,
      firstname: 2000,
    });
  });

  it('gives the same coalesced id for the same events in another order, and another id for other events', () => {
    expect(coalescedEventId(['1', '2', '3'])).toBe(coalescedEventId(['3', '1', '2']));
    expect(coalescedEventId(['1', '2'])).not.toBe(coalescedEventId(['1', '2', '3']));
  });

  it('keeps notices apart when HubSpot reuses an eventId ("not guaranteed to be unique") across objects or types', () => {
    const events = [
      hubspotEvent({ eventId: 55, objectId: 1, subscriptionType: 'contact.creation' }),
      hubspotEvent({ eventId: 55, objectId: 2, subscriptionType: 'contact.creation' }),
      hubspotEvent({
        eventId: 55,
        objectId: 1,
        subscriptionType: 'contact.propertyChange',
        propertyName: 'email',
      }),
    ];
    const parsed = parseWebhookBatch(events, { appId: APP_ID });
    expect(parsed.notices.map((n) => n.eventId).sort()).toEqual([
      'hubspot:55:1:creation',
      'hubspot:55:1:propertyChange',
      'hubspot:55:2:creation',
    ]);
  });

  it('drops a repeated event within the batch', () => {
    const e = hubspotEvent({ objectId: 9, subscriptionType: 'contact.creation' });
    const parsed = parseWebhookBatch([e, { ...e }], { appId: APP_ID });
    expect(parsed.notices).toHaveLength(1);
    expect(parsed.ignored.duplicate?.count).toBe(1);
  });
});

describe('HubSpot webhook batches: bad input never loses the valid events', () => {
  it('skips malformed events one by one and keeps the valid ones', () => {
    const valid = hubspotEvent({ objectId: 42 });
    const parsed = parseWebhookBatch(
      [
        null,
        'text',
        42,
        [],
        { eventId: 'x' },
        hubspotEvent({ objectId: -1 }),
        hubspotEvent({ objectId: 1.5 }),
        hubspotEvent({ occurredAt: 'yesterday' }),
        hubspotEvent({ subscriptionType: undefined }),
        valid,
      ],
      { appId: APP_ID },
    );
    expect(parsed.notices.map((n) => n.recordId)).toEqual(['42']);
    expect(parsed.ignored['invalid-event']?.count).toBe(9);
    expect(parsed.ignored['invalid-event']?.examples).toContain('#0');
  });

  it('ignores __proto__ / constructor keys and never passes them on as field names', () => {
    const batch = JSON.parse(
      `[{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"eventId":1,"subscriptionType":"contact.propertyChange","objectId":5,"occurredAt":10,"propertyName":"__proto__"},` +
        `{"eventId":2,"subscriptionType":"contact.propertyChange","objectId":6,"occurredAt":10,"propertyName":"constructor"}]`,
    ) as unknown[];
    const parsed = parseWebhookBatch(batch, { appId: APP_ID });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(parsed.notices.map((n) => [n.recordId, n.changedFields])).toEqual([
      ['5', undefined],
      ['6', undefined],
    ]);
    expect(parsed.invalidFieldNames).toBe(2);
  });

  it('keeps the notice but not the name when a property name has NUL, RTL or emoji characters', () => {
    const names = ['first\u0000name', '\u202Eemantsrif', 'name😀', 'Ｆirstname', 'firstname\u0301'];
    const parsed = parseWebhookBatch(
      names.map((propertyName, i) => hubspotEvent({ objectId: 100 + i, propertyName })),
      { appId: APP_ID },
    );
    expect(parsed.notices).toHaveLength(names.length);
    for (const n of parsed.notices) expect(n.changedFields).toBeUndefined();
  });

  it('carries no property value: an invalid email or unicode value still yields a plain notice', () => {
    const values = [
      'not-an-email',
      'a@b',
      'José\u0301@exämple.com',
      'e\u0301',
      '\u202Eevil',
      '😀@😀.com',
      'x\u0000y',
    ];
    const parsed = parseWebhookBatch(
      values.map((propertyValue, i) =>
        hubspotEvent({ objectId: 200 + i, propertyName: 'email', propertyValue }),
      ),
      { appId: APP_ID },
    );
    expect(parsed.notices).toHaveLength(values.length);
    const text = JSON.stringify(parsed);
    for (const v of values) expect(text).not.toContain(JSON.stringify(v).slice(1, -1));
  });

  it('ignores events from another portal when the portal is configured', () => {
    const parsed = parseWebhookBatch([hubspotEvent({ portalId: 1 }), hubspotEvent({ objectId: 77 })], {
      appId: APP_ID,
      portalId: PORTAL_ID,
    });
    expect(parsed.notices.map((n) => n.recordId)).toEqual(['77']);
    expect(parsed.ignored['wrong-portal']?.count).toBe(1);
  });

  it('property: any JSON array never throws, and every notice satisfies the notice schema', () => {
    const event = fc.record(
      {
        eventId: fc.oneof(fc.integer(), fc.string()),
        subscriptionType: fc.constantFrom(
          'contact.creation',
          'contact.propertyChange',
          'contact.merge',
          'contact.deletion',
          'object.creation',
          'deal.creation',
          'x',
        ),
        objectId: fc.oneof(fc.integer({ min: -5, max: 1e9 }), fc.string()),
        objectTypeId: fc.constantFrom('0-1', '0-2'),
        occurredAt: fc.oneof(fc.nat(), fc.double()),
        propertyName: fc.string(),
        mergedObjectIds: fc.array(fc.integer({ min: 1, max: 1e6 }), { maxLength: 4 }),
        primaryObjectId: fc.integer({ min: 1, max: 1e6 }),
        changeSource: fc.constantFrom('INTEGRATION', 'CRM_UI', 'API'),
        sourceId: fc.constantFrom(APP_ID, 'userId:1', '5'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(event, fc.anything()), { maxLength: 100 }), (items) => {
        const parsed = parseWebhookBatch(items, { appId: APP_ID });
        for (const n of parsed.notices) changeNoticeSchema.parse(n);
        const ignored = Object.values(parsed.ignored).reduce((sum, e) => sum + e.count, 0);
        expect(ignored).toBeLessThanOrEqual(items.length);
      }),
      { numRuns: 300 },
    );
  });
});

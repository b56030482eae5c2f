import { describe, expect, it } from 'vitest';
import type { ContactLinksInput } from '../../lib/domain/contact-links.ts';
import type { OwnerDirectory } from '../../lib/ports.ts';
import {
  ann,
  annSnapshot,
  hubspotContact,
  notice,
  pairOf,
  planOf,
  salesforceRecord,
  T0,
} from './fixtures.ts';

/**
 * C6 and O1–O5 in the contact plan (lib/domain/plan/links.ts over lib/domain/contact-links.ts): what
 * the rules answer rides in the pair's own writes, the snapshot keeps `@account` / `@owner`, and the
 * decision cites the rule.
 */
const directory: OwnerDirectory = {
  hubspotOwners: [
    { id: '11', email: 'ann@corp.example', archived: false },
    { id: '12', email: 'bob@corp.example', archived: false },
  ],
  salesforceUsers: [
    { id: '005A', email: 'Ann@corp.example', isActive: true, userType: 'Standard' },
    { id: '005B', email: 'bob@corp.example', isActive: true, userType: 'Standard' },
  ],
  refreshedAt: T0,
};

/** Company 901 ⇄ account 001A, company 902 ⇄ 001B; company 903 is linked to nothing. */
function links(primary: Record<string, string>, owners = true): ContactLinksInput {
  const accountOf = new Map([
    ['901', '001A'],
    ['902', '001B'],
  ]);
  const companyOf = new Map([...accountOf].map(([c, a]) => [a, c]));
  return {
    companies: {
      primaryCompanyOf: (id) => primary[id] ?? null,
      links: { accountOf: (c) => accountOf.get(c), companyOf: (a) => companyOf.get(a) },
    },
    ...(owners ? { owners: directory } : {}),
  };
}

const linkedContact = (
  hubspot: Record<string, string | null>,
  salesforce: Record<string, string | null>,
  snapshot: Record<string, string | null>,
  times: { hubspot?: number; salesforce?: number } = {},
) => ({
  hubspotContacts: [hubspotContact('101', { ...ann, ...hubspot }, times.hubspot ?? T0)],
  salesforceRecords: [
    salesforceRecord(
      '0031',
      'Contact',
      { Email: ann.email, FirstName: ann.firstname, LastName: ann.lastname, ...salesforce },
      { modifiedAt: times.salesforce ?? T0 },
    ),
  ],
  pairs: [pairOf('101', '0031', { ...annSnapshot, ...snapshot }, { salesforceType: 'Contact' })],
  members: new Set(['101']),
});

describe('C6 and O1–O5 in the contact plan', () => {
  it('O1/O2: an owner change rides in the same Salesforce update as a field change (one write, not two)', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'updated', { changedFields: ['firstname'] })], {
      ...linkedContact(
        { firstname: 'Annie', hubspot_owner_id: '12' },
        { OwnerId: '005A', AccountId: null },
        { '@owner': 'ann@corp.example', '@account': null },
      ),
      links: links({}),
    });
    expect(plan.salesforceUpdates.Contact).toEqual([
      { ref: 'hubspot:101', id: '0031', fields: { FirstName: 'Annie', OwnerId: '005B' } },
    ]);
    expect(plan.pairWrites[0]?.pair.snapshot).toMatchObject({
      '@owner': 'bob@corp.example',
      '@account': null,
    });
    expect(plan.decisions.at(-1)?.reason).toMatch(/^O2: Salesforce OwnerId set to active user 005B/);
  });

  it('C6: both sides changed the account: the later change wins (HubSpot later → AccountId follows the primary company)', () => {
    const plan = planOf(
      [
        notice('hubspot', 'contact', '101', 'updated', {
          changedFields: ['associatedcompanyid'],
          occurredAt: T0 + 5000,
        }),
      ],
      {
        ...linkedContact({}, { AccountId: '001A' }, { '@account': null }, { salesforce: T0 + 1000 }),
        links: links({ '101': '902' }, false),
      },
    );
    expect(plan.salesforceUpdates.Contact[0]?.fields).toEqual({ AccountId: '001B' });
    expect(plan.associationWrites).toEqual([]);
    expect(plan.decisions.at(-1)?.reason).toContain('C6: AccountId set to 001B');
    expect(plan.decisions.at(-1)?.reason).toContain('HubSpot changed later');
  });

  it('C6: AccountId changed in Salesforce is one association write (set primary), with no contact update', () => {
    const plan = planOf(
      [notice('salesforce', 'Contact', '0031', 'updated', { changedFields: ['AccountId'] })],
      {
        ...linkedContact({}, { AccountId: '001B' }, { '@account': '001A' }),
        links: links({ '101': '901' }, false),
      },
    );
    expect(plan.hubspotUpdates).toEqual([]);
    expect(plan.associationWrites).toEqual([
      { ref: 'salesforce:0031', contactId: '101', companyId: '902', action: 'set-primary' },
    ]);
    expect(plan.decisions.at(-1)).toMatchObject({
      outcome: 'synced',
      detail: { association: { companyId: '902' } },
    });
  });

  it('C6: a primary company linked to no account is left as it is; the snapshot stays and the decision says why', () => {
    const plan = planOf(
      [notice('hubspot', 'contact', '101', 'updated', { changedFields: ['associatedcompanyid'] })],
      {
        ...linkedContact({}, { AccountId: '001A' }, { '@account': '001A' }),
        links: links({ '101': '903' }, false),
      },
    );
    expect(plan.salesforceUpdates.Contact).toEqual([]);
    expect(plan.associationWrites).toEqual([]);
    expect(plan.pairWrites.map((w) => w.pair.snapshot['@account'])).toEqual(['001A']);
    expect(plan.decisions.at(-1)?.detail?.['links']).toEqual([
      {
        rule: 'C6',
        reason: expect.stringContaining('primary company 903 has no account yet'),
        refused: true,
      },
    ]);
  });

  it('C1: with company sync off the stored @account is kept untouched and nothing about companies is decided', () => {
    const plan = planOf([notice('hubspot', 'contact', '101', 'updated', { changedFields: ['firstname'] })], {
      ...linkedContact({ firstname: 'Annie' }, { AccountId: '001B' }, { '@account': '001A' }),
    });
    expect(plan.associationWrites).toEqual([]);
    expect(plan.pairWrites[0]?.pair.snapshot['@account']).toBe('001A');
    expect(plan.salesforceUpdates.Contact[0]?.fields).toEqual({ FirstName: 'Annie' });
  });

  it('O4/C6: a Salesforce Contact creates a HubSpot contact with the matched owner and its account’s company as primary, associated once created', () => {
    const plan = planOf([notice('salesforce', 'Contact', '0039', 'created')], {
      salesforceRecords: [
        salesforceRecord('0039', 'Contact', {
          Email: 'new@x.example',
          LastName: 'New',
          OwnerId: '005B',
          AccountId: '001A',
        }),
      ],
      settings: { inclusionSegmentId: null, autoCreateFromLeads: true, autoCreateFromContacts: true },
      links: links({}),
    });
    expect(plan.hubspotCreates[0]?.properties).toMatchObject({ hubspot_owner_id: '12' });
    expect(plan.hubspotCreates[0]?.pair.snapshot).toMatchObject({
      '@owner': 'bob@corp.example',
      '@account': '001A',
    });
    expect(plan.associationWrites).toEqual([
      { ref: 'salesforce:0039', contactId: '', companyId: '901', action: 'set-primary' },
    ]);
  });

  it('O4: a HubSpot contact whose owner matches no active user creates a Lead with no OwnerId', () => {
    const plan = planOf([notice('hubspot', 'contact', '109', 'created')], {
      hubspotContacts: [
        hubspotContact('109', { email: 'z@x.example', lastname: 'Z', hubspot_owner_id: '99' }),
      ],
      settings: { inclusionSegmentId: null, autoCreateFromLeads: true, autoCreateFromContacts: true },
      links: links({}),
    });
    expect(plan.salesforceCreates.Lead[0]?.fields).not.toHaveProperty('OwnerId');
    expect(plan.decisions[0]?.detail?.['links']).toEqual([
      expect.objectContaining({ rule: 'O4', reason: expect.stringContaining('no OwnerId sent') }),
    ]);
  });

  it('R7: an email-only sync moves the email only: no owner, no association', () => {
    const plan = planOf([notice('salesforce', 'Contact', '0031', 'import')], {
      ...linkedContact({ hubspot_owner_id: '12' }, { OwnerId: '005A', AccountId: '001B' }, {}),
      members: new Set(),
      links: links({ '101': '901' }),
    });
    expect(plan.associationWrites).toEqual([]);
    expect(plan.salesforceUpdates.Contact).toEqual([]);
    expect(plan.hubspotUpdates).toEqual([]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OwnerDirectory } from '../../lib/domain/company-entities.ts';
import {
  decideOwner,
  type OwnerState,
  ownerForCreation,
  salesforceOwnerKey,
  unknownOwners,
} from '../../lib/domain/owners.ts';
import { T0 } from './fixtures.ts';

/**
 * Ann and Bob are owners on both sides; Cid only in HubSpot; Dee only in Salesforce; Eve is an
 * inactive Salesforce user who is still a HubSpot owner; 00G1 is a Lead queue.
 */
const directory: OwnerDirectory = {
  hubspotOwners: [
    { id: '11', email: 'Ann@Example.com', archived: false },
    { id: '12', email: 'bob@example.com', archived: false },
    { id: '13', email: 'cid@example.com', archived: false },
    { id: '15', email: 'eve@example.com', archived: false },
    { id: '19', email: 'old@example.com', archived: true },
  ],
  salesforceUsers: [
    { id: '005A', email: 'ann@example.com', isActive: true, userType: 'Standard' },
    { id: '005B', email: 'BOB@example.com', isActive: true, userType: 'Standard' },
    { id: '005D', email: 'dee@example.com', isActive: true, userType: 'Standard' },
    { id: '005E', email: 'eve@example.com', isActive: false, userType: 'Standard' },
    { id: '005O', email: 'old@example.com', isActive: true, userType: 'Standard' },
  ],
  refreshedAt: T0,
};

function state(overrides: Partial<OwnerState>): OwnerState {
  return {
    hubspotOwnerId: '11',
    salesforceOwnerId: '005A',
    snapshot: 'ann@example.com',
    hubspotChangedAt: T0,
    salesforceChangedAt: T0,
    ...overrides,
  };
}

describe('owners (O1–O5)', () => {
  it('O1: owners that already match (by email, case-insensitive) need nothing', () => {
    const d = decideOwner(state({}), directory);
    expect(d).toMatchObject({ snapshot: 'ann@example.com', refused: false });
    expect(d.toHubSpot ?? d.toSalesforce).toBeUndefined();
  });

  it('O1: changed on both sides, the later change wins', () => {
    const later = decideOwner(
      state({
        hubspotOwnerId: '12',
        salesforceOwnerId: '005D',
        hubspotChangedAt: T0 + 5,
        salesforceChangedAt: T0 + 1,
      }),
      directory,
    );
    expect(later).toMatchObject({ toSalesforce: '005B', snapshot: 'bob@example.com', rule: 'O2' });
  });

  it('O2: a HubSpot owner change goes to Salesforce as the active user with that email, names aside', () => {
    const d = decideOwner(state({ hubspotOwnerId: '12', hubspotChangedAt: T0 + 1 }), directory);
    expect(d).toMatchObject({ toSalesforce: '005B', snapshot: 'bob@example.com', refused: false });
    expect(d.reason).toMatch(/^O2: .*active user 005B/);
  });

  it('O2: a HubSpot owner with no active Salesforce user is refused and set back to the Salesforce owner', () => {
    for (const hubspotOwnerId of ['13', '15']) {
      const d = decideOwner(state({ hubspotOwnerId, hubspotChangedAt: T0 + 1 }), directory);
      expect(d).toMatchObject({ toHubSpot: '11', snapshot: 'ann@example.com', rule: 'O2', refused: true });
      expect(d.toSalesforce).toBeUndefined();
      expect(d.reason).toContain('matches no active Salesforce user; HubSpot owner set back to 11');
    }
  });

  it('O2: a HubSpot owner cleared is set back: a Salesforce owner is never cleared', () => {
    const d = decideOwner(state({ hubspotOwnerId: null, hubspotChangedAt: T0 + 1 }), directory);
    expect(d).toMatchObject({ toHubSpot: '11', refused: true });
    expect(d.reason).toContain('never cleared');
  });

  it('O2: refused with no HubSpot owner to set back, nothing changes and the snapshot stays', () => {
    const d = decideOwner(
      state({
        hubspotOwnerId: '13',
        salesforceOwnerId: '005D',
        snapshot: 'dee@example.com',
        hubspotChangedAt: T0 + 1,
      }),
      directory,
    );
    expect(d).toMatchObject({ snapshot: 'dee@example.com', refused: true });
    expect(d.toHubSpot ?? d.toSalesforce).toBeUndefined();
  });

  it('O3: a Salesforce owner change goes to the HubSpot owner with that email', () => {
    const d = decideOwner(state({ salesforceOwnerId: '005B', salesforceChangedAt: T0 + 1 }), directory);
    expect(d).toMatchObject({ toHubSpot: '12', snapshot: 'bob@example.com', rule: 'O3', refused: false });
  });

  it('O3: no HubSpot owner with the email (or archived, or a queue): HubSpot left unchanged, the decision says why', () => {
    const missing = decideOwner(state({ salesforceOwnerId: '005D', salesforceChangedAt: T0 + 1 }), directory);
    expect(missing).toMatchObject({ snapshot: 'ann@example.com', rule: 'O3', refused: true });
    expect(missing.toHubSpot).toBeUndefined();
    expect(missing.reason).toContain('no HubSpot owner has the Salesforce owner’s email');
    const archived = decideOwner(
      state({ salesforceOwnerId: '005O', salesforceChangedAt: T0 + 1 }),
      directory,
    );
    expect(archived.toHubSpot).toBeUndefined();
    const queue = decideOwner(state({ salesforceOwnerId: '00G1', salesforceChangedAt: T0 + 1 }), directory);
    expect(queue).toMatchObject({ refused: true, rule: 'O3' });
    expect(queue.reason).toContain('queue');
  });

  it('O4: a record created in Salesforce gets the matching active user, else no OwnerId', () => {
    expect(ownerForCreation('salesforce', '12', directory)).toMatchObject({
      ownerId: '005B',
      snapshot: 'bob@example.com',
    });
    const none = ownerForCreation('salesforce', '13', directory);
    expect(none.ownerId).toBeUndefined();
    expect(none.reason).toContain('assignment rules apply');
    expect(ownerForCreation('hubspot', '005A', directory)).toMatchObject({ ownerId: '11' });
    expect(ownerForCreation('hubspot', null, directory)).toMatchObject({ snapshot: null });
  });

  it('O5: first link: an active Salesforce owner wins over a different HubSpot owner', () => {
    const d = decideOwner(
      state({ hubspotOwnerId: '12', snapshot: undefined, hubspotChangedAt: T0 + 9 }),
      directory,
    );
    expect(d).toMatchObject({ toHubSpot: '11', snapshot: 'ann@example.com', rule: 'O5' });
  });

  it('O5: first link: a blank HubSpot owner is filled from Salesforce; a Salesforce owner is never cleared', () => {
    const filled = decideOwner(state({ hubspotOwnerId: null, snapshot: undefined }), directory);
    expect(filled).toMatchObject({ toHubSpot: '11', rule: 'O5' });
    expect(filled.toSalesforce).toBeUndefined();
  });

  it('O5: first link with an inactive Salesforce owner: the HubSpot owner goes over when it is an active user', () => {
    const d = decideOwner(
      state({ hubspotOwnerId: '12', salesforceOwnerId: '005E', snapshot: undefined }),
      directory,
    );
    expect(d).toMatchObject({ toSalesforce: '005B', rule: 'O5' });
    const stuck = decideOwner(
      state({ hubspotOwnerId: '13', salesforceOwnerId: '00G1', snapshot: undefined }),
      directory,
    );
    expect(stuck).toMatchObject({ refused: true, snapshot: undefined, rule: 'O5' });
    expect(stuck.toHubSpot ?? stuck.toSalesforce).toBeUndefined();
  });

  it('owner ids the directory does not know are reported for a refresh on miss; queues are not users', () => {
    expect(
      unknownOwners({ hubspot: ['11', '77', null, '77'], salesforce: ['005A', '005Z', '00G1'] }, directory),
    ).toEqual({
      hubspot: ['77'],
      salesforce: ['005Z'],
    });
    expect(salesforceOwnerKey('00G1', directory)).toBe('queue:00G1');
  });

  it('O1/O2 property: a decision never writes an inactive or unknown Salesforce owner, never clears one, and applying it converges', () => {
    const hsIds = fc.constantFrom(null, '11', '12', '13', '15', '19', '77');
    const sfIds = fc.constantFrom('005A', '005B', '005D', '005E', '005O', '00G1');
    const keys = fc.constantFrom(undefined, null, 'ann@example.com', 'bob@example.com', 'dee@example.com');
    fc.assert(
      fc.property(hsIds, sfIds, keys, fc.nat(3), fc.nat(3), (hs, sf, snapshot, hAt, sAt) => {
        const before: OwnerState = {
          hubspotOwnerId: hs,
          salesforceOwnerId: sf,
          snapshot,
          hubspotChangedAt: T0 + hAt,
          salesforceChangedAt: T0 + sAt,
        };
        const d = decideOwner(before, directory);
        if (d.toSalesforce !== undefined) {
          const user = directory.salesforceUsers.find((u) => u.id === d.toSalesforce);
          expect(user?.isActive).toBe(true);
        }
        if (d.toHubSpot !== undefined) {
          expect(directory.hubspotOwners.find((o) => o.id === d.toHubSpot)?.archived).toBe(false);
        }
        // Applying the decision and deciding again writes nothing: no ping-pong.
        const after: OwnerState = {
          ...before,
          hubspotOwnerId: d.toHubSpot ?? hs,
          salesforceOwnerId: d.toSalesforce ?? sf,
          snapshot: d.snapshot,
        };
        const again = decideOwner(after, directory);
        expect(again.toHubSpot ?? again.toSalesforce).toBeUndefined();
      }),
    );
  });
});

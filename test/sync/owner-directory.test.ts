import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoSyncStore } from '../../lib/aws/dynamo-sync-store.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from '../../lib/local/local-dynamo.ts';
import type { HubSpotOwner, SalesforceUser } from '../../lib/ports.ts';
import {
  type OwnerDirectoryDeps,
  ownerDirectoryFor,
  refreshOwnerDirectory,
} from '../../lib/sync/owner-directory.ts';

/**
 * When the owner directory is listed from the CRMs (the listing itself is the adapters', tested
 * against the sandboxes): fake CRMs count the listings; the store is the real one on dynalite.
 */
class FakeOwnerSources {
  hubspotOwners: HubSpotOwner[] = [{ id: '11', email: 'ann@example.com', archived: false }];
  salesforceUsers: SalesforceUser[] = [
    { id: '005A', email: 'ann@example.com', isActive: true, userType: 'Standard' },
  ];
  listings = 0;
  readonly hubspot = {
    listOwners: async () => {
      this.listings++;
      return [...this.hubspotOwners];
    },
  };
  readonly salesforce = { listUsers: async () => [...this.salesforceUsers] };
}

let dynamo: LocalDynamo;
let deps: OwnerDirectoryDeps;
let crms: FakeOwnerSources;
let clock: number;
let tables = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  const tableName = `owners-${++tables}`;
  await ensureTable(dynamo.client, tableName);
  crms = new FakeOwnerSources();
  clock = Date.parse('2026-03-10T12:00:00Z');
  deps = {
    store: new DynamoSyncStore({ client: dynamo.client, tableName }),
    hubspot: crms.hubspot,
    salesforce: crms.salesforce,
    now: () => clock,
  };
});

describe('owner directory cache (O2, O3)', () => {
  it('O2/O3: the first use lists both CRMs and stores the directory; known owners need no listing', async () => {
    const first = await ownerDirectoryFor(deps, { hubspot: ['11'], salesforce: ['005A'] });
    expect(first.salesforceUsers).toEqual(crms.salesforceUsers);
    expect(crms.listings).toBe(1);
    await ownerDirectoryFor(deps, { hubspot: ['11', null], salesforce: ['005A'] });
    expect(crms.listings).toBe(1);
  });

  it('O3: an unknown owner id refreshes the directory on miss, so an owner added since is found', async () => {
    await refreshOwnerDirectory(deps);
    crms.hubspotOwners.push({ id: '12', email: 'bob@example.com', archived: false });
    clock += 10 * 60_000;
    const directory = await ownerDirectoryFor(deps, { hubspot: ['12'], salesforce: [] });
    expect(crms.listings).toBe(2);
    expect(directory.hubspotOwners.map((o) => o.id)).toContain('12');
    expect((await deps.store.getOwnerDirectory())?.refreshedAt).toBe(clock);
  });

  it('O2: misses within the floor cost no listing (a queue id or a deleted user cannot force a refresh per batch)', async () => {
    await refreshOwnerDirectory(deps);
    clock += 60_000;
    await ownerDirectoryFor(deps, { hubspot: [], salesforce: ['005Z'] });
    await ownerDirectoryFor(deps, { hubspot: ['77'], salesforce: ['00G000000000001'] });
    expect(crms.listings).toBe(1);
    clock += 5 * 60_000;
    await ownerDirectoryFor(deps, { hubspot: [], salesforce: ['005Z'] });
    expect(crms.listings).toBe(2);
  });
});

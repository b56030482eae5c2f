import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoSyncStore } from '../../lib/aws/dynamo-sync-store.ts';
import { PermanentSyncError, RetryableError } from '../../lib/errors.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from '../../lib/local/local-dynamo.ts';
import type { CompanyPair, OwnerDirectory } from '../../lib/ports.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');

let dynamo: LocalDynamo;
let store: DynamoSyncStore;
let tableCount = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  const tableName = `company-store-test-${++tableCount}`;
  await ensureTable(dynamo.client, tableName);
  store = new DynamoSyncStore({ client: dynamo.client, tableName, now: () => NOW });
});

function companyPair(
  companyId: string,
  accountId: string,
  overrides: Partial<CompanyPair> = {},
): CompanyPair {
  return {
    companyId,
    accountId,
    snapshot: { name: 'Acme', '@owner': 'ann@example.com', industry: null },
    version: 0,
    lastSyncedAt: NOW,
    origin: 'matched-by-contacts',
    ...overrides,
  };
}

describe('company/account pairs', () => {
  it('C3: a company pair is stored with its snapshot and read by company id and by account id', async () => {
    const stored = await store.putCompanyPair(companyPair('901', '001A'), 0);
    expect(stored.version).toBe(1);
    expect((await store.getCompanyPairsByCompanyIds(['901', '999'])).get('901')).toEqual(stored);
    expect([...(await store.getCompanyPairsByAccountIds(['001A', '001Z'])).entries()]).toEqual([
      ['001A', stored],
    ]);
    // Contact pairs and company pairs share a table but never each other's ids.
    expect((await store.getPairsByHubSpotIds(['901'])).size).toBe(0);
    expect((await store.getPairsBySalesforceIds(['001A'])).size).toBe(0);
  });

  it('C3: links stay one-to-one: a second company cannot claim a linked account', async () => {
    await store.putCompanyPair(companyPair('901', '001A'), 0);
    const refused = store.putCompanyPair(companyPair('902', '001A'), 0);
    await expect(refused).rejects.toBeInstanceOf(PermanentSyncError);
    await expect(refused).rejects.toThrow('account:001A is already linked to company:901');
  });

  it('a stale version is refused as retryable (a racing processor loses and retries)', async () => {
    const v1 = await store.putCompanyPair(companyPair('901', '001A'), 0);
    await store.putCompanyPair({ ...v1, snapshot: { name: 'Acme Corp' } }, 1);
    await expect(store.putCompanyPair({ ...v1, snapshot: { name: 'Other' } }, 1)).rejects.toBeInstanceOf(
      RetryableError,
    );
  });

  it('C9: an account merge re-points the pair to the master account and moves the lookup', async () => {
    const v1 = await store.putCompanyPair(companyPair('901', '001A'), 0);
    const moved = await store.putCompanyPair({ ...v1, accountId: '001M' }, 1);
    expect(moved.version).toBe(2);
    expect((await store.getCompanyPairsByAccountIds(['001A'])).size).toBe(0);
    expect((await store.getCompanyPairsByAccountIds(['001M'])).get('001M')?.companyId).toBe('901');
    // The merged-away account is free again: another company may link to it.
    await expect(store.putCompanyPair(companyPair('902', '001A'), 0)).resolves.toMatchObject({ version: 1 });
  });

  it('C9: a company merge removes the loser’s pair and its lookup, checking the version', async () => {
    const v1 = await store.putCompanyPair(companyPair('901', '001A'), 0);
    await expect(store.deleteCompanyPair('901', 7)).rejects.toBeInstanceOf(RetryableError);
    await store.deleteCompanyPair('901', v1.version);
    expect((await store.getCompanyPairsByAccountIds(['001A'])).size).toBe(0);
    await store.putCompanyPair(companyPair('905', '001A'), 0);
    expect((await store.getCompanyPairsByAccountIds(['001A'])).get('001A')?.companyId).toBe('905');
  });
});

describe('owner directory', () => {
  it('O2/O3: the cached owner directory round-trips and is replaced by the next refresh', async () => {
    expect(await store.getOwnerDirectory()).toBeUndefined();
    const first: OwnerDirectory = {
      hubspotOwners: [{ id: '11', email: 'ann@example.com', archived: false }],
      salesforceUsers: [
        { id: '005A', email: 'ann@example.com', isActive: true, userType: 'Standard' },
        { id: '005X', email: null, isActive: false, userType: 'Standard' },
      ],
      refreshedAt: NOW,
    };
    await store.putOwnerDirectory(first);
    expect(await store.getOwnerDirectory()).toEqual(first);
    const next = { ...first, hubspotOwners: [], refreshedAt: NOW + 1 };
    await store.putOwnerDirectory(next);
    expect(await store.getOwnerDirectory()).toEqual(next);
  });
});

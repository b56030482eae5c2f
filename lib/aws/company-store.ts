import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { CompanyPair, OwnerDirectory } from '../ports.ts';
import { fromItem, keyOf, toItem } from './item-codec.ts';
import { LinkedPairs, type PairCodec } from './linked-pairs.ts';
import { keys } from './store-keys.ts';

// The company side of the store (docs/store.md): company/account pairs (C3, C9), kept one-to-one by
// the same linked-pair code as contact links, and the cached owner directory (O2, O3).

const snapshotSchema = z.record(z.string(), z.string().nullable());
const companyPairItemSchema = z.object({
  companyId: z.string(),
  accountId: z.string(),
  snapshot: z.string(),
  version: z.number().int(),
  lastSyncedAt: z.number(),
  origin: z.enum(['matched-by-contacts', 'created-in-hubspot', 'created-in-salesforce', 'import']),
});
const ownerDirectorySchema = z.object({
  hubspotOwners: z.array(z.object({ id: z.string(), email: z.string().nullable(), archived: z.boolean() })),
  salesforceUsers: z.array(
    z.object({ id: z.string(), email: z.string().nullable(), isActive: z.boolean(), userType: z.string() }),
  ),
  refreshedAt: z.number(),
});

/** Company/account pairs: `CO#<companyId>` / `ACC#<accountId>` (docs/store.md). */
const companyPairCodec: PairCodec<CompanyPair> = {
  labels: { hubspot: 'company', salesforce: 'account' },
  pairKey: keys.companyPair,
  lookupKey: keys.accountLink,
  lookupPrefix: 'ACC#',
  hubspotAttribute: 'companyId',
  salesforceAttribute: 'accountId',
  hubspotIdOf: (pair) => pair.companyId,
  salesforceIdOf: (pair) => pair.accountId,
  encode: (pair) =>
    toItem({
      companyId: pair.companyId,
      accountId: pair.accountId,
      snapshot: JSON.stringify(pair.snapshot),
      version: pair.version,
      lastSyncedAt: pair.lastSyncedAt,
      origin: pair.origin,
    }),
  decode: (item) => {
    const p = companyPairItemSchema.parse(fromItem(item));
    return { ...p, snapshot: snapshotSchema.parse(JSON.parse(p.snapshot)) };
  },
};

/** The company/account pairs of one table. */
export function companyPairs(client: DynamoDBClient, tableName: string): LinkedPairs<CompanyPair> {
  return new LinkedPairs(client, tableName, companyPairCodec);
}

/** Where the store lives. */
export interface CompanyStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

/** The cached owner directory, or undefined before its first refresh. */
export async function getOwnerDirectory(o: CompanyStoreOptions): Promise<OwnerDirectory | undefined> {
  const res = await o.client.send(
    new GetItemCommand({ TableName: o.tableName, Key: keyOf(keys.ownerDirectory()), ConsistentRead: true }),
  );
  if (!res.Item) return undefined;
  return ownerDirectorySchema.parse(JSON.parse(String(fromItem(res.Item)['directory'])));
}

/**
 * Replaces the cached directory. Unconditional: every writer has just read both CRMs, so the last
 * write is as fresh as any. One item (≤ 400 KB) holds several thousand owners.
 */
export async function putOwnerDirectory(o: CompanyStoreOptions, directory: OwnerDirectory): Promise<void> {
  await o.client.send(
    new PutItemCommand({
      TableName: o.tableName,
      Item: { ...keyOf(keys.ownerDirectory()), ...toItem({ directory: JSON.stringify(directory) }) },
    }),
  );
}

/**
 * Writes a company pair and, when it is a new link (`expectedVersion` 0), adds one to the link
 * count. The count is a separate item (no transactions, docs/store.md): a crash between the two
 * writes leaves it one short until the link's next re-creation, so it is a figure for the
 * status, never an input of a sync decision.
 */
export async function putCompanyPair(
  o: CompanyStoreOptions,
  pairs: LinkedPairs<CompanyPair>,
  pair: CompanyPair,
  expectedVersion: number,
): Promise<CompanyPair> {
  const stored = await pairs.put(pair, expectedVersion);
  if (expectedVersion === 0) await addCompanyLinks(o, 1);
  return stored;
}

/** Deletes a company pair (C9 re-pointing) and takes one off the link count. */
export async function deleteCompanyPair(
  o: CompanyStoreOptions,
  pairs: LinkedPairs<CompanyPair>,
  companyId: string,
  expectedVersion: number,
): Promise<void> {
  await pairs.delete(companyId, expectedVersion);
  await addCompanyLinks(o, -1);
}

async function addCompanyLinks(o: CompanyStoreOptions, delta: number): Promise<void> {
  await o.client.send(
    new UpdateItemCommand({
      TableName: o.tableName,
      Key: keyOf(keys.companyLinkCount()),
      UpdateExpression: 'ADD #n :d',
      ExpressionAttributeNames: { '#n': 'links' },
      ExpressionAttributeValues: { ':d': { N: String(delta) } },
    }),
  );
}

/** How many company/account links the store holds (one read: `crmsync status`, `/api/status`). */
export async function countCompanyLinks(o: CompanyStoreOptions): Promise<number> {
  const res = await o.client.send(
    new GetItemCommand({ TableName: o.tableName, Key: keyOf(keys.companyLinkCount()) }),
  );
  const links = res.Item ? Number(fromItem(res.Item)['links']) : 0;
  return Number.isFinite(links) ? Math.max(0, links) : 0;
}

import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { salesforceObjectSchema } from '../domain/notice.ts';
import { PermanentSyncError, RetryableError } from '../errors.ts';
import type { PairState } from '../ports.ts';
import { batchGetAll } from './dynamo-batch.ts';
import { type DynamoItem, fromItem, keyOf, toItem } from './item-codec.ts';
import { keys } from './store-keys.ts';

const origins = [
  'matched',
  'created-in-salesforce',
  'created-in-hubspot',
  'import',
  'auto-create',
] as const satisfies readonly PairState['origin'][];

const pairItemSchema = z.object({
  hubspotId: z.string(),
  salesforceId: z.string(),
  salesforceType: salesforceObjectSchema,
  snapshot: z.string(),
  version: z.number().int(),
  lastSyncedAt: z.number(),
  origin: z.enum(origins),
  emailOnly: z.boolean().optional(),
});
const snapshotSchema = z.record(z.string(), z.string().nullable());
const linkItemSchema = z.object({ hubspotId: z.string() });
/**
 * Links and snapshots (docs/store.md#consistency-without-transactions): the pair item under the
 * HubSpot id, written with a condition on its version, and the Salesforce-id lookup, claimed before
 * and released after, verified by every reader.
 */
export class PairStore {
  readonly #o: { client: DynamoDBClient; tableName: string };

  constructor(opts: { client: DynamoDBClient; tableName: string }) {
    this.#o = opts;
  }

  /** BatchGetItem of the pair items (100 per call, unprocessed keys retried). */
  async getPairsByHubSpotIds(ids: string[]): Promise<Map<string, PairState>> {
    const items = await batchGetAll(
      this.#o.client,
      this.#o.tableName,
      ids.map((id) => keyOf(keys.pair(id))),
    );
    const out = new Map<string, PairState>();
    for (const item of items) {
      const pair = toPair(item);
      out.set(pair.hubspotId, pair);
    }
    return out;
  }

  /**
   * Reads the Salesforce-id lookups, then the pairs they point to, and keeps only pairs that still
   * name that Salesforce id: a lookup left behind by a crash or a lost race is ignored.
   */
  async getPairsBySalesforceIds(ids: string[]): Promise<Map<string, PairState>> {
    const links = await batchGetAll(
      this.#o.client,
      this.#o.tableName,
      ids.map((id) => keyOf(keys.salesforceLink(id))),
    );
    const hubspotIdBySalesforceId = new Map<string, string>();
    for (const item of links) {
      const plain = fromItem(item);
      const pk = String(plain['pk']);
      hubspotIdBySalesforceId.set(pk.slice('SF#'.length), linkItemSchema.parse(plain).hubspotId);
    }
    const pairs = await this.getPairsByHubSpotIds([...new Set(hubspotIdBySalesforceId.values())]);
    const out = new Map<string, PairState>();
    for (const [salesforceId, hubspotId] of hubspotIdBySalesforceId) {
      const pair = pairs.get(hubspotId);
      if (pair && pair.salesforceId === salesforceId) out.set(salesforceId, pair);
    }
    return out;
  }

  /**
   * Writes the pair when the stored version is `expectedVersion` (0: absent) and returns it with
   * version `expectedVersion + 1`.
   *
   * The common case, an update that keeps the link, is one conditional put (`version` and
   * `salesforceId` unchanged): the lookup already points here. Otherwise, in this order, so that no
   * crash leaves a pair unreachable by its Salesforce id:
   * 1. claim the Salesforce-id lookup (refused when it belongs to another live pair: links are
   *    one-to-one);
   * 2. conditional put of the pair: the only step that decides a race;
   * 3. when the pair moved to a new Salesforce id (lead conversion, merge), release the old lookup.
   * A crash after 1 or 2 leaves a stale lookup, which readers verify against the pair and ignore.
   */
  async putPair(pair: PairState, expectedVersion: number): Promise<PairState> {
    const stored: PairState = { ...pair, version: expectedVersion + 1 };
    const conflict = (cause?: unknown) =>
      new RetryableError(
        `pair hubspot:${pair.hubspotId} changed concurrently (expected version ${expectedVersion})`,
        'conflict',
        { cause },
      );
    if (expectedVersion > 0) {
      try {
        await this.#o.client.send(
          new PutItemCommand({
            TableName: this.#o.tableName,
            Item: pairItem(stored),
            ConditionExpression: 'version = :v AND salesforceId = :sf',
            ExpressionAttributeValues: {
              ':v': { N: String(expectedVersion) },
              ':sf': { S: pair.salesforceId },
            },
          }),
        );
        return stored;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      // Either the version moved (a lost race) or the link moves: only the latter goes on.
      const current = (await this.getPairsByHubSpotIds([pair.hubspotId])).get(pair.hubspotId);
      if (current?.version !== expectedVersion) throw conflict();
    }
    await this.#claimSalesforceLink(pair.salesforceId, pair.hubspotId, stored.version);
    let old: DynamoItem | undefined;
    try {
      const res = await this.#o.client.send(
        new PutItemCommand({
          TableName: this.#o.tableName,
          Item: pairItem(stored),
          ...versionCondition(expectedVersion),
          ReturnValues: 'ALL_OLD',
        }),
      );
      old = res.Attributes;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw conflict(err);
      throw err;
    }
    const oldSalesforceId = old ? fromItem(old)['salesforceId'] : undefined;
    if (typeof oldSalesforceId === 'string' && oldSalesforceId !== pair.salesforceId) {
      await this.#releaseSalesforceLink(oldSalesforceId, pair.hubspotId, stored.version);
    }
    return stored;
  }

  /** Deletes the pair if its version is `expectedVersion`, then its lookup (if it still points here). */
  async deletePair(hubspotId: string, expectedVersion: number): Promise<void> {
    let old: DynamoItem | undefined;
    try {
      const res = await this.#o.client.send(
        new DeleteItemCommand({
          TableName: this.#o.tableName,
          Key: keyOf(keys.pair(hubspotId)),
          ...versionCondition(expectedVersion),
          ReturnValues: 'ALL_OLD',
        }),
      );
      old = res.Attributes;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new RetryableError(
          `pair hubspot:${hubspotId} changed concurrently (expected version ${expectedVersion})`,
          'conflict',
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const salesforceId = old ? fromItem(old)['salesforceId'] : undefined;
    if (typeof salesforceId === 'string') {
      await this.#releaseSalesforceLink(salesforceId, hubspotId, expectedVersion + 1);
    }
  }

  /**
   * Points the lookup at `hubspotId`, stamped with the pair version about to be written, so that a
   * late release by an older writer (which moved the pair away from this id before a newer writer
   * moved it back) cannot remove it.
   */
  async #claimSalesforceLink(salesforceId: string, hubspotId: string, pairVersion: number): Promise<void> {
    const key = keys.salesforceLink(salesforceId);
    const put = (condition: string, values: DynamoItem | undefined) =>
      this.#o.client.send(
        new PutItemCommand({
          TableName: this.#o.tableName,
          Item: { ...keyOf(key), ...toItem({ hubspotId, pairVersion }) },
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    try {
      await put('attribute_not_exists(pk) OR hubspotId = :hs', { ':hs': { S: hubspotId } });
      return;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    // The lookup names another HubSpot id: take it over only if that pair no longer links here.
    const current = await this.#o.client.send(
      new GetItemCommand({ TableName: this.#o.tableName, Key: keyOf(key), ConsistentRead: true }),
    );
    const holder = current.Item ? linkItemSchema.parse(fromItem(current.Item)).hubspotId : undefined;
    if (holder !== undefined) {
      const holderPair = (await this.getPairsByHubSpotIds([holder])).get(holder);
      if (holderPair?.salesforceId === salesforceId) {
        throw new PermanentSyncError(
          `salesforce:${salesforceId} is already linked to hubspot:${holder}; cannot also link it to hubspot:${hubspotId}`,
          'duplicate',
        );
      }
    }
    try {
      await put(
        holder === undefined ? 'attribute_not_exists(pk)' : 'hubspotId = :old',
        holder === undefined ? undefined : { ':old': { S: holder } },
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new RetryableError(`link of salesforce:${salesforceId} changed concurrently`, 'conflict', {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Removes the lookup if it is still ours and was not claimed by a newer write of the pair. */
  async #releaseSalesforceLink(
    salesforceId: string,
    hubspotId: string,
    releasingVersion: number,
  ): Promise<void> {
    try {
      await this.#o.client.send(
        new DeleteItemCommand({
          TableName: this.#o.tableName,
          Key: keyOf(keys.salesforceLink(salesforceId)),
          ConditionExpression: 'hubspotId = :hs AND (attribute_not_exists(pairVersion) OR pairVersion < :v)',
          ExpressionAttributeValues: { ':hs': { S: hubspotId }, ':v': { N: String(releasingVersion) } },
        }),
      );
    } catch (err) {
      // Re-pointed to another pair, re-claimed by a newer write, or gone: nothing of ours to remove.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}

function pairItem(pair: PairState): DynamoItem {
  return {
    ...keyOf(keys.pair(pair.hubspotId)),
    ...toItem({
      hubspotId: pair.hubspotId,
      salesforceId: pair.salesforceId,
      salesforceType: pair.salesforceType,
      snapshot: JSON.stringify(pair.snapshot),
      version: pair.version,
      lastSyncedAt: pair.lastSyncedAt,
      origin: pair.origin,
      emailOnly: pair.emailOnly,
    }),
  };
}

function toPair(item: DynamoItem): PairState {
  const p = pairItemSchema.parse(fromItem(item));
  const pair: PairState = {
    hubspotId: p.hubspotId,
    salesforceId: p.salesforceId,
    salesforceType: p.salesforceType,
    snapshot: snapshotSchema.parse(JSON.parse(p.snapshot)),
    version: p.version,
    lastSyncedAt: p.lastSyncedAt,
    origin: p.origin,
  };
  if (p.emailOnly !== undefined) pair.emailOnly = p.emailOnly;
  return pair;
}

/** 0 means "must not exist yet"; otherwise the stored version must match. */
function versionCondition(expectedVersion: number) {
  return expectedVersion === 0
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } },
      };
}

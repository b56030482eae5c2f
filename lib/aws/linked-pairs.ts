import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PermanentSyncError, RetryableError } from '../errors.ts';
import { batchGetAll } from './dynamo-batch.ts';
import { type DynamoItem, fromItem, type ItemKey, keyOf, toItem } from './item-codec.ts';

/**
 * One-to-one links between a HubSpot record and a Salesforce record, each with its three-way-merge
 * snapshot and version (docs/store.md#consistency-without-transactions): a pair item keyed by the
 * HubSpot id and a lookup item keyed by the Salesforce id. Contacts ⇄ Leads/Contacts and companies ⇄
 * Accounts are both stored this way; a {@link PairCodec} says which keys and attributes a kind uses.
 *
 * No transactions (dynalite has none): the lookup is claimed before the pair is written and released
 * after it moved away, and readers verify a lookup against its pair, so a crash between two writes
 * leaves a stale lookup that is ignored, never an unreachable pair.
 */
export interface PairCodec<P extends { version: number }> {
  /** `hubspot:`-style labels for messages, e.g. `hubspot` / `salesforce`, `company` / `account`. */
  labels: { hubspot: string; salesforce: string };
  pairKey(hubspotId: string): ItemKey;
  lookupKey(salesforceId: string): ItemKey;
  /** The `pk` prefix of lookup items, to read the Salesforce id back from a key. */
  lookupPrefix: string;
  /** Attribute names: the HubSpot id (in the pair and the lookup) and the Salesforce id (in the pair). */
  hubspotAttribute: string;
  salesforceAttribute: string;
  hubspotIdOf(pair: P): string;
  salesforceIdOf(pair: P): string;
  /** The pair's attributes (without its key). */
  encode(pair: P): DynamoItem;
  decode(item: DynamoItem): P;
}

export class LinkedPairs<P extends { version: number }> {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #codec: PairCodec<P>;

  constructor(client: DynamoDBClient, table: string, codec: PairCodec<P>) {
    this.#client = client;
    this.#table = table;
    this.#codec = codec;
  }

  /** BatchGetItem of the pair items (100 per call, unprocessed keys retried). */
  async byHubSpotIds(ids: string[]): Promise<Map<string, P>> {
    const items = await batchGetAll(
      this.#client,
      this.#table,
      ids.map((id) => keyOf(this.#codec.pairKey(id))),
    );
    const out = new Map<string, P>();
    for (const item of items) {
      const pair = this.#codec.decode(item);
      out.set(this.#codec.hubspotIdOf(pair), pair);
    }
    return out;
  }

  /**
   * Reads the lookups, then the pairs they point to, and keeps only pairs that still name that
   * Salesforce id: a lookup left behind by a crash or a lost race is ignored.
   */
  async bySalesforceIds(ids: string[]): Promise<Map<string, P>> {
    const c = this.#codec;
    const links = await batchGetAll(
      this.#client,
      this.#table,
      ids.map((id) => keyOf(c.lookupKey(id))),
    );
    const hubspotIdBySalesforceId = new Map<string, string>();
    for (const item of links) {
      const plain = fromItem(item);
      hubspotIdBySalesforceId.set(
        String(plain['pk']).slice(c.lookupPrefix.length),
        String(plain[c.hubspotAttribute]),
      );
    }
    const pairs = await this.byHubSpotIds([...new Set(hubspotIdBySalesforceId.values())]);
    const out = new Map<string, P>();
    for (const [salesforceId, hubspotId] of hubspotIdBySalesforceId) {
      const pair = pairs.get(hubspotId);
      if (pair && c.salesforceIdOf(pair) === salesforceId) out.set(salesforceId, pair);
    }
    return out;
  }

  /**
   * Writes the pair when the stored version is `expectedVersion` (0: absent) and returns it with
   * version `expectedVersion + 1`. An update that keeps the link is one conditional put; otherwise,
   * in this order: claim the lookup (refused when another live pair holds it: links are
   * one-to-one), put the pair (the only step that decides a race), release the old lookup.
   */
  async put(pair: P, expectedVersion: number): Promise<P> {
    const c = this.#codec;
    const stored: P = { ...pair, version: expectedVersion + 1 };
    const hubspotId = c.hubspotIdOf(pair);
    const salesforceId = c.salesforceIdOf(pair);
    const conflict = (cause?: unknown) =>
      new RetryableError(
        `pair ${c.labels.hubspot}:${hubspotId} changed concurrently (expected version ${expectedVersion})`,
        'conflict',
        { cause },
      );
    if (expectedVersion > 0) {
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: this.#item(stored),
            ConditionExpression: 'version = :v AND #sf = :sf',
            ExpressionAttributeNames: { '#sf': c.salesforceAttribute },
            ExpressionAttributeValues: { ':v': { N: String(expectedVersion) }, ':sf': { S: salesforceId } },
          }),
        );
        return stored;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      // Either the version moved (a lost race) or the link moves: only the latter goes on.
      const current = (await this.byHubSpotIds([hubspotId])).get(hubspotId);
      if (current?.version !== expectedVersion) throw conflict();
    }
    await this.#claim(salesforceId, hubspotId, stored.version);
    let old: DynamoItem | undefined;
    try {
      const res = await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: this.#item(stored),
          ...versionCondition(expectedVersion),
          ReturnValues: 'ALL_OLD',
        }),
      );
      old = res.Attributes;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw conflict(err);
      throw err;
    }
    const oldSalesforceId = old ? fromItem(old)[c.salesforceAttribute] : undefined;
    if (typeof oldSalesforceId === 'string' && oldSalesforceId !== salesforceId) {
      await this.#release(oldSalesforceId, hubspotId, stored.version);
    }
    return stored;
  }

  /** Deletes the pair if its version is `expectedVersion`, then its lookup (if it still points here). */
  async delete(hubspotId: string, expectedVersion: number): Promise<void> {
    const c = this.#codec;
    let old: DynamoItem | undefined;
    try {
      const res = await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: keyOf(c.pairKey(hubspotId)),
          ...versionCondition(expectedVersion),
          ReturnValues: 'ALL_OLD',
        }),
      );
      old = res.Attributes;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new RetryableError(
          `pair ${c.labels.hubspot}:${hubspotId} changed concurrently (expected version ${expectedVersion})`,
          'conflict',
          { cause: err },
        );
      }
      throw err;
    }
    const salesforceId = old ? fromItem(old)[c.salesforceAttribute] : undefined;
    if (typeof salesforceId === 'string') await this.#release(salesforceId, hubspotId, expectedVersion + 1);
  }

  #item(pair: P): DynamoItem {
    return { ...keyOf(this.#codec.pairKey(this.#codec.hubspotIdOf(pair))), ...this.#codec.encode(pair) };
  }

  /**
   * Points the lookup at `hubspotId`, stamped with the pair version about to be written, so that a
   * late release by an older writer (which moved the pair away from this id before a newer writer
   * moved it back) cannot remove it.
   */
  async #claim(salesforceId: string, hubspotId: string, pairVersion: number): Promise<void> {
    const c = this.#codec;
    const key = c.lookupKey(salesforceId);
    const names = { '#hs': c.hubspotAttribute };
    const put = (condition: string, values: DynamoItem | undefined) =>
      this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { ...keyOf(key), ...toItem({ [c.hubspotAttribute]: hubspotId, pairVersion }) },
          ConditionExpression: condition,
          ...(condition.includes('#hs') ? { ExpressionAttributeNames: names } : {}),
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    try {
      await put('attribute_not_exists(pk) OR #hs = :hs', { ':hs': { S: hubspotId } });
      return;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    // The lookup names another HubSpot id: take it over only if that pair no longer links here.
    const current = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: keyOf(key), ConsistentRead: true }),
    );
    const held = current.Item ? fromItem(current.Item)[c.hubspotAttribute] : undefined;
    const holder = typeof held === 'string' ? held : undefined;
    if (holder !== undefined) {
      const holderPair = (await this.byHubSpotIds([holder])).get(holder);
      if (holderPair && c.salesforceIdOf(holderPair) === salesforceId) {
        throw new PermanentSyncError(
          `${c.labels.salesforce}:${salesforceId} is already linked to ${c.labels.hubspot}:${holder}; cannot also link it to ${c.labels.hubspot}:${hubspotId}`,
          'duplicate',
        );
      }
    }
    try {
      await put(
        holder === undefined ? 'attribute_not_exists(pk)' : '#hs = :old',
        holder === undefined ? undefined : { ':old': { S: holder } },
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new RetryableError(
          `link of ${c.labels.salesforce}:${salesforceId} changed concurrently`,
          'conflict',
          { cause: err },
        );
      }
      throw err;
    }
  }

  /** Removes the lookup if it is still ours and was not claimed by a newer write of the pair. */
  async #release(salesforceId: string, hubspotId: string, releasingVersion: number): Promise<void> {
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: keyOf(this.#codec.lookupKey(salesforceId)),
          ConditionExpression: '#hs = :hs AND (attribute_not_exists(pairVersion) OR pairVersion < :v)',
          ExpressionAttributeNames: { '#hs': this.#codec.hubspotAttribute },
          ExpressionAttributeValues: { ':hs': { S: hubspotId }, ':v': { N: String(releasingVersion) } },
        }),
      );
    } catch (err) {
      // Re-pointed to another pair, re-claimed by a newer write, or gone: nothing of ours to remove.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}

/** 0 means "must not exist yet"; otherwise the stored version must match. */
export function versionCondition(expectedVersion: number) {
  return expectedVersion === 0
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } },
      };
}

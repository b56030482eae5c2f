import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { MembershipChange, MembershipState } from '../ports.ts';
import { z } from 'zod';
import { batchGetAll, batchWriteAll } from './dynamo-batch.ts';
import { queryAll } from './decision-log.ts';
import { type DynamoItem, fromItem, keyOf, toItem } from './item-codec.ts';
import { epochSeconds, keys } from './store-keys.ts';

/**
 * Segment membership in the store (layout: docs/store.md#items): one item per current member, a
 * join/leave history, and one state item per list holding the member count (so `status()` never
 * reads the membership) and the join-order cursor of the incremental refresh.
 *
 * Nothing here holds a whole list in memory: a full reconciliation marks every member HubSpot
 * reports with the run's id, page by page, then sweeps the stored members page by page and removes
 * those the run did not mark.
 */
export interface MembershipStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** How long the join/leave history is kept (TTL clean-up). */
  historyRetentionSeconds: number;
}

/** Members are read and swept in pages of this many items (one Query each). */
const PAGE = 500;

const membershipLogSchema = z.object({
  hubspotId: z.string(),
  change: z.enum(['joined', 'left']),
  at: z.number(),
});

export class MembershipStore {
  readonly #o: MembershipStoreOptions;

  constructor(opts: MembershipStoreOptions) {
    this.#o = opts;
  }

  /** Current members among `hubspotIds` (BatchGetItem, 100 keys per call). */
  async getMembers(listId: string, hubspotIds: string[]): Promise<Set<string>> {
    const items = await batchGetAll(
      this.#o.client,
      this.#o.tableName,
      hubspotIds.map((id) => keyOf(keys.member(listId, id))),
      { projection: ['hubspotId'] },
    );
    return new Set(items.map((item) => String(fromItem(item)['hubspotId'])));
  }

  /** One page of stored members (in key order) and the position to continue from. */
  async memberPage(
    listId: string,
    after?: string,
    limit = PAGE,
  ): Promise<{ members: { hubspotId: string; run?: string }[]; after?: string }> {
    const res = await this.#o.client.send(
      new QueryCommand({
        TableName: this.#o.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':pk': { S: keys.memberPartition(listId) }, ':m': { S: 'M#' } },
        ProjectionExpression: 'hubspotId, #r',
        ExpressionAttributeNames: { '#r': 'run' },
        Limit: limit,
        ConsistentRead: true,
        ...(after ? { ExclusiveStartKey: keyOf(keys.member(listId, after)) } : {}),
      }),
    );
    const members = (res.Items ?? []).map((item) => {
      const plain = fromItem(item);
      const run = plain['run'];
      return { hubspotId: String(plain['hubspotId']), ...(typeof run === 'string' ? { run } : {}) };
    });
    const last = members[members.length - 1];
    return { members, ...(res.LastEvaluatedKey && last ? { after: last.hubspotId } : {}) };
  }

  /** Every stored member, page by page: for small lists and tests; streaming callers use `memberPage`. */
  async listMembers(listId: string): Promise<string[]> {
    const out: string[] = [];
    let after: string | undefined;
    do {
      const page = await this.memberPage(listId, after);
      for (const m of page.members) out.push(m.hubspotId);
      after = page.after;
    } while (after);
    return out;
  }

  async getState(listId: string): Promise<MembershipState | undefined> {
    const res = await this.#o.client.send(
      new GetItemCommand({
        TableName: this.#o.tableName,
        Key: keyOf(keys.membershipState(listId)),
        ConsistentRead: true,
      }),
    );
    if (!res.Item) return undefined;
    const p = fromItem(res.Item);
    const state: MembershipState = { count: Math.max(0, Number(p['count'] ?? 0)) };
    if (typeof p['joinCursor'] === 'string') state.joinCursor = p['joinCursor'];
    if (typeof p['reconciledAt'] === 'number') state.reconciledAt = p['reconciledAt'];
    if (typeof p['filterProperties'] === 'string')
      state.filterProperties = z.array(z.string()).parse(JSON.parse(p['filterProperties']));
    return state;
  }

  /** Sets the state's fields given (count exactly, cursor, reconciliation time); `null` removes the cursor. */
  async setState(
    listId: string,
    patch: { count?: number; joinCursor?: string | null; reconciledAt?: number; filterProperties?: string[] },
  ): Promise<void> {
    const sets: string[] = [];
    const removes: string[] = [];
    const values: DynamoItem = {};
    if (patch.count !== undefined) {
      sets.push('#c = :c');
      values[':c'] = { N: String(patch.count) };
    }
    if (patch.joinCursor === null) removes.push('joinCursor');
    else if (patch.joinCursor !== undefined) {
      sets.push('joinCursor = :j');
      values[':j'] = { S: patch.joinCursor };
    }
    if (patch.reconciledAt !== undefined) {
      sets.push('reconciledAt = :r');
      values[':r'] = { N: String(patch.reconciledAt) };
    }
    if (patch.filterProperties !== undefined) {
      sets.push('filterProperties = :f');
      values[':f'] = { S: JSON.stringify(patch.filterProperties) };
    }
    if (sets.length + removes.length === 0) return;
    await this.#o.client.send(
      new UpdateItemCommand({
        TableName: this.#o.tableName,
        Key: keyOf(keys.membershipState(listId)),
        UpdateExpression: [
          sets.length ? `SET ${sets.join(', ')}` : '',
          removes.length ? `REMOVE ${removes.join(', ')}` : '',
        ].join(' '),
        ...(patch.count !== undefined ? { ExpressionAttributeNames: { '#c': 'count' } } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }

  /**
   * Applies joins and leaves found by an incremental refresh or by the processor: history first
   * (when `record`), then the member items, then the count (ADD). A crash in between makes the next
   * look report the same transitions again, never lose one; the count is made exact again by the
   * next full reconciliation.
   */
  async applyChanges(listId: string, changes: MembershipChange[], record: boolean): Promise<void> {
    if (changes.length === 0) return;
    if (record) await this.recordHistory(listId, changes);
    await batchWriteAll(
      this.#o.client,
      this.#o.tableName,
      changes.map((c) =>
        c.change === 'joined'
          ? this.#memberPut(listId, c.hubspotId, c.at)
          : this.#memberDelete(listId, c.hubspotId),
      ),
    );
    const delta = changes.reduce((n, c) => n + (c.change === 'joined' ? 1 : -1), 0);
    if (delta !== 0) await this.#addCount(listId, delta);
  }

  /** Writes join/leave history items (BatchWriteItem, 25 per call). */
  async recordHistory(listId: string, changes: MembershipChange[]): Promise<void> {
    const expiresAt = (at: number) => epochSeconds(at) + this.#o.historyRetentionSeconds;
    await batchWriteAll(
      this.#o.client,
      this.#o.tableName,
      changes.map((c) => ({
        PutRequest: {
          Item: {
            ...keyOf(keys.membershipChange(listId, c.at, c.hubspotId)),
            ...toItem({ hubspotId: c.hubspotId, change: c.change, at: c.at, expiresAt: expiresAt(c.at) }),
          },
        },
      })),
    );
  }

  /** A list's recorded joins and leaves, newest first (the history `recordHistory` writes). */
  async listChanges(listId: string, limit: number): Promise<MembershipChange[]> {
    const items = await queryAll(this.#o, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: keys.membershipLogPartition(listId) } },
      ScanIndexForward: false,
      limit,
    });
    return items.map((item) => membershipLogSchema.parse(fromItem(item)));
  }

  /**
   * One page of a full reconciliation: every id HubSpot reported is stored as a member marked with
   * `run`. Returns the ids that were not members (joins); the caller records and announces them
   * *before* calling `markSeen` with them, so a crash never loses a join.
   */
  async newcomers(listId: string, ids: string[]): Promise<string[]> {
    const known = await this.getMembers(listId, ids);
    return ids.filter((id) => !known.has(id));
  }

  /** Stores `ids` as members seen by reconciliation `run` (members already stored keep their place). */
  async markSeen(listId: string, ids: string[], run: string, at: number): Promise<void> {
    await batchWriteAll(
      this.#o.client,
      this.#o.tableName,
      ids.map((id) => this.#memberPut(listId, id, at, run)),
    );
  }

  /**
   * The end of a full reconciliation: pages through the stored members and returns, page by page,
   * those `run` did not see (leaves), after `onLeaves` has handled them; then deletes them and sets
   * the count exactly.
   */
  async sweep(
    listId: string,
    run: string,
    at: number,
    onLeaves: (changes: MembershipChange[]) => Promise<void>,
  ): Promise<{ members: number; left: number }> {
    let members = 0;
    let left = 0;
    let after: string | undefined;
    do {
      const page = await this.memberPage(listId, after);
      const gone = page.members.filter((m) => m.run !== run).map((m) => m.hubspotId);
      members += page.members.length - gone.length;
      if (gone.length > 0) {
        const changes = gone.map((hubspotId) => ({ hubspotId, change: 'left' as const, at }));
        await onLeaves(changes);
        await batchWriteAll(
          this.#o.client,
          this.#o.tableName,
          gone.map((id) => this.#memberDelete(listId, id)),
        );
        left += gone.length;
      }
      after = page.after;
    } while (after);
    await this.setState(listId, { count: members, reconciledAt: at });
    return { members, left };
  }

  async #addCount(listId: string, delta: number): Promise<void> {
    await this.#o.client.send(
      new UpdateItemCommand({
        TableName: this.#o.tableName,
        Key: keyOf(keys.membershipState(listId)),
        UpdateExpression: 'ADD #c :d',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':d': { N: String(delta) } },
      }),
    );
  }

  #memberPut(listId: string, hubspotId: string, since: number, run?: string): WriteRequest {
    return {
      PutRequest: {
        Item: { ...keyOf(keys.member(listId, hubspotId)), ...toItem({ hubspotId, since, run }) },
      },
    };
  }

  #memberDelete(listId: string, hubspotId: string): WriteRequest {
    return { DeleteRequest: { Key: keyOf(keys.member(listId, hubspotId)) } };
  }

  /**
   * Replaces the stored membership with `memberIds` in one go (small lists, tests): history before
   * member items, so a crash reports the same transitions again; `beforeApply` (e.g. queueing the
   * join notices) runs in between and, when it throws, nothing is stored. Sets the count exactly.
   */
  async replace(
    listId: string,
    memberIds: string[],
    options: { at: number; record?: boolean; beforeApply?: (changes: MembershipChange[]) => Promise<void> },
  ): Promise<MembershipChange[]> {
    const record = options.record ?? true;
    const stored = new Set(await this.listMembers(listId));
    const wanted = new Set(memberIds);
    const changes: MembershipChange[] = [
      ...[...wanted]
        .filter((id) => !stored.has(id))
        .map((hubspotId) => ({ hubspotId, change: 'joined' as const, at: options.at })),
      ...[...stored]
        .filter((id) => !wanted.has(id))
        .map((hubspotId) => ({ hubspotId, change: 'left' as const, at: options.at })),
    ];
    if (changes.length === 0) return [];
    if (record) await this.recordHistory(listId, changes);
    // e.g. queue the join notices: if that fails, nothing below is stored and the next refresh retries.
    if (record && options.beforeApply) await options.beforeApply(changes);
    await this.applyChanges(listId, changes, false);
    await this.setState(listId, { count: wanted.size });
    return record ? changes : [];
  }
}

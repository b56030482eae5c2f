import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { CheckpointLeaseError } from '../errors.ts';
import type { CheckpointLease } from '../ports.ts';
import { keyOf, toItem } from './item-codec.ts';
import { keys } from './store-keys.ts';

/**
 * Named positions in the store: cursors (a poller's last `hs_lastmodifieddate`, moved forward only)
 * and checkpoints of long jobs (a resync run's page position and counts, removed when done).
 */
export interface PositionsOptions {
  client: DynamoDBClient;
  tableName: string;
}

/** A long job's checkpoint (JSON), or undefined when none is stored. */
export async function getCheckpoint(
  o: PositionsOptions,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  const res = await o.client.send(
    new GetItemCommand({ TableName: o.tableName, Key: keyOf(keys.checkpoint(name)), ConsistentRead: true }),
  );
  const value = res.Item?.['value']?.S;
  return value === undefined ? undefined : z.record(z.string(), z.unknown()).parse(JSON.parse(value));
}

/**
 * Stores a job's checkpoint; `null` removes it (the job is done). With a `lease`, the write is
 * conditional: it goes through when no lease is stored, the stored one is this holder's, or it has
 * lapsed (`leaseUntil <= now`) — else {@link CheckpointLeaseError}. One conditional write, so of two
 * invocations taking over a lapsed run only one wins (docs/design.md#resync-lease).
 */
export async function putCheckpoint(
  o: PositionsOptions,
  name: string,
  value: Record<string, unknown> | null,
  lease?: CheckpointLease,
): Promise<void> {
  const key = keyOf(keys.checkpoint(name));
  const condition = lease
    ? {
        ConditionExpression:
          'attribute_not_exists(pk) OR attribute_not_exists(leaseUntil) OR leaseHolder = :h OR leaseUntil <= :now',
        ExpressionAttributeValues: { ':h': { S: lease.holder }, ':now': { N: String(lease.now) } },
      }
    : {};
  try {
    if (value === null) {
      await o.client.send(new DeleteItemCommand({ TableName: o.tableName, Key: key, ...condition }));
      return;
    }
    // A released lease is stored as none, so the next holder need not trust this writer's clock.
    const leased =
      lease && lease.until > lease.now ? { leaseHolder: lease.holder, leaseUntil: lease.until } : {};
    await o.client.send(
      new PutItemCommand({
        TableName: o.tableName,
        Item: { ...key, ...toItem({ value: JSON.stringify(value), ...leased }) },
        ...condition,
      }),
    );
  } catch (error) {
    if (lease && error instanceof ConditionalCheckFailedException) throw new CheckpointLeaseError(name);
    throw error;
  }
}

/** A named cursor; undefined when never set. */
export async function getCursor(o: PositionsOptions, name: string): Promise<number | undefined> {
  const res = await o.client.send(
    new GetItemCommand({ TableName: o.tableName, Key: keyOf(keys.cursor(name)), ConsistentRead: true }),
  );
  const value = res.Item?.['value']?.N;
  return value === undefined ? undefined : Number(value);
}

/** Conditional on the stored value being smaller, so two pollers racing never move it back. */
export async function advanceCursor(o: PositionsOptions, name: string, value: number): Promise<void> {
  try {
    await o.client.send(
      new UpdateItemCommand({
        TableName: o.tableName,
        Key: keyOf(keys.cursor(name)),
        UpdateExpression: 'SET #v = :v',
        ConditionExpression: 'attribute_not_exists(#v) OR #v < :v',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':v': { N: String(value) } },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
}

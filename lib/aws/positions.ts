import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
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

/** Stores a job's checkpoint; `null` removes it (the job is done). */
export async function putCheckpoint(
  o: PositionsOptions,
  name: string,
  value: Record<string, unknown> | null,
): Promise<void> {
  if (value === null) {
    await o.client.send(new DeleteItemCommand({ TableName: o.tableName, Key: keyOf(keys.checkpoint(name)) }));
    return;
  }
  await o.client.send(
    new PutItemCommand({
      TableName: o.tableName,
      Item: { ...keyOf(keys.checkpoint(name)), ...toItem({ value: JSON.stringify(value) }) },
    }),
  );
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

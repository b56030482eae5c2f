import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { batchGetAll, batchWriteAll } from './dynamo-batch.ts';
import { keyOf, toItem } from './item-codec.ts';
import { epochSeconds, keys } from './store-keys.ts';

/**
 * Processed-event marks (idempotency, docs/store.md#items): an event id seen once is not processed
 * again while its mark lives (`expiresAt`; an expired mark that TTL has not removed yet counts as
 * absent, since DynamoDB deletes expired items up to days late and dynalite never does).
 */
export interface EventMarksOptions {
  client: DynamoDBClient;
  tableName: string;
  retentionSeconds: number;
}

/** Conditional put: true when the event was new, false when it was already marked (a duplicate). */
export async function markEventProcessed(
  o: EventMarksOptions,
  eventId: string,
  at: number,
): Promise<boolean> {
  try {
    await o.client.send(
      new PutItemCommand({
        TableName: o.tableName,
        Item: markItem(o, eventId, at),
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': { N: String(epochSeconds(at)) } },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/**
 * Marks many events with BatchWriteItem (25 per call, unprocessed items retried). No condition: the
 * processor marks events only after their outcome is recorded, and a second mark of the same id
 * changes nothing a reader looks at — so one call per 25 marks instead of one per mark.
 */
export async function markEventsProcessed(
  o: EventMarksOptions,
  eventIds: string[],
  at: number,
): Promise<void> {
  await batchWriteAll(
    o.client,
    o.tableName,
    eventIds.map((id) => ({ PutRequest: { Item: markItem(o, id, at) } })),
  );
}

/** Of `eventIds`, those marked and not expired at `at` (BatchGetItem, 100 keys per call). */
export async function filterProcessedEvents(
  o: EventMarksOptions,
  eventIds: string[],
  at: number,
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const items = await batchGetAll(
    o.client,
    o.tableName,
    eventIds.map((id) => keyOf(keys.processedEvent(id))),
    { projection: ['pk', 'expiresAt'] },
  );
  const now = epochSeconds(at);
  const prefix = keys.processedEvent('').pk;
  const seen = new Set<string>();
  for (const item of items) {
    const expiresAt = Number(item['expiresAt']?.N ?? 0);
    if (expiresAt >= now) seen.add(String(item['pk']?.S ?? '').slice(prefix.length));
  }
  return seen;
}

function markItem(o: EventMarksOptions, eventId: string, at: number) {
  return {
    ...keyOf(keys.processedEvent(eventId)),
    ...toItem({ at, expiresAt: epochSeconds(at) + o.retentionSeconds }),
  };
}

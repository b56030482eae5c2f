import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { RetryableError } from '../errors.ts';
import { type DynamoItem, keyId } from './item-codec.ts';

/**
 * BatchGetItem and BatchWriteItem with their limits and partial results handled.
 * - BatchGetItem takes at most 100 keys (and returns at most 16 MB); keys beyond what it could read
 *   come back as UnprocessedKeys, which must be retried with backoff.
 * - BatchWriteItem takes at most 25 requests; throttled ones come back as UnprocessedItems.
 * - Both reject a request naming the same key twice, so keys are de-duplicated first.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
 */
export const BATCH_GET_MAX = 100;
export const BATCH_WRITE_MAX = 25;
/** Attempts per chunk before giving up with a RetryableError (the caller's message is redelivered). */
const MAX_ATTEMPTS = 8;

export interface BatchOptions {
  /** Waits between retries of unprocessed keys/items; exponential with full jitter by default. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const backoffMs = (attempt: number) => Math.random() * Math.min(1000, 25 * 2 ** attempt);

/** Reads items by key (strongly consistent), 100 per call; missing items are absent from the result. */
export async function batchGetAll(
  client: DynamoDBClient,
  tableName: string,
  keys: DynamoItem[],
  options: BatchOptions & { projection?: string[] } = {},
): Promise<DynamoItem[]> {
  const unique = [...new Map(keys.map((k) => [keyId(k), k])).values()];
  const sleep = options.sleep ?? defaultSleep;
  const out: DynamoItem[] = [];
  for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
    let pending: KeysAndAttributes | undefined = {
      Keys: unique.slice(i, i + BATCH_GET_MAX),
      ConsistentRead: true,
      ...projectionOf(options.projection),
    };
    for (let attempt = 0; pending?.Keys?.length; attempt++) {
      if (attempt >= MAX_ATTEMPTS) {
        throw new RetryableError(
          `DynamoDB left ${pending.Keys.length} keys unread after ${MAX_ATTEMPTS} attempts`,
          // DynamoDB returns unprocessed keys when a request exceeds the table's throughput.
          'rate-limit',
        );
      }
      if (attempt > 0) await sleep(backoffMs(attempt));
      const res: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      out.push(...(res.Responses?.[tableName] ?? []));
      pending = res.UnprocessedKeys?.[tableName];
    }
  }
  return out;
}

/** Applies put/delete requests, 25 per call; a later request for the same key replaces an earlier one. */
export async function batchWriteAll(
  client: DynamoDBClient,
  tableName: string,
  requests: WriteRequest[],
  options: BatchOptions = {},
): Promise<void> {
  const byKey = new Map<string, WriteRequest>();
  for (const r of requests) {
    const item = r.PutRequest?.Item ?? r.DeleteRequest?.Key;
    if (!item) continue;
    byKey.delete(keyId(item)); // keep the order of the latest request
    byKey.set(keyId(item), r);
  }
  const unique = [...byKey.values()];
  const sleep = options.sleep ?? defaultSleep;
  for (let i = 0; i < unique.length; i += BATCH_WRITE_MAX) {
    let pending: WriteRequest[] | undefined = unique.slice(i, i + BATCH_WRITE_MAX);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt >= MAX_ATTEMPTS) {
        throw new RetryableError(
          `DynamoDB left ${pending.length} writes unprocessed after ${MAX_ATTEMPTS} attempts`,
          'rate-limit',
        );
      }
      if (attempt > 0) await sleep(backoffMs(attempt));
      const res: BatchWriteItemCommandOutput = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = res.UnprocessedItems?.[tableName];
    }
  }
}

function projectionOf(names: string[] | undefined): Partial<KeysAndAttributes> {
  if (!names?.length) return {};
  const ExpressionAttributeNames = Object.fromEntries(names.map((n, i) => [`#p${i}`, n]));
  return { ProjectionExpression: Object.keys(ExpressionAttributeNames).join(', '), ExpressionAttributeNames };
}

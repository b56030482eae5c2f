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
/**
 * Chunks of one call in flight at once. A processor batch writes ~40 chunks of decisions and marks;
 * one after another they were a third of its wall time on the local stack (each chunk waits a full
 * round trip while both the caller and the store sit idle). A few at once overlap those waits without
 * a burst that would draw throttling (UnprocessedItems) from one table (docs/store.md#cost-of-one-processor-batch).
 */
export const BATCH_CONCURRENCY = 4;

export interface BatchOptions {
  /** Waits between retries of unprocessed keys/items; exponential with full jitter by default. */
  sleep?: (ms: number) => Promise<void>;
  /** Chunks in flight at once (default {@link BATCH_CONCURRENCY}); 1 sends them one after another. */
  concurrency?: number;
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
  await eachChunk(unique, BATCH_GET_MAX, options.concurrency, async (chunk) => {
    let pending: KeysAndAttributes | undefined = {
      Keys: chunk,
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
  });
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
  await eachChunk(unique, BATCH_WRITE_MAX, options.concurrency, async (chunk) => {
    let pending: WriteRequest[] | undefined = chunk;
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
  });
}

/**
 * Runs `fn` on each chunk of `size` items with at most `concurrency` chunks in flight. The first
 * failure is thrown once the chunks in flight have settled; chunks not yet started are not started.
 * The chunks of one call hold distinct keys (de-duplicated above), so their order does not matter.
 */
async function eachChunk<T>(
  items: T[],
  size: number,
  concurrency: number | undefined,
  fn: (chunk: T[]) => Promise<void>,
): Promise<void> {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < chunks.length) {
      const chunk = chunks[next++] as T[];
      try {
        await fn(chunk);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency ?? BATCH_CONCURRENCY, chunks.length));
  const settled = await Promise.allSettled(Array.from({ length: workers }, worker));
  const rejected = settled.find((r) => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

function projectionOf(names: string[] | undefined): Partial<KeysAndAttributes> {
  if (!names?.length) return {};
  const ExpressionAttributeNames = Object.fromEntries(names.map((n, i) => [`#p${i}`, n]));
  return { ProjectionExpression: Object.keys(ExpressionAttributeNames).join(', '), ExpressionAttributeNames };
}

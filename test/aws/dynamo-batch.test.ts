import {
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_CONCURRENCY, batchGetAll, batchWriteAll } from '../../lib/aws/dynamo-batch.ts';
import { fromItem, keyOf, toItem } from '../../lib/aws/item-codec.ts';
import { RetryableError } from '../../lib/errors.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from '../../lib/local/local-dynamo.ts';

/**
 * DynamoDB answers a throttled or oversized batch with UnprocessedKeys / UnprocessedItems; dynalite
 * never does. These tests put a middleware on a real client that really holds back part of a batch
 * (it sends only the first `pass` keys/requests to dynalite) and reports the rest as unprocessed,
 * exactly as DynamoDB would, so the retry loop runs against the real local table.
 */
const TABLE = 'batch-test';
let dynamo: LocalDynamo;
const noWait = async () => {};

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await ensureTable(dynamo.client, TABLE);
});
afterAll(async () => {
  await dynamo.close();
});

/** A client on the same dynalite whose first `throttledCalls` batch calls process only `pass` entries. */
function throttlingClient(
  pass: number,
  throttledCalls: number,
): { client: DynamoDBClient; calls: () => number } {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName;
      if (name !== 'BatchGetItemCommand' && name !== 'BatchWriteItemCommand') return next(args);
      calls++;
      if (calls > throttledCalls) return next(args);
      if (pass === 0) {
        // Fully throttled: DynamoDB answers 200 with every key/request unprocessed.
        const input = args.input as BatchGetItemCommandInput & BatchWriteItemCommandInput;
        const output =
          name === 'BatchGetItemCommand'
            ? { $metadata: {}, Responses: {}, UnprocessedKeys: input.RequestItems }
            : { $metadata: {}, UnprocessedItems: input.RequestItems };
        return { output, response: {} } as Awaited<ReturnType<typeof next>>;
      }
      if (name === 'BatchGetItemCommand') {
        const input = args.input as BatchGetItemCommandInput;
        const req = input.RequestItems?.[TABLE];
        const keys = req?.Keys ?? [];
        const result = await next({
          ...args,
          input: { RequestItems: { [TABLE]: { ...req, Keys: keys.slice(0, pass) } } },
        });
        const output = result.output as BatchGetItemCommandOutput;
        output.UnprocessedKeys = { [TABLE]: { ...req, Keys: keys.slice(pass) } };
        return result;
      }
      const input = args.input as BatchWriteItemCommandInput;
      const requests = input.RequestItems?.[TABLE] ?? [];
      const result = await next({ ...args, input: { RequestItems: { [TABLE]: requests.slice(0, pass) } } });
      (result.output as BatchWriteItemCommandOutput).UnprocessedItems = { [TABLE]: requests.slice(pass) };
      return result;
    },
    { step: 'initialize', name: 'throttleBatch' },
  );
  return { client, calls: () => calls };
}

const key = (i: number) => keyOf({ pk: `T#${i}`, sk: 'X' });

describe('batchWriteAll / batchGetAll', () => {
  it('retries unprocessed writes and unprocessed keys until everything is done', async () => {
    const writer = throttlingClient(5, 2);
    const puts = Array.from({ length: 20 }, (_, i) => ({
      PutRequest: { Item: { ...key(i), ...toItem({ n: i }) } },
    }));
    await batchWriteAll(writer.client, TABLE, puts, { sleep: noWait });
    expect(writer.calls()).toBe(3); // 5 written, 5 written, then the remaining 10

    const reader = throttlingClient(7, 1);
    const items = await batchGetAll(
      reader.client,
      TABLE,
      Array.from({ length: 20 }, (_, i) => key(i)),
      { sleep: noWait },
    );
    expect(reader.calls()).toBe(2);
    expect(items.map((it) => fromItem(it)['n']).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    writer.client.destroy();
    reader.client.destroy();
  });

  it('splits at 25 writes and 100 keys per call, and de-duplicates keys', async () => {
    const writer = throttlingClient(25, 0);
    const puts = Array.from({ length: 60 }, (_, i) => ({
      PutRequest: { Item: { ...key(100 + (i % 55)), ...toItem({ n: i }) } },
    }));
    await batchWriteAll(writer.client, TABLE, puts);
    expect(writer.calls()).toBe(3); // 55 distinct keys: 25 + 25 + 5
    const reader = throttlingClient(100, 0);
    const keys = Array.from({ length: 210 }, (_, i) => key(100 + (i % 55)));
    const items = await batchGetAll(reader.client, TABLE, keys);
    expect(reader.calls()).toBe(1);
    expect(items).toHaveLength(55);
    // the later put of a duplicated key wins
    expect(items.map((it) => fromItem(it)).find((it) => it['pk'] === 'T#100')?.['n']).toBe(55);
    writer.client.destroy();
    reader.client.destroy();
  });

  it('gives up with a RetryableError when keys stay unprocessed', async () => {
    const stuck = throttlingClient(0, Number.POSITIVE_INFINITY);
    await expect(
      batchGetAll(stuck.client, TABLE, [key(1), key(2)], { sleep: noWait }),
    ).rejects.toBeInstanceOf(RetryableError);
    expect(stuck.calls()).toBe(8);
    await expect(
      batchWriteAll(stuck.client, TABLE, [{ DeleteRequest: { Key: key(1) } }], { sleep: noWait }),
    ).rejects.toThrow(/1 writes unprocessed after 8 attempts/);
    stuck.client.destroy();
  });

  it('sends up to BATCH_CONCURRENCY chunks at once, and one at a time when asked', async () => {
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    let inFlight = 0;
    let most = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );
    const puts = Array.from({ length: 250 }, (_, i) => ({
      PutRequest: { Item: { ...key(1000 + i), ...toItem({ n: i }) } },
    }));
    await batchWriteAll(client, TABLE, puts);
    expect(most).toBe(BATCH_CONCURRENCY); // 10 chunks of 25, 4 in flight
    most = 0;
    const items = await batchGetAll(
      client,
      TABLE,
      Array.from({ length: 250 }, (_, i) => key(1000 + i)),
    );
    expect(items).toHaveLength(250);
    expect(most).toBe(3); // 3 chunks of 100
    most = 0;
    await batchWriteAll(client, TABLE, puts, { concurrency: 1 });
    expect(most).toBe(1);
    client.destroy();
  });

  it('a failing chunk fails the call, and no chunk starts after it', async () => {
    const stuck = throttlingClient(0, Number.POSITIVE_INFINITY);
    const puts = Array.from({ length: 250 }, (_, i) => ({ DeleteRequest: { Key: key(2000 + i) } }));
    await expect(batchWriteAll(stuck.client, TABLE, puts, { sleep: noWait })).rejects.toBeInstanceOf(
      RetryableError,
    );
    // The first 4 chunks ran their 8 attempts each; the other 6 never started.
    expect(stuck.calls()).toBe(4 * 8);
    stuck.client.destroy();
  });
});

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { CreationIntent } from '../ports.ts';
import { batchGetAll, batchWriteAll } from './dynamo-batch.ts';
import { fromItem, keyOf, toItem } from './item-codec.ts';
import { epochSeconds, keys } from './store-keys.ts';

/**
 * Creation intents (docs/design.md#lost-create-response): written just before crmsync creates a
 * record's counterpart, removed once the new pair is committed. A retry after a lost create response
 * reads it back and links the record it finds by email as that creation (its snapshot is what the
 * create wrote). One item per record in the record's partition, `sk` CREATING; `expiresAt` lets TTL
 * clean up what a crash left (readers never rely on it: they check the intent's time themselves).
 */
export interface CreationIntentOptions {
  client: DynamoDBClient;
  tableName: string;
}

/** Intents outlive any retry of their batch (SQS retention is 4 days by default, 14 at most). */
const RETENTION_SECONDS = 14 * 86_400;

const intentSchema = z.object({
  recordKey: z.string(),
  snapshot: z.string(),
  at: z.number(),
  link: z.string().optional(),
  update: z.string().optional(),
});
const snapshotSchema = z.record(z.string(), z.string().nullable());
const linkSchema = z.object({
  salesforceId: z.string(),
  hubspot: z.array(z.string()),
  salesforce: z.array(z.string()),
  base: snapshotSchema.optional(),
  reason: z.string().optional(),
});
const updateSchema = z.object({
  salesforceId: z.string(),
  version: z.number(),
  hubspot: z.array(z.string()),
  salesforce: z.array(z.string()),
});

/** BatchWriteItem, 25 per call: a later intent for the same record replaces the earlier one. */
export async function putCreationIntents(o: CreationIntentOptions, intents: CreationIntent[]): Promise<void> {
  await batchWriteAll(
    o.client,
    o.tableName,
    intents.map((i) => ({
      PutRequest: {
        Item: {
          ...keyOf(keys.creationIntent(i.recordKey)),
          ...toItem({
            recordKey: i.recordKey,
            snapshot: JSON.stringify(i.snapshot),
            at: i.at,
            ...(i.link ? { link: JSON.stringify(i.link) } : {}),
            ...(i.update ? { update: JSON.stringify(i.update) } : {}),
            expiresAt: epochSeconds(i.at) + RETENTION_SECONDS,
          }),
        },
      },
    })),
  );
}

/** The intents of these records (BatchGetItem, 100 keys per call), by record key. */
export async function getCreationIntents(
  o: CreationIntentOptions,
  recordKeys: string[],
): Promise<Map<string, CreationIntent>> {
  const out = new Map<string, CreationIntent>();
  if (recordKeys.length === 0) return out;
  const items = await batchGetAll(
    o.client,
    o.tableName,
    recordKeys.map((k) => keyOf(keys.creationIntent(k))),
  );
  for (const item of items) {
    const i = intentSchema.parse(fromItem(item));
    out.set(i.recordKey, {
      recordKey: i.recordKey,
      at: i.at,
      snapshot: snapshotSchema.parse(JSON.parse(i.snapshot)),
      ...(i.link ? { link: linkSchema.parse(JSON.parse(i.link)) } : {}),
      ...(i.update ? { update: updateSchema.parse(JSON.parse(i.update)) } : {}),
    });
  }
  return out;
}

/** Removes intents whose creation is committed (BatchWriteItem, 25 per call). */
export async function deleteCreationIntents(o: CreationIntentOptions, recordKeys: string[]): Promise<void> {
  await batchWriteAll(
    o.client,
    o.tableName,
    recordKeys.map((k) => ({ DeleteRequest: { Key: keyOf(keys.creationIntent(k)) } })),
  );
}

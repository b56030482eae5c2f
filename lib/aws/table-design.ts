import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single-table design of the crmsync store, as plain data, so the store, the local stack
 * (`ensureTable`) and the CDK stack build the same table from one object. Item layout: docs/store.md.
 *
 * - `pk` / `sk` (strings) address every item; item kinds are told apart by key prefixes.
 * - GSI `gsi1` (`gsi1pk` / `gsi1sk`, projection ALL) is sparse: only decisions (the activity feed,
 *   partitioned per UTC day) and open sync errors (one partition, sorted by category) carry it.
 * - `expiresAt` (epoch seconds) is the TTL attribute. TTL is only ever a clean-up: DynamoDB deletes
 *   expired items up to a few days late and dynalite never does, so readers that care (idempotency)
 *   compare `expiresAt` themselves. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
 */
export const tableDesign = {
  defaultTableName: 'crmsync-store',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      projection: 'ALL',
    },
  ],
} as const;

/** The name of the feed / sync-error index. */
export const GSI1 = tableDesign.globalSecondaryIndexes[0].indexName;

/** CreateTable input for the design (on-demand capacity), used by the local stack and tests. */
export function createTableInput(tableName: string = tableDesign.defaultTableName): CreateTableCommandInput {
  const keyAttributes = [
    tableDesign.partitionKey,
    tableDesign.sortKey,
    ...tableDesign.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: tableDesign.billingMode,
    AttributeDefinitions: keyAttributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [
      { AttributeName: tableDesign.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: tableDesign.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: tableDesign.globalSecondaryIndexes.map((g) => ({
      IndexName: g.indexName,
      KeySchema: [
        { AttributeName: g.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: g.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: g.projection },
    })),
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSyncStore } from '../../lib/aws/dynamo-sync-store.ts';
import { createTableInput, tableDesign } from '../../lib/aws/table-design.ts';
import { ensureTable, startLocalDynamo } from '../../lib/local/local-dynamo.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crmsync-dynalite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('table design', () => {
  it('CreateTable input: pk/sk, on-demand, gsi1 with projection ALL', () => {
    const input = createTableInput();
    expect(input.TableName).toBe(tableDesign.defaultTableName);
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(input.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'gsi1',
      Projection: { ProjectionType: 'ALL' },
    });
    expect(input.AttributeDefinitions?.map((a) => a.AttributeName)).toEqual(['pk', 'sk', 'gsi1pk', 'gsi1sk']);
    expect(tableDesign.timeToLiveAttribute).toBe('expiresAt');
  });
});

describe('startLocalDynamo', () => {
  it('ensureTable creates the table once and is idempotent', async () => {
    const dynamo = await startLocalDynamo();
    try {
      await ensureTable(dynamo.client, 'crmsync-store');
      await ensureTable(dynamo.client, 'crmsync-store');
      const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: 'crmsync-store' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['gsi1']);
      expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await dynamo.close();
    }
  });

  it.each([
    ['in this thread', false],
    ['in a worker thread', true],
  ])('a store persisted to a path survives a restart (%s)', async (_where, thread) => {
    const path = join(dir, thread ? 'db-thread' : 'db');
    const first = await startLocalDynamo({ path, thread });
    await ensureTable(first.client, 'crmsync-store');
    const store = new DynamoSyncStore({ client: first.client, tableName: 'crmsync-store' });
    await store.putPair(
      {
        hubspotId: '501',
        salesforceId: '003PERSIST',
        salesforceType: 'Contact',
        snapshot: { email: 'p@example.com' },
        version: 0,
        lastSyncedAt: 1,
        origin: 'import',
      },
      0,
    );
    expect(await store.markEventProcessed('evt-persist', 1_000)).toBe(true);
    await first.close();

    const second = await startLocalDynamo({ path, thread });
    try {
      await ensureTable(second.client, 'crmsync-store');
      const reopened = new DynamoSyncStore({ client: second.client, tableName: 'crmsync-store' });
      expect((await reopened.getPairsBySalesforceIds(['003PERSIST'])).get('003PERSIST')?.version).toBe(1);
      expect(await reopened.markEventProcessed('evt-persist', 2_000)).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('thread: dynalite serves from a worker thread, so this thread holds no listening socket for it', async () => {
    const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const before = servers();
    const here = await startLocalDynamo();
    expect(servers()).toBe(before + 1);
    await here.close();

    const dynamo = await startLocalDynamo({ thread: true });
    try {
      expect(servers()).toBe(before);
      await ensureTable(dynamo.client, 'crmsync-store');
      const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: 'crmsync-store' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await dynamo.close();
    }
  });
});

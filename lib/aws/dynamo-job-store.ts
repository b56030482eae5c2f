import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { JobKind, JobProgressStore, JobRecord } from '../ports.ts';
import { fromItem, keyOf, toItem } from './item-codec.ts';

/** Where a job's progress lives in the store's table (one item per job kind; docs/store.md). */
const jobKey = (kind: JobKind) => ({ pk: `JOB#${kind}`, sk: 'PROGRESS' });

/**
 * The long jobs' (resync, import) progress in the crmsync table, so the admin function that started
 * a job and the job function that runs it (separate invocations, maybe separate containers) share
 * it. One single-item conditional write claims a run, as dynalite has no transactions.
 */
export class DynamoJobStore implements JobProgressStore {
  constructor(private readonly opts: { client: DynamoDBClient; tableName: string }) {}

  async read(kind: JobKind): Promise<JobRecord | undefined> {
    const out = await this.opts.client.send(
      new GetItemCommand({ TableName: this.opts.tableName, Key: keyOf(jobKey(kind)), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const item = fromItem(out.Item);
    return {
      running: item.running === true,
      heartbeatAt: Number(item.heartbeatAt ?? 0),
      progress: JSON.parse(String(item.progress ?? '{}')) as unknown,
    };
  }

  async claim(kind: JobKind, progress: unknown, at: number, staleBefore: number): Promise<boolean> {
    try {
      await this.#put(
        kind,
        { running: true, heartbeatAt: at, progress },
        {
          ConditionExpression: 'attribute_not_exists(pk) OR running = :no OR heartbeatAt < :stale',
          ExpressionAttributeValues: { ':no': { BOOL: false }, ':stale': { N: String(staleBefore) } },
        },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async save(kind: JobKind, record: JobRecord): Promise<void> {
    await this.#put(kind, record, {});
  }

  async #put(
    kind: JobKind,
    record: JobRecord,
    condition: Pick<
      ConstructorParameters<typeof PutItemCommand>[0],
      'ConditionExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<void> {
    await this.opts.client.send(
      new PutItemCommand({
        TableName: this.opts.tableName,
        Item: toItem({
          ...jobKey(kind),
          running: record.running,
          heartbeatAt: record.heartbeatAt,
          progress: JSON.stringify(record.progress),
        }),
        ...condition,
      }),
    );
  }
}

import {
  type DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { SyncErrorCategory } from '../errors.ts';
import type { Decision, DecisionCounts, SyncErrorEntry } from '../ports.ts';
import { batchWriteAll } from './dynamo-batch.ts';
import { type DynamoItem, fromItem, keyOf, toItem } from './item-codec.ts';
import { epochSeconds, gsi1, keys, padTime, recordPartition, utcDay } from './store-keys.ts';
import { GSI1 } from './table-design.ts';

/**
 * The decision log: one item per decision under its record (newest first by sort key), the same item
 * in a per-day (sharded) feed partition of GSI1, one open-error item per record in the errors partition of
 * GSI1, and per-day counters updated with atomic ADD so dashboard counts cost one Query per day.
 */

const outcomes = [
  'synced',
  'skipped',
  'noop',
  'error',
  'linked',
  'relinked',
  'received',
] as const satisfies readonly Decision['outcome'][];
const categories = [
  'validation',
  'missing-required-field',
  'picklist-value-unmapped',
  'duplicate',
  'permission',
  'not-found',
  'rate-limit',
  'other',
] as const satisfies readonly SyncErrorCategory[];

const decisionItemSchema = z.object({
  at: z.number(),
  recordKey: z.string(),
  eventId: z.string().optional(),
  outcome: z.enum(outcomes),
  reason: z.string().optional(),
  category: z.enum(categories).optional(),
  detail: z.string().optional(),
});

const errorItemSchema = z.object({
  recordKey: z.string(),
  category: z.enum(categories),
  message: z.string(),
  at: z.number(),
  eventId: z.string().optional(),
});

/** Outcomes after which a record no longer has an open sync error. */
const RESOLVING: ReadonlySet<Decision['outcome']> = new Set(['synced', 'noop', 'linked', 'relinked']);
/** DynamoDB items are at most 400 KB; a trace detail larger than this is replaced by a marker. */
const MAX_DETAIL_CHARS = 64_000;

/**
 * A day's feed is spread over this many GSI partitions: one partition takes at most 1,000 writes/s,
 * and a throttled GSI throttles the table's writes too, so a busy day must not land on one key.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations
 */
export const FEED_SHARDS = 4;

/** A stable shard per record, so one record's decisions stay in one partition. */
function feedShard(recordKey: string): number {
  let h = 0;
  for (let i = 0; i < recordKey.length; i++) h = (h * 31 + recordKey.charCodeAt(i)) >>> 0;
  return h % FEED_SHARDS;
}

let sequence = 0;
/** Orders decisions recorded in the same millisecond by this process; the random tail keeps processes apart. */
function uniqueSuffix(): string {
  sequence = (sequence + 1) % 36 ** 6;
  return sequence.toString(36).padStart(6, '0') + Math.random().toString(36).slice(2, 8).padEnd(6, '0');
}

export interface DecisionLogOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Decisions (and their counters) are cleaned up by TTL after this many days. */
  retentionDays: number;
}

export async function recordDecisions(opts: DecisionLogOptions, decisions: Decision[]): Promise<void> {
  if (decisions.length === 0) return;
  const ttlSeconds = opts.retentionDays * 86_400;
  const writes: WriteRequest[] = decisions.map((d) => {
    const suffix = uniqueSuffix();
    return {
      PutRequest: {
        Item: {
          ...keyOf(keys.decision(d.recordKey, d.at, suffix)),
          ...toItem({
            gsi1pk: gsi1.feed(utcDay(d.at), feedShard(d.recordKey)),
            gsi1sk: `${padTime(d.at)}#${suffix}`,
            at: d.at,
            recordKey: d.recordKey,
            eventId: d.eventId,
            outcome: d.outcome,
            reason: d.reason,
            category: d.category,
            detail: d.detail === undefined ? undefined : detailText(d.detail),
            expiresAt: epochSeconds(d.at) + ttlSeconds,
          }),
        },
      },
    };
  });
  // Open errors follow the latest decision of each record in this batch.
  const latest = new Map<string, Decision>();
  for (const d of decisions) {
    const prev = latest.get(d.recordKey);
    if (!prev || d.at >= prev.at) latest.set(d.recordKey, d);
  }
  for (const d of latest.values()) {
    if (d.outcome === 'error') {
      const category = d.category ?? 'other';
      writes.push({
        PutRequest: {
          Item: {
            ...keyOf(keys.syncError(d.recordKey)),
            ...toItem({
              gsi1pk: gsi1.syncErrors,
              gsi1sk: `${category}#${padTime(d.at)}#${d.recordKey}`,
              recordKey: d.recordKey,
              category,
              message: d.reason ?? category,
              at: d.at,
              eventId: d.eventId,
            }),
          },
        },
      });
    } else if (RESOLVING.has(d.outcome)) {
      writes.push({ DeleteRequest: { Key: keyOf(keys.syncError(d.recordKey)) } });
    }
  }
  await batchWriteAll(opts.client, opts.tableName, writes);
  await addCounters(opts, decisions);
}

/**
 * Skip and no-op reasons that are codes (`not-in-segment`, `echo`, `converted lead`): counted per day.
 * Other reasons are sentences naming records (`matched Lead 00Q… by email`): one counter each would
 * cost one UpdateItem per decision and an unbounded number of counter items, so they stay in the
 * decision only.
 */
function reasonCode(d: Decision): string | undefined {
  if (d.outcome !== 'skipped' && d.outcome !== 'noop') return undefined;
  return d.reason !== undefined && /^[a-z][a-z -]{0,39}$/.test(d.reason) ? d.reason : undefined;
}

/** One atomic ADD per (day, counter) touched by the batch: a handful of writes per processor batch. */
async function addCounters(opts: DecisionLogOptions, decisions: Decision[]): Promise<void> {
  const increments = new Map<string, { day: string; name: string; n: number }>();
  const bump = (day: string, name: string) => {
    const id = `${day}|${name}`;
    const cur = increments.get(id);
    if (cur) cur.n += 1;
    else increments.set(id, { day, name, n: 1 });
  };
  for (const d of decisions) {
    const day = utcDay(d.at);
    bump(day, `outcome#${d.outcome}`);
    const reason = reasonCode(d);
    if (reason) bump(day, `reason#${reason}`);
    if (d.outcome === 'error') bump(day, `category#${d.category ?? 'other'}`);
  }
  const ttlSeconds = opts.retentionDays * 86_400;
  await Promise.all(
    [...increments.values()].map(({ day, name, n }) =>
      opts.client.send(
        new UpdateItemCommand({
          TableName: opts.tableName,
          Key: keyOf({ pk: keys.counters(day), sk: name }),
          UpdateExpression: 'ADD n :n SET expiresAt = :exp',
          ExpressionAttributeValues: {
            ':n': { N: String(n) },
            ':exp': { N: String(epochSeconds(Date.parse(`${day}T00:00:00Z`)) + ttlSeconds + 86_400) },
          },
        }),
      ),
    ),
  );
}

export async function listDecisions(
  opts: DecisionLogOptions,
  recordKey: string,
  limit: number,
  outcomes?: readonly Decision['outcome'][],
): Promise<Decision[]> {
  // The filter runs after each page is read; queryAll keeps paging until `limit` items pass it.
  const only = outcomes && outcomes.length > 0 ? outcomes : undefined;
  const names = only?.map((_, i) => `:o${i}`) ?? [];
  const items = await queryAll(opts, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
    ...(only
      ? {
          FilterExpression: `#outcome IN (${names.join(', ')})`,
          ExpressionAttributeNames: { '#outcome': 'outcome' },
        }
      : {}),
    ExpressionAttributeValues: {
      ':pk': { S: recordPartition(recordKey) },
      ':d': { S: 'D#' },
      ...Object.fromEntries((only ?? []).map((o, i) => [names[i], { S: o }])),
    },
    ScanIndexForward: false,
    limit,
  });
  return items.map(toDecision);
}

/**
 * The newest decisions across all records, walking the per-day feed back at most `maxDays` days.
 * Each day is spread over FEED_SHARDS partitions; the shards are read in parallel and merged.
 */
export async function recentDecisions(
  opts: DecisionLogOptions,
  nowMs: number,
  limit: number,
  maxDays: number,
): Promise<Decision[]> {
  const out: Decision[] = [];
  for (let back = 0; back < maxDays && out.length < limit; back++) {
    const day = utcDay(nowMs - back * 86_400_000);
    const wanted = limit - out.length;
    const perShard = await Promise.all(
      Array.from({ length: FEED_SHARDS }, (_, shard) =>
        queryAll(opts, {
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: gsi1.feed(day, shard) } },
          ScanIndexForward: false,
          limit: wanted,
        }),
      ),
    );
    const merged = perShard
      .flat()
      .map((item) => ({ sortKey: item['gsi1sk']?.S ?? '', item }))
      .sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0))
      .slice(0, wanted);
    out.push(...merged.map((m) => toDecision(m.item)));
  }
  return out;
}

/** Sums the per-day counters from the UTC day of `sinceMs` through the day of `nowMs`. */
export async function countDecisions(
  opts: DecisionLogOptions,
  sinceMs: number,
  nowMs: number,
): Promise<DecisionCounts> {
  const counts: DecisionCounts = {
    fromDay: utcDay(sinceMs),
    toDay: utcDay(nowMs),
    byOutcome: {},
    byReason: {},
    byCategory: {},
  };
  const days: string[] = [];
  for (let t = Date.parse(`${counts.fromDay}T00:00:00Z`); t <= nowMs && days.length < 366; t += 86_400_000) {
    days.push(utcDay(t));
  }
  const perDay = await Promise.all(
    days.map((day) =>
      queryAll(opts, {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: keys.counters(day) } },
        ScanIndexForward: true,
      }),
    ),
  );
  for (const item of perDay.flat()) {
    const { sk, n } = fromItem(item);
    if (typeof sk !== 'string' || typeof n !== 'number') continue;
    const [kind, ...rest] = sk.split('#');
    const name = rest.join('#');
    const bucket =
      kind === 'outcome'
        ? counts.byOutcome
        : kind === 'reason'
          ? counts.byReason
          : kind === 'category'
            ? counts.byCategory
            : undefined;
    if (bucket) bucket[name] = (bucket[name] ?? 0) + n;
  }
  return counts;
}

/** Records whose latest decision is a sync error, grouped (sorted) by category, oldest first within one. */
export async function listSyncErrors(
  opts: DecisionLogOptions,
  filter: { category?: SyncErrorCategory; limit?: number },
): Promise<SyncErrorEntry[]> {
  const items = await queryAll(opts, {
    IndexName: GSI1,
    KeyConditionExpression: filter.category ? 'gsi1pk = :pk AND begins_with(gsi1sk, :c)' : 'gsi1pk = :pk',
    ExpressionAttributeValues: {
      ':pk': { S: gsi1.syncErrors },
      ...(filter.category ? { ':c': { S: `${filter.category}#` } } : {}),
    },
    ScanIndexForward: true,
    limit: filter.limit ?? 1000,
  });
  return items.map((item) => {
    const e = errorItemSchema.parse(fromItem(item));
    return e.eventId === undefined
      ? { recordKey: e.recordKey, category: e.category, message: e.message, at: e.at }
      : e;
  });
}

function toDecision(item: DynamoItem): Decision {
  const d = decisionItemSchema.parse(fromItem(item));
  const out: Decision = { at: d.at, recordKey: d.recordKey, outcome: d.outcome };
  if (d.eventId !== undefined) out.eventId = d.eventId;
  if (d.reason !== undefined) out.reason = d.reason;
  if (d.category !== undefined) out.category = d.category;
  if (d.detail !== undefined) out.detail = z.record(z.string(), z.unknown()).parse(JSON.parse(d.detail));
  return out;
}

function detailText(detail: Record<string, unknown>): string {
  const text = JSON.stringify(detail);
  return text.length <= MAX_DETAIL_CHARS ? text : JSON.stringify({ truncated: true, size: text.length });
}

interface QueryParams {
  IndexName?: string;
  KeyConditionExpression: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: DynamoItem;
  ScanIndexForward: boolean;
  limit?: number;
}

/** Query with pagination (1 MB pages) until `limit` items or the end. */
export async function queryAll(
  opts: Pick<DecisionLogOptions, 'client' | 'tableName'>,
  params: QueryParams,
): Promise<DynamoItem[]> {
  const { limit, ...rest } = params;
  const out: DynamoItem[] = [];
  let start: DynamoItem | undefined;
  do {
    const res = await opts.client.send(
      new QueryCommand({
        TableName: opts.tableName,
        ...rest,
        ...(limit !== undefined ? { Limit: limit - out.length } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    out.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start && (limit === undefined || out.length < limit));
  return out;
}

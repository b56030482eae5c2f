import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { salesforceObjectSchema } from '../domain/notice.ts';
import type { PairState } from '../ports.ts';
import { fromItem, toItem } from './item-codec.ts';
import { LinkedPairs, type PairCodec } from './linked-pairs.ts';
import { keys } from './store-keys.ts';

const origins = [
  'matched',
  'created-in-salesforce',
  'created-in-hubspot',
  'import',
  'auto-create',
] as const satisfies readonly PairState['origin'][];

const pairItemSchema = z.object({
  hubspotId: z.string(),
  salesforceId: z.string(),
  salesforceType: salesforceObjectSchema,
  snapshot: z.string(),
  version: z.number().int(),
  lastSyncedAt: z.number(),
  origin: z.enum(origins),
  emailOnly: z.boolean().optional(),
});
const snapshotSchema = z.record(z.string(), z.string().nullable());

/** Contact pairs: the pair under `HS#<hubspotId>`, the lookup under `SF#<salesforceId>` (docs/store.md). */
const contactPairCodec: PairCodec<PairState> = {
  labels: { hubspot: 'hubspot', salesforce: 'salesforce' },
  pairKey: keys.pair,
  lookupKey: keys.salesforceLink,
  lookupPrefix: 'SF#',
  hubspotAttribute: 'hubspotId',
  salesforceAttribute: 'salesforceId',
  hubspotIdOf: (pair) => pair.hubspotId,
  salesforceIdOf: (pair) => pair.salesforceId,
  encode: (pair) =>
    toItem({
      hubspotId: pair.hubspotId,
      salesforceId: pair.salesforceId,
      salesforceType: pair.salesforceType,
      snapshot: JSON.stringify(pair.snapshot),
      version: pair.version,
      lastSyncedAt: pair.lastSyncedAt,
      origin: pair.origin,
      emailOnly: pair.emailOnly,
    }),
  decode: (item) => {
    const p = pairItemSchema.parse(fromItem(item));
    const pair: PairState = {
      hubspotId: p.hubspotId,
      salesforceId: p.salesforceId,
      salesforceType: p.salesforceType,
      snapshot: snapshotSchema.parse(JSON.parse(p.snapshot)),
      version: p.version,
      lastSyncedAt: p.lastSyncedAt,
      origin: p.origin,
    };
    if (p.emailOnly !== undefined) pair.emailOnly = p.emailOnly;
    return pair;
  },
};

/**
 * Contact ⇄ Lead/Contact links and snapshots: the one-to-one link protocol of
 * {@link LinkedPairs} (docs/store.md#consistency-without-transactions) with the contact codec.
 */
export class PairStore {
  readonly #pairs: LinkedPairs<PairState>;

  constructor(opts: { client: DynamoDBClient; tableName: string }) {
    this.#pairs = new LinkedPairs(opts.client, opts.tableName, contactPairCodec);
  }

  /** BatchGetItem of the pair items (100 per call, unprocessed keys retried). */
  getPairsByHubSpotIds(ids: string[]): Promise<Map<string, PairState>> {
    return this.#pairs.byHubSpotIds(ids);
  }

  /** The pairs that still name each Salesforce id (stale lookups are ignored). */
  getPairsBySalesforceIds(ids: string[]): Promise<Map<string, PairState>> {
    return this.#pairs.bySalesforceIds(ids);
  }

  /** Writes the pair at `expectedVersion` (0: absent); returns it with version `expectedVersion + 1`. */
  putPair(pair: PairState, expectedVersion: number): Promise<PairState> {
    return this.#pairs.put(pair, expectedVersion);
  }

  /** Deletes the pair if its version is `expectedVersion`, then its lookup (if it still points here). */
  deletePair(hubspotId: string, expectedVersion: number): Promise<void> {
    return this.#pairs.delete(hubspotId, expectedVersion);
  }
}

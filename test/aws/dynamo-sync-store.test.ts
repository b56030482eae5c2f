import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoSyncStore } from '../../lib/aws/dynamo-sync-store.ts';
import { PermanentSyncError, RetryableError } from '../../lib/errors.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from '../../lib/local/local-dynamo.ts';
import type { Decision, PairState, RuntimeSettings } from '../../lib/ports.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { companySyncEnabled } from '../../lib/sync/sync-deps.ts';
import { testConfig } from '../support/test-config.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;

let dynamo: LocalDynamo;
let store: DynamoSyncStore;
let tableCount = 0;
let tableName: string;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  tableName = `store-test-${++tableCount}`;
  await ensureTable(dynamo.client, tableName);
  store = new DynamoSyncStore({ client: dynamo.client, tableName, now: () => NOW });
});

function pair(hubspotId: string, salesforceId: string, overrides: Partial<PairState> = {}): PairState {
  return {
    hubspotId,
    salesforceId,
    salesforceType: 'Lead',
    snapshot: { email: `${hubspotId}@example.com`, phone: null },
    version: 0,
    lastSyncedAt: NOW,
    origin: 'matched',
    ...overrides,
  };
}

describe('pairs', () => {
  it('puts a new pair at version 1 and reads it by HubSpot and by Salesforce id', async () => {
    const stored = await store.putPair(pair('101', '00Q000000000001AAA', { emailOnly: true }), 0);
    expect(stored.version).toBe(1);

    const byHs = await store.getPairsByHubSpotIds(['101', '999']);
    expect([...byHs.keys()]).toEqual(['101']);
    expect(byHs.get('101')).toEqual(stored);

    const bySf = await store.getPairsBySalesforceIds(['00Q000000000001AAA', '00Q000000000009AAA']);
    expect([...bySf.keys()]).toEqual(['00Q000000000001AAA']);
    expect(bySf.get('00Q000000000001AAA')?.snapshot).toEqual({ email: '101@example.com', phone: null });
  });

  it('creation intents: written before a create, read back by record key, removed after the commit', async () => {
    const snapshot = { email: 'a@example.com', lastname: 'Lee', jobtitle: null };
    await store.putCreationIntents([
      { recordKey: 'hubspot:i1', snapshot, at: NOW },
      { recordKey: 'salesforce:00Qi2', snapshot: { email: 'b@example.com' }, at: NOW + 1 },
    ]);
    const read = await store.getCreationIntents(['hubspot:i1', 'salesforce:00Qi2', 'hubspot:none']);
    expect(read.get('hubspot:i1')).toEqual({ recordKey: 'hubspot:i1', snapshot, at: NOW });
    expect(read.get('salesforce:00Qi2')?.at).toBe(NOW + 1);
    expect(read.has('hubspot:none')).toBe(false);
    await store.deleteCreationIntents(['hubspot:i1']);
    expect([...(await store.getCreationIntents(['hubspot:i1', 'salesforce:00Qi2'])).keys()]).toEqual([
      'salesforce:00Qi2',
    ]);
    // The record's trace (same partition) is not disturbed by its intent.
    expect(await store.listDecisions('hubspot:i1')).toEqual([]);
  });

  it('link intents keep the record matched, the fields written, the base the sync merged from (seed 1214883355) and why it linked (seed 1222100081)', async () => {
    const link = {
      salesforceId: '00Qi3',
      hubspot: ['phone'],
      salesforce: [],
      base: { email: 'c@example.com', phone: '+1 555 0102' },
      reason: 'matched Lead 00Qi3 by email',
    };
    await store.putCreationIntents([
      { recordKey: 'hubspot:i3', snapshot: { email: 'c@example.com', phone: null }, at: NOW, link },
    ]);
    expect((await store.getCreationIntents(['hubspot:i3'])).get('hubspot:i3')?.link).toEqual(link);
  });

  it('update intents of a committed pair keep its version and what it writes (seed 1260001596)', async () => {
    const update = { salesforceId: '00Qi4', version: 4, hubspot: ['phone'], salesforce: ['FirstName'] };
    await store.putCreationIntents([
      { recordKey: 'update:hubspot:i4', snapshot: { email: 'd@example.com', phone: null }, at: NOW, update },
    ]);
    const read = await store.getCreationIntents(['update:hubspot:i4', 'hubspot:i4']);
    expect(read.get('update:hubspot:i4')?.update).toEqual(update);
    // Apart from a creation's or a first link's intent, under the contact's own key.
    expect(read.has('hubspot:i4')).toBe(false);
  });

  it('rejects a write with a stale version as retryable', async () => {
    await store.putPair(pair('102', 'SF102'), 0);
    await store.putPair(pair('102', 'SF102', { snapshot: { email: 'a@b.c' } }), 1);
    await expect(store.putPair(pair('102', 'SF102'), 1)).rejects.toBeInstanceOf(RetryableError);
    await expect(store.putPair(pair('102', 'SF102'), 0)).rejects.toBeInstanceOf(RetryableError);
    await expect(store.putPair(pair('102', 'SF102'), 1)).rejects.toMatchObject({ category: 'conflict' });
    expect((await store.getPairsByHubSpotIds(['102'])).get('102')?.snapshot).toEqual({ email: 'a@b.c' });
  });

  it('two writers racing on one pair version: exactly one wins', async () => {
    const base = await store.putPair(pair('103', 'SF103'), 0);
    for (let round = 0; round < 5; round++) {
      const current = (await store.getPairsByHubSpotIds(['103'])).get('103')!;
      const results = await Promise.allSettled(
        ['a', 'b', 'c'].map((w) => store.putPair({ ...current, snapshot: { writer: w } }, current.version)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((r) => r.reason instanceof RetryableError)).toBe(true);
      const after = (await store.getPairsByHubSpotIds(['103'])).get('103')!;
      expect(after.version).toBe(base.version + round + 1);
      expect(after.snapshot).toEqual((won[0] as PromiseFulfilledResult<PairState>).value.snapshot);
    }
  });

  it('a pair moved away from a Salesforce id and back keeps its lookup', async () => {
    await store.putPair(pair('111', 'SF-X'), 0);
    await store.putPair(pair('111', 'SF-Y'), 1);
    await store.putPair(pair('111', 'SF-X'), 2);
    const bySf = await store.getPairsBySalesforceIds(['SF-X', 'SF-Y']);
    expect([...bySf.keys()]).toEqual(['SF-X']);
    expect(bySf.get('SF-X')?.version).toBe(3);
  });

  it('writers racing to re-point one pair to different Salesforce ids: one wins, only its link resolves', async () => {
    await store.putPair(pair('112', 'SF-OLD'), 0);
    const targets = ['SF-A', 'SF-B', 'SF-C'];
    const results = await Promise.allSettled(targets.map((sf) => store.putPair(pair('112', sf), 1)));
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(winners).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof RetryableError),
    ).toBe(true);
    const bySf = await store.getPairsBySalesforceIds(['SF-OLD', ...targets]);
    expect([...bySf.keys()]).toEqual([winners[0]!.salesforceId]);
    expect(bySf.get(winners[0]!.salesforceId)?.version).toBe(2);
  });

  it('re-pointing a pair (lead conversion) moves the Salesforce lookup', async () => {
    await store.putPair(pair('104', '00QLEAD'), 0);
    await store.putPair(pair('104', '003CONTACT', { salesforceType: 'Contact', origin: 'matched' }), 1);
    const bySf = await store.getPairsBySalesforceIds(['00QLEAD', '003CONTACT']);
    expect([...bySf.keys()]).toEqual(['003CONTACT']);
    expect(bySf.get('003CONTACT')?.salesforceType).toBe('Contact');
  });

  it('a stale Salesforce lookup (left by a crash) is ignored by readers and can be taken over', async () => {
    await store.putPair(pair('105', 'SF105'), 0);
    // A crash between claiming a lookup and writing the pair leaves this behind.
    await dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'SF#SF-STALE' }, sk: { S: 'LINK' }, hubspotId: { S: '105' } },
      }),
    );
    expect((await store.getPairsBySalesforceIds(['SF-STALE'])).size).toBe(0);
    expect((await store.getPairsBySalesforceIds(['SF105'])).get('SF105')?.hubspotId).toBe('105');

    await store.putPair(pair('106', 'SF-STALE'), 0);
    expect((await store.getPairsBySalesforceIds(['SF-STALE'])).get('SF-STALE')?.hubspotId).toBe('106');
  });

  it('links stay one-to-one: a second HubSpot contact cannot claim a linked Salesforce id', async () => {
    await store.putPair(pair('107', 'SF107'), 0);
    const err = await store.putPair(pair('108', 'SF107'), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentSyncError);
    expect((err as PermanentSyncError).category).toBe('duplicate');
    expect((await store.getPairsBySalesforceIds(['SF107'])).get('SF107')?.hubspotId).toBe('107');
    expect((await store.getPairsByHubSpotIds(['108'])).size).toBe(0);
  });

  it('deletePair removes the pair and its lookup, and checks the version', async () => {
    await store.putPair(pair('109', 'SF109'), 0);
    await expect(store.deletePair('109', 7)).rejects.toBeInstanceOf(RetryableError);
    await store.deletePair('109', 1);
    expect((await store.getPairsByHubSpotIds(['109'])).size).toBe(0);
    expect((await store.getPairsBySalesforceIds(['SF109'])).size).toBe(0);
    // the Salesforce id is free again
    await store.putPair(pair('110', 'SF109'), 0);
    expect((await store.getPairsBySalesforceIds(['SF109'])).get('SF109')?.hubspotId).toBe('110');
  });

  it('batch reads more than 100 keys (several BatchGetItem calls) and de-duplicates ids', async () => {
    const ids = Array.from({ length: 230 }, (_, i) => String(1000 + i));
    await Promise.all(ids.map((id) => store.putPair(pair(id, `SF${id}`), 0)));
    const byHs = await store.getPairsByHubSpotIds([...ids, ...ids.slice(0, 10)]);
    expect(byHs.size).toBe(230);
    const bySf = await store.getPairsBySalesforceIds(ids.map((id) => `SF${id}`));
    expect(bySf.size).toBe(230);
    expect(bySf.get('SF1229')?.hubspotId).toBe('1229');
  });
});

describe('segment membership', () => {
  it('the first load reports every member as joined; later loads report joins and leaves', async () => {
    const first = await store.replaceMembership('42', ['1', '2', '3'], { at: NOW });
    expect(first.map((c) => `${c.change}:${c.hubspotId}`).sort()).toEqual([
      'joined:1',
      'joined:2',
      'joined:3',
    ]);

    const second = await store.replaceMembership('42', ['2', '3', '4'], { at: NOW + 1000 });
    expect(second).toEqual([
      { hubspotId: '4', change: 'joined', at: NOW + 1000 },
      { hubspotId: '1', change: 'left', at: NOW + 1000 },
    ]);
    expect(await store.replaceMembership('42', ['4', '3', '2'], { at: NOW + 2000 })).toEqual([]);

    expect((await store.listMembers('42')).sort()).toEqual(['2', '3', '4']);
    expect(await store.getMembers('42', ['1', '2', '4', '9'])).toEqual(new Set(['2', '4']));
    expect(await store.getMembers('43', ['2'])).toEqual(new Set());

    const history = await store.listMembershipChanges('42');
    expect(history[0]?.at).toBe(NOW + 1000);
    expect(history).toHaveLength(5);
    expect(history.filter((c) => c.change === 'left')).toEqual([
      { hubspotId: '1', change: 'left', at: NOW + 1000 },
    ]);
  });

  it('R4: record false (first load after choosing a segment) stores members but reports no joins', async () => {
    expect(await store.replaceMembership('50', ['1', '2'], { at: NOW, record: false })).toEqual([]);
    expect((await store.listMembers('50')).sort()).toEqual(['1', '2']);
    expect(await store.listMembershipChanges('50')).toEqual([]);
    // later refreshes record transitions against what the first load stored
    expect(await store.replaceMembership('50', ['2', '3'], { at: NOW + 1 })).toEqual([
      { hubspotId: '3', change: 'joined', at: NOW + 1 },
      { hubspotId: '1', change: 'left', at: NOW + 1 },
    ]);
    expect(await store.listMembershipChanges('50')).toHaveLength(2);
  });

  it('beforeApply failing (e.g. the queue is down) leaves the membership as it was, so joins are not lost', async () => {
    await store.replaceMembership('60', ['1'], { at: NOW });
    const failing = async () => {
      throw new Error('queue down');
    };
    await expect(
      store.replaceMembership('60', ['1', '2'], { at: NOW + 1, beforeApply: failing }),
    ).rejects.toThrow('queue down');
    expect(await store.listMembers('60')).toEqual(['1']);
    const seen: string[] = [];
    const changes = await store.replaceMembership('60', ['1', '2'], {
      at: NOW + 2,
      beforeApply: async (c) => {
        seen.push(...c.map((x) => `${x.change}:${x.hubspotId}`));
      },
    });
    expect(seen).toEqual(['joined:2']);
    expect(changes).toEqual([{ hubspotId: '2', change: 'joined', at: NOW + 2 }]);
    expect((await store.listMembers('60')).sort()).toEqual(['1', '2']);
  });

  it('handles large lists (many BatchWriteItem calls) and an empty list', async () => {
    const members = Array.from({ length: 260 }, (_, i) => String(i + 1));
    expect(await store.replaceMembership('7', members, { at: NOW })).toHaveLength(260);
    expect(await store.listMembers('7')).toHaveLength(260);
    const leaves = await store.replaceMembership('7', [], { at: NOW + 1 });
    expect(leaves).toHaveLength(260);
    expect(leaves.every((c) => c.change === 'left')).toBe(true);
    expect(await store.listMembers('7')).toEqual([]);
  });
});

describe('segment membership at scale', () => {
  it('countMembers reads the stored count, kept by replace, joins and leaves', async () => {
    expect(await store.countMembers('70')).toBe(0);
    await store.replaceMembership('70', ['1', '2', '3'], { at: NOW, record: false });
    expect(await store.countMembers('70')).toBe(3);
    await store.applyMembershipChanges(
      '70',
      [
        { hubspotId: '4', change: 'joined', at: NOW + 1 },
        { hubspotId: '1', change: 'left', at: NOW + 1 },
        { hubspotId: '5', change: 'joined', at: NOW + 1 },
      ],
      { record: true },
    );
    expect(await store.countMembers('70')).toBe(4);
    expect((await store.listMembers('70')).sort()).toEqual(['2', '3', '4', '5']);
    expect(await store.listMembershipChanges('70')).toHaveLength(3);
  });

  it('a reconciliation run streams pages: joins per page, then leaves by sweep, and an exact count', async () => {
    await store.replaceMembership('71', ['1', '2', '3', '4'], { at: NOW, record: false });
    const announced: string[] = [];
    const beforeApply = async (changes: { hubspotId: string }[]) => {
      announced.push(...changes.map((c) => c.hubspotId));
    };
    const run = 'run-1';
    const page1 = await store.reconcilePage('71', run, ['2', '5'], {
      at: NOW + 1,
      record: true,
      beforeApply,
    });
    const page2 = await store.reconcilePage('71', run, ['3', '6'], {
      at: NOW + 1,
      record: true,
      beforeApply,
    });
    expect([...page1, ...page2].map((c) => c.hubspotId)).toEqual(['5', '6']);
    expect(announced).toEqual(['5', '6']);
    const swept = await store.sweepMembership('71', run, { at: NOW + 2, record: true });
    expect(swept.members).toBe(4);
    expect(swept.left.map((c) => c.hubspotId).sort()).toEqual(['1', '4']);
    expect((await store.listMembers('71')).sort()).toEqual(['2', '3', '5', '6']);
    expect(await store.countMembers('71')).toBe(4);
    expect((await store.getMembershipState('71'))?.reconciledAt).toBe(NOW + 2);
  });

  it('R4: a reconciliation with record false (first load) stores members and reports nothing', async () => {
    const joins = await store.reconcilePage('72', 'r', ['1', '2'], { at: NOW, record: false });
    expect(joins).toEqual([]);
    expect(await store.sweepMembership('72', 'r', { at: NOW, record: false })).toEqual({
      members: 2,
      left: [],
    });
    expect(await store.listMembershipChanges('72')).toEqual([]);
  });

  it('memberPage pages through members without reading them all', async () => {
    const ids = Array.from({ length: 1_200 }, (_, i) => String(i + 1));
    await store.replaceMembership('73', ids, { at: NOW, record: false });
    const first = await store.memberPage('73');
    expect(first.hubspotIds).toHaveLength(500);
    expect(first.after).toBeDefined();
    const second = await store.memberPage('73', first.after);
    expect(second.hubspotIds[0]).not.toBe(first.hubspotIds[0]);
    expect(new Set([...first.hubspotIds, ...second.hubspotIds]).size).toBe(1_000);
  });

  it('keeps the join cursor and checkpoints', async () => {
    await store.setJoinCursor('74', 'token-1');
    expect((await store.getMembershipState('74'))?.joinCursor).toBe('token-1');
    await store.setJoinCursor('74', null);
    expect((await store.getMembershipState('74'))?.joinCursor).toBeUndefined();
    expect(await store.getCheckpoint('resync')).toBeUndefined();
    await store.putCheckpoint('resync', { run: 'r1', after: 'x', queued: 250 });
    expect(await store.getCheckpoint('resync')).toEqual({ run: 'r1', after: 'x', queued: 250 });
    await store.putCheckpoint('resync', null);
    expect(await store.getCheckpoint('resync')).toBeUndefined();
  });
});

describe('settings', () => {
  const settings: RuntimeSettings = {
    inclusionSegmentId: '42',
    segmentSelectedAt: NOW,
    segmentLoaded: false,
    autoCreateFromLeads: true,
    autoCreateFromContacts: false,
    version: 0,
  };

  it('stores settings with a version check', async () => {
    expect(await store.getSettings()).toBeUndefined();
    const v1 = await store.putSettings(settings, 0);
    expect(v1.version).toBe(1);
    expect(await store.getSettings()).toEqual(v1);
    await expect(store.putSettings({ ...settings, segmentLoaded: true }, 0)).rejects.toBeInstanceOf(
      RetryableError,
    );
    const v2 = await store.putSettings({ ...v1, inclusionSegmentId: null, segmentSelectedAt: null }, 1);
    expect(await store.getSettings()).toEqual(v2);
    expect(v2).toMatchObject({ inclusionSegmentId: null, segmentSelectedAt: null, version: 2 });
  });
});

describe('C1: the company-sync run-time setting', () => {
  const config = testConfig({ hubspot: 'http://127.0.0.1:1', salesforce: 'http://127.0.0.1:1' });

  it('C1: is the config default until set, then the stored value, which outlives the config', async () => {
    expect(companySyncEnabled(await store.getSettings(), config)).toBe(false);
    await setCompanySync({ store, config }, true);
    const stored = await store.getSettings();
    expect(stored).toMatchObject({ companiesEnabled: true, version: 1 });
    expect(companySyncEnabled(stored, config)).toBe(true);
    await setCompanySync({ store, config }, false);
    expect(await store.getSettings()).toMatchObject({ companiesEnabled: false, version: 2 });
  });

  it('C1: a settings record stored before the setting existed falls back to the config default', async () => {
    await store.putSettings(
      {
        inclusionSegmentId: null,
        segmentSelectedAt: null,
        segmentLoaded: false,
        autoCreateFromLeads: true,
        autoCreateFromContacts: true,
        version: 0,
      },
      0,
    );
    const stored = await store.getSettings();
    expect(stored).not.toHaveProperty('companiesEnabled');
    expect(companySyncEnabled(stored, { companies: { enabled: true } })).toBe(true);
  });
});

describe('idempotency', () => {
  it('filterProcessedEvents returns the ids already processed and not expired, in one read per 100', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `evt-f${i}`);
    for (const id of ids.filter((_, i) => i % 3 === 0)) await store.markEventProcessed(id, NOW);
    const seen = await store.filterProcessedEvents(ids, NOW + 1000);
    expect([...seen].sort()).toEqual(ids.filter((_, i) => i % 3 === 0).sort());
    // Past the retention (7 days by default) an event counts as new again, TTL or not.
    expect((await store.filterProcessedEvents(ids, NOW + 8 * DAY)).size).toBe(0);
    expect((await store.filterProcessedEvents([], NOW)).size).toBe(0);
  });

  it('markEventsProcessed marks many events in batches; they then count as processed', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `evt-b${i}`);
    await store.markEventsProcessed(ids, NOW);
    expect((await store.filterProcessedEvents(ids, NOW + 1000)).size).toBe(60);
    expect(await store.markEventProcessed('evt-b7', NOW + 1000)).toBe(false);
  });

  it('markEventProcessed is true once, then false for the same event id', async () => {
    expect(await store.markEventProcessed('evt-1', NOW)).toBe(true);
    expect(await store.markEventProcessed('evt-1', NOW + 5)).toBe(false);
    expect(await store.markEventProcessed('evt-2', NOW)).toBe(true);
  });

  it('racing deliveries of one event: exactly one is first', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => store.markEventProcessed('evt-race', NOW)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('an expired event id counts as new even before TTL deletes it', async () => {
    expect(await store.markEventProcessed('evt-old', NOW)).toBe(true);
    expect(await store.markEventProcessed('evt-old', NOW + 6 * DAY)).toBe(false);
    expect(await store.markEventProcessed('evt-old', NOW + 8 * DAY)).toBe(true);
  });
});

describe('decisions', () => {
  const d = (
    at: number,
    recordKey: string,
    outcome: Decision['outcome'],
    extra: Partial<Decision> = {},
  ): Decision => ({
    at,
    recordKey,
    outcome,
    ...extra,
  });

  it('lists a record’s decisions newest first, same-millisecond ones in reverse recording order', async () => {
    await store.recordDecisions([
      d(NOW - 3000, 'hubspot:1', 'received', { eventId: 'e1' }),
      d(NOW - 1000, 'hubspot:1', 'synced', { detail: { wrote: { salesforce: ['Email'] } } }),
      d(NOW - 2000, 'hubspot:1', 'skipped', { reason: 'not-in-segment' }),
      d(NOW - 2000, 'hubspot:2', 'noop'),
    ]);
    await store.recordDecisions([d(NOW - 1000, 'hubspot:1', 'noop', { reason: 'echo' })]);
    const list = await store.listDecisions('hubspot:1');
    expect(list.map((x) => [x.at, x.outcome])).toEqual([
      [NOW - 1000, 'noop'],
      [NOW - 1000, 'synced'],
      [NOW - 2000, 'skipped'],
      [NOW - 3000, 'received'],
    ]);
    expect(list[1]?.detail).toEqual({ wrote: { salesforce: ['Email'] } });
    expect(list[2]?.reason).toBe('not-in-segment');
    expect(list[3]?.eventId).toBe('e1');
    expect(await store.listDecisions('hubspot:1', 2)).toHaveLength(2);
    expect(await store.listDecisions('salesforce:1')).toEqual([]);
  });

  it('lists only the outcomes asked for, past a page of others (R6 trace, seed 1222102269)', async () => {
    // 120 `received` entries newer than the merge's `relinked`: a limit of 50 over all outcomes misses it.
    await store.recordDecisions([
      d(NOW - 5000, 'salesforce:1', 'synced', { detail: { createdId: '1001' } }),
      d(NOW - 4000, 'salesforce:1', 'relinked', { reason: 'merged-into-linked-record' }),
      ...Array.from({ length: 120 }, (_, i) => d(NOW - 3000 + i, 'salesforce:1', 'received')),
    ]);
    expect((await store.listDecisions('salesforce:1', 50)).some((x) => x.outcome === 'relinked')).toBe(false);
    const only = await store.listDecisions('salesforce:1', 50, { outcomes: ['synced', 'relinked'] });
    expect(only.map((x) => [x.at, x.outcome])).toEqual([
      [NOW - 4000, 'relinked'],
      [NOW - 5000, 'synced'],
    ]);
    expect(await store.listDecisions('salesforce:1', 1, { outcomes: ['synced', 'relinked'] })).toHaveLength(
      1,
    );
  });

  it('counts decisions by outcome, reason and category per day', async () => {
    await store.recordDecisions([
      d(NOW - 2 * DAY, 'hubspot:1', 'skipped', { reason: 'not-in-segment' }),
      d(NOW - DAY, 'hubspot:2', 'skipped', { reason: 'not-in-segment' }),
      d(NOW - DAY, 'hubspot:3', 'error', { category: 'validation', reason: 'bad phone' }),
      d(NOW, 'hubspot:4', 'synced'),
    ]);
    await store.recordDecisions([
      d(NOW, 'hubspot:5', 'synced'),
      d(NOW, 'hubspot:6', 'error', { category: 'duplicate' }),
    ]);

    const today = await store.countDecisions(NOW);
    expect(today).toEqual({
      fromDay: '2026-03-10',
      toDay: '2026-03-10',
      byOutcome: { synced: 2, error: 1 },
      byReason: {},
      byCategory: { duplicate: 1 },
    });
    const week = await store.countDecisions(NOW - 7 * DAY);
    expect(week.byOutcome).toEqual({ synced: 2, error: 2, skipped: 2 });
    expect(week.byReason).toEqual({ 'not-in-segment': 2 });
    expect(week.byCategory).toEqual({ duplicate: 1, validation: 1 });
  });

  it('counts reason codes only: 200 links whose reasons name records cost one counter update each batch, not one per decision', async () => {
    const updates: string[] = [];
    const count =
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        if (context.commandName === 'UpdateItemCommand') updates.push(context.commandName);
        return next(args);
      };
    dynamo.client.middlewareStack.add(count as never, { step: 'initialize', name: 'countCounterUpdates' });
    try {
      const linked = Array.from({ length: 200 }, (_, i) =>
        d(NOW, `hubspot:${i}`, 'linked', {
          reason: `matched Lead 00Q${String(i).padStart(15, '0')} by email`,
        }),
      );
      await store.recordDecisions([...linked, d(NOW, 'hubspot:x', 'skipped', { reason: 'not-in-segment' })]);
    } finally {
      dynamo.client.middlewareStack.remove('countCounterUpdates');
    }

    // outcome#linked, outcome#skipped, reason#not-in-segment.
    expect(updates).toHaveLength(3);
    const today = await store.countDecisions(NOW);
    expect(today.byOutcome).toEqual({ linked: 200, skipped: 1 });
    expect(today.byReason).toEqual({ 'not-in-segment': 1 });
  });

  it('the feed returns the newest decisions across records and days', async () => {
    await store.recordDecisions([
      d(NOW - 2 * DAY, 'hubspot:1', 'synced'),
      d(NOW - 10, 'salesforce:a', 'synced'),
      d(NOW - 20, 'hubspot:2', 'noop'),
      d(NOW - DAY, 'hubspot:3', 'skipped', { reason: 'not-in-segment' }),
    ]);
    const feed = await store.recentDecisions(3);
    expect(feed.map((x) => x.recordKey)).toEqual(['salesforce:a', 'hubspot:2', 'hubspot:3']);
    expect((await store.recentDecisions(10)).map((x) => x.recordKey)).toEqual([
      'salesforce:a',
      'hubspot:2',
      'hubspot:3',
      'hubspot:1',
    ]);
  });

  it('the feed merges the day’s shards into one newest-first list', async () => {
    // 20 records spread over the feed shards, with interleaved times.
    await store.recordDecisions(
      Array.from({ length: 20 }, (_, i) => d(NOW - i * 7, `hubspot:${i}`, 'synced')),
    );
    const feed = await store.recentDecisions(12);
    expect(feed.map((x) => x.at)).toEqual(Array.from({ length: 12 }, (_, i) => NOW - i * 7));
  });

  it('lists open sync errors by category and clears one when its record next syncs', async () => {
    await store.recordDecisions([
      d(NOW - 30, 'hubspot:1', 'error', { category: 'validation', reason: 'Phone: invalid', eventId: 'e9' }),
      d(NOW - 20, 'salesforce:b', 'error', {
        category: 'picklist-value-unmapped',
        reason: 'Industry: Fintech',
      }),
      d(NOW - 10, 'hubspot:3', 'error', { category: 'validation', reason: 'Email: invalid' }),
      d(NOW - 10, 'hubspot:4', 'error'),
    ]);
    const all = await store.listSyncErrors();
    expect(all.map((e) => `${e.category}:${e.recordKey}`)).toEqual([
      'other:hubspot:4',
      'picklist-value-unmapped:salesforce:b',
      'validation:hubspot:1',
      'validation:hubspot:3',
    ]);
    expect(all[2]).toEqual({
      recordKey: 'hubspot:1',
      category: 'validation',
      message: 'Phone: invalid',
      at: NOW - 30,
      eventId: 'e9',
    });
    expect((await store.listSyncErrors({ category: 'validation' })).map((e) => e.recordKey)).toEqual([
      'hubspot:1',
      'hubspot:3',
    ]);

    // hubspot:1 syncs later; a skip of hubspot:3 leaves its error open.
    await store.recordDecisions([
      d(NOW, 'hubspot:1', 'synced'),
      d(NOW, 'hubspot:3', 'skipped', { reason: 'not-in-segment' }),
    ]);
    expect((await store.listSyncErrors({ category: 'validation' })).map((e) => e.recordKey)).toEqual([
      'hubspot:3',
    ]);
  });

  it('within one batch the latest decision of a record decides whether its error is open', async () => {
    await store.recordDecisions([
      d(NOW, 'hubspot:1', 'synced'),
      d(NOW - 5, 'hubspot:1', 'error', { category: 'validation' }),
      d(NOW - 5, 'hubspot:2', 'noop'),
      d(NOW, 'hubspot:2', 'error', { category: 'permission' }),
    ]);
    expect((await store.listSyncErrors()).map((e) => e.recordKey)).toEqual(['hubspot:2']);
  });

  it('records a batch larger than one BatchWriteItem call', async () => {
    const many = Array.from({ length: 60 }, (_, i) => d(NOW - i, `hubspot:${i % 7}`, 'synced'));
    await store.recordDecisions(many);
    expect((await store.countDecisions(NOW)).byOutcome).toEqual({ synced: 60 });
    expect(await store.recentDecisions(100)).toHaveLength(60);
  });
});

describe('API usage', () => {
  it('adds calls atomically per CRM and day', async () => {
    expect(await store.getApiUsage('hubspot', '2026-03-10')).toBe(0);
    expect(await store.addApiUsage('hubspot', '2026-03-10', 3)).toBe(3);
    const totals = await Promise.all(
      Array.from({ length: 10 }, () => store.addApiUsage('hubspot', '2026-03-10', 2)),
    );
    expect(Math.max(...totals)).toBe(23);
    expect(new Set(totals).size).toBe(10);
    expect(await store.getApiUsage('hubspot', '2026-03-10')).toBe(23);
    expect(await store.getApiUsage('salesforce', '2026-03-10')).toBe(0);
    expect(await store.getApiUsage('hubspot', '2026-03-11')).toBe(0);
  });
});

describe('cursors', () => {
  it('is undefined until set, and only moves forward', async () => {
    expect(await store.getCursor('poll:hubspot')).toBeUndefined();
    await store.advanceCursor('poll:hubspot', NOW);
    await store.advanceCursor('poll:hubspot', NOW - DAY);
    expect(await store.getCursor('poll:hubspot')).toBe(NOW);
    await store.advanceCursor('poll:hubspot', NOW + 5);
    expect(await store.getCursor('poll:hubspot')).toBe(NOW + 5);
    expect(await store.getCursor('poll:salesforce')).toBeUndefined();
  });
});

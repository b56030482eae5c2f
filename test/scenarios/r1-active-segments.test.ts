import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotList } from '../../lib/ports.ts';
import { runResync } from '../../lib/sync/resync.ts';
import { listActiveSegments, selectSegment } from '../../lib/sync/segment-choice.ts';
import {
  InactiveSegmentError,
  refreshSegment,
  SegmentNotFoundError,
} from '../../lib/sync/segment-refresh.ts';
import { currentSettings } from '../../lib/sync/sync-deps.ts';
import { IN_SEGMENT, type Scenario, startScenario } from './scenario-stack.ts';

describe('R1 active segments only (scenario)', () => {
  let s: Scenario;
  let dynamicId: string;
  let manualId: string;
  let snapshotId: string;

  beforeAll(async () => {
    s = await startScenario();
    dynamicId = (await s.dynamicList('MQL contacts', 'lifecyclestage', [IN_SEGMENT])).listId;
    manualId = await s.staticList('Trade show 2026 (manual)', 'MANUAL');
    snapshotId = await s.staticList('MQLs on 1 March (snapshot)', 'SNAPSHOT');
    await selectSegment(s.deps, dynamicId);
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    ['MANUAL', () => manualId, 'Trade show 2026 (manual)'],
    ['SNAPSHOT', () => snapshotId, 'MQLs on 1 March (snapshot)'],
  ])(
    'R1: selecting a %s list is refused with an error naming the list, its type and what to do; the segment is unchanged',
    async (type, id, name) => {
      const before = await currentSettings(s.deps);
      const error = await selectSegment(s.deps, id()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InactiveSegmentError);
      const message = (error as Error).message;
      expect(message).toContain(`list ${id()}`);
      expect(message).toContain(name);
      expect(message).toContain(`${type} list`);
      expect(message).toContain('active (DYNAMIC)');
      expect(message).toContain('crmsync segment list');
      expect(await currentSettings(s.deps)).toEqual(before);
      expect(await s.deps.store.listMembers(id())).toEqual([]);
    },
  );

  it('R1: the dashboard API refuses a MANUAL list with 422 and the same explanation (crmsync segment set uses it)', async () => {
    const res = await fetch(`${s.stack.url}/api/segments/select`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ listId: manualId }),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string };
    expect(body.error).toContain('MANUAL list');
    expect(body.error).toContain('Trade show 2026 (manual)');
    expect((await currentSettings(s.deps)).inclusionSegmentId).toBe(dynamicId);
  });

  it('R1: a list that does not exist is refused with an error that says what to do', async () => {
    await expect(selectSegment(s.deps, '987654')).rejects.toThrow(SegmentNotFoundError);
    await expect(selectSegment(s.deps, '987654')).rejects.toThrow(
      /list 987654 does not exist.*crmsync segment list/,
    );
  });

  it('R1: listActiveSegments offers only DYNAMIC contact lists (and so does GET /api/segments)', async () => {
    const offered = await listActiveSegments(s.deps);
    expect(offered.map((l) => l.listId)).toEqual([dynamicId]);
    expect(offered.every((l) => l.processingType === 'DYNAMIC')).toBe(true);

    const res = await fetch(`${s.stack.url}/api/segments`);
    const body = (await res.json()) as { lists: HubSpotList[]; current: string | null };
    expect(body.lists.map((l) => l.listId)).toEqual([dynamicId]);
    expect(body.current).toBe(dynamicId);
  });
});

describe('R1 a MANUAL list named in the config file', () => {
  let s: Scenario;
  beforeAll(async () => {
    // The sandbox numbers lists from 1: the first list created is the one the config names.
    s = await startScenario({
      config: (c) => {
        c.hubspot.inclusionSegmentId = '1';
      },
    });
    expect(await s.staticList('Configured by mistake', 'MANUAL')).toBe('1');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R1: segment refresh and resync refuse it with the R1 error, and nothing syncs meanwhile', async () => {
    await expect(refreshSegment(s.deps)).rejects.toThrow(InactiveSegmentError);
    await expect(runResync(s.deps)).rejects.toThrow(/list 1 \("Configured by mistake"\) is a MANUAL list/);

    const calls = await s.measure(() =>
      s.hubspotSandbox.userCreateContact({
        email: 'r1-config@scenario.example.com',
        lifecyclestage: IN_SEGMENT,
      }),
    );
    expect(calls.salesforce.writes).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { coalesce, steeringKind } from '../../lib/domain/coalesce.ts';
import { notice } from './fixtures.ts';

describe('coalescing', () => {
  it('folds the notices of one record into one entry, sorted by key', () => {
    const out = coalesce([
      notice('salesforce', 'Lead', '00Q1', 'updated', { changedFields: ['Title'], occurredAt: 5 }),
      notice('hubspot', 'contact', '101', 'updated'),
      notice('salesforce', 'Lead', '00Q1', 'updated', { changedFields: ['Phone'], occurredAt: 9 }),
    ]);
    expect(out.map((r) => r.key)).toEqual(['hubspot:101', 'salesforce:00Q1']);
    expect(out[1]).toMatchObject({ kind: 'updated', occurredAt: 9, changedFields: ['Phone', 'Title'] });
    expect(out[1]?.eventIds).toHaveLength(2);
  });

  it('R6: created followed by updated still steers as created', () => {
    expect(
      steeringKind([
        { kind: 'updated', occurredAt: 2, eventId: 'b' },
        { kind: 'created', occurredAt: 1, eventId: 'a' },
      ]),
    ).toBe('created');
  });

  it('the latest of deleted/restored decides, whatever the arrival order', () => {
    const deleted = { kind: 'deleted' as const, occurredAt: 1, eventId: 'a' };
    const restored = { kind: 'restored' as const, occurredAt: 2, eventId: 'b' };
    expect(steeringKind([restored, deleted])).toBe('restored');
    expect(steeringKind([{ ...deleted, occurredAt: 3 }, restored])).toBe('deleted');
  });

  it('a delete and a restore of the same instant (same event id) steer as a restore in either order (fast-check seed -1006902803)', () => {
    const deleted = notice('hubspot', 'contact', 'h2', 'deleted', { eventId: '{', occurredAt: 3 });
    const restored = notice('hubspot', 'contact', 'h2', 'restored', { eventId: '{', occurredAt: 3 });
    expect(steeringKind([deleted, restored])).toBe('restored');
    expect(steeringKind([restored, deleted])).toBe('restored');
    expect(coalesce([restored, deleted])).toEqual(coalesce([deleted, restored]));
  });

  it('keeps, per field a notice named, the latest time it was named — also when another notice named none', () => {
    const out = coalesce([
      notice('salesforce', 'Lead', '00Q1', 'updated', { changedFields: ['Title'], occurredAt: 300 }),
      notice('salesforce', 'Lead', '00Q1', 'updated', { changedFields: ['Title', 'Phone'], occurredAt: 200 }),
      notice('salesforce', 'Lead', '00Q1', 'updated', { occurredAt: 400 }),
    ]);
    expect(out[0]?.fieldChangedAt).toEqual({ Title: 300, Phone: 200 });
    expect(out[0]?.changedFields).toBeUndefined();
  });

  it('a merge wins over anything else, and any notice without field names means "read everything"', () => {
    const out = coalesce([
      notice('hubspot', 'contact', '101', 'updated', { changedFields: ['email'] }),
      notice('hubspot', 'contact', '101', 'merged', { survivorId: '202', mergedIds: ['101'] }),
    ]);
    expect(out[0]).toMatchObject({ kind: 'merged', survivorId: '202', mergedIds: ['101'] });
    expect(out[0]?.changedFields).toBeUndefined();
  });
});

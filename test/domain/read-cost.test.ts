import { describe, expect, it } from 'vitest';
import { bulkBreakEven, bulkReadCalls, soqlReadCalls } from '../../lib/domain/read-cost.ts';
import { configSchema } from '../../lib/config.ts';

describe('read cost: SOQL pages against a Bulk API 2.0 job (docs/design.md#bulk-reads)', () => {
  it('counts SOQL pages of 2,000 and Bulk calls as create + polls + result sets of 10,000 + describe', () => {
    expect(soqlReadCalls(0)).toBe(1);
    expect(soqlReadCalls(2000)).toBe(1);
    expect(soqlReadCalls(2001)).toBe(2);
    expect(soqlReadCalls(1_000_000)).toBe(500);
    expect(bulkReadCalls(20_000)).toBe(1 + 5 + 2 + 1);
    expect(bulkReadCalls(1_000_000)).toBe(1 + 5 + 100 + 1);
    expect(bulkReadCalls(1_000_000, 3)).toBe(105);
  });

  it('the break-even is the largest count where SOQL costs no more: above it Bulk always costs fewer calls', () => {
    const edge = bulkBreakEven();
    expect(edge).toBe(18_000);
    expect(soqlReadCalls(edge)).toBeLessThanOrEqual(bulkReadCalls(edge));
    for (let r = edge + 1; r <= 1_000_000; r += 997)
      expect(soqlReadCalls(r)).toBeGreaterThan(bulkReadCalls(r));
    // Fewer expected polls move it down; more, up.
    expect(bulkBreakEven(3)).toBeLessThan(edge);
    expect(bulkBreakEven(8)).toBeGreaterThan(edge);
  });

  it('the config threshold defaults to the break-even', () => {
    const bulk = configSchema.shape.salesforce.shape.bulkQuery.parse(undefined);
    expect(bulk).toEqual({
      threshold: 18_000,
      resultSetSize: 10_000,
      pollFirstDelayMs: 1000,
      pollMaxDelayMs: 30_000,
      pollMaxWaitMs: 1_800_000,
    });
  });
});

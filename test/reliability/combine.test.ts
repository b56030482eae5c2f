import { describe, expect, it } from 'vitest';
import { combineParts, type PartSummary } from './combine.ts';

const COMMIT = 'a'.repeat(40);

function part(base: number, histories: number, over: Partial<PartSummary> = {}): PartSummary {
  return {
    histories,
    requested: histories,
    steps: histories * 12,
    faults: { 'write-response-lost': histories },
    violations: {},
    seeds: { base, failing: [] },
    maxSteps: 30,
    without: [],
    companies: false,
    durationSeconds: 100,
    interrupted: false,
    machine: { cpus: 2 },
    loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
    code: { commit: COMMIT, dirty: false },
    ...over,
  };
}

describe('long run in parts (combine.ts)', () => {
  it('adds up parts of one commit with disjoint seed ranges', () => {
    const run = combineParts([
      part(1000, 500),
      part(1500, 250, {
        violations: { 'no-lost-update': 1 },
        seeds: { base: 1500, failing: [{ seed: 1600, invariants: ['no-lost-update'] }] },
      }),
    ]);
    expect(run.histories).toBe(750);
    expect(run.steps).toBe(9000);
    expect(run.faults).toEqual({ 'write-response-lost': 750 });
    expect(run.violations).toEqual({ 'no-lost-update': 1 });
    expect(run.seeds.ranges).toEqual([
      { base: 1000, histories: 500 },
      { base: 1500, histories: 250 },
    ]);
    expect(run.seeds.failing).toEqual([{ seed: 1600, invariants: ['no-lost-update'] }]);
    expect(run.commit).toBe(COMMIT);
    expect(run.durationSeconds).toBe(200);
  });

  it('refuses parts that play a seed twice, also across the 2^31 wrap', () => {
    expect(() => combineParts([part(1000, 500), part(1499, 10)])).toThrow(/play some seeds twice/);
    expect(() => combineParts([part(2 ** 31 - 5, 10), part(3, 1)])).toThrow(/play some seeds twice/);
    expect(combineParts([part(2 ** 31 - 5, 10), part(5, 1)]).histories).toBe(11);
  });

  it('refuses a part cut short, of another commit, of a dirty checkout, or with other options', () => {
    expect(() => combineParts([part(0, 10), part(10, 10, { histories: 9 })])).toThrow(/ran 9 of 10/);
    expect(() => combineParts([part(0, 10), part(10, 10, { interrupted: true })])).toThrow(/to its end/);
    expect(() =>
      combineParts([part(0, 10), part(10, 10, { code: { commit: 'b'.repeat(40), dirty: false } })]),
    ).toThrow(/a run's parts play one commit/);
    expect(() => combineParts([part(0, 10, { code: { commit: COMMIT, dirty: true } })])).toThrow(
      /clean commit/,
    );
    expect(() => combineParts([part(0, 10), part(10, 10, { companies: true })])).toThrow(/other options/);
    expect(() => combineParts([])).toThrow(/no parts/);
  });
});

import { describe, expect, it } from 'vitest';
import { shrinkSteps } from './shrink.ts';
import type { Step } from './steps.ts';

const edit = (p: number): Step => ({ kind: 'hubspot-edit', p, field: 'phone', value: null });

describe('reliability: shrinking a long-run history', () => {
  it('keeps only the steps the failure needs, in their order', async () => {
    const steps = Array.from({ length: 12 }, (_, i) => edit(i));
    // "Fails" while steps 3 and 9 are both there, 3 before 9.
    const needs = (s: Step[]) => {
      const ps = s.map((x) => (x.kind === 'hubspot-edit' ? x.p : -1));
      return Promise.resolve(ps.includes(3) && ps.includes(9) && ps.indexOf(3) < ps.indexOf(9));
    };
    expect(await shrinkSteps(steps, needs)).toEqual([edit(3), edit(9)]);
  });

  it('leaves a history alone when no step can go', async () => {
    const steps = [edit(0), edit(1)];
    expect(await shrinkSteps(steps, (s) => Promise.resolve(s.length === 2))).toEqual(steps);
  });
});

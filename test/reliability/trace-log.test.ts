import { describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';
import { History } from './history.ts';
import type { Step } from './steps.ts';
import { traceLog } from './trace-log.ts';

describe('reliability step log (--traces)', () => {
  it('tells in time order each step, the users’ writes, the invocations, crmsync’s writes and the decisions', async () => {
    const h = await Harness.start();
    try {
      const history = new History(h, 1, 'trace');
      const steps: Step[] = [
        { kind: 'hubspot-create', p: 0, values: { firstname: 'Ada', lastname: 'Lee' }, inSegment: true },
        { kind: 'process', max: 200, loseAck: false, fault: 'none', severity: 1 },
      ];
      const marks = [];
      for (const step of steps) {
        marks.push({ at: Date.now(), step: step.kind });
        await history.apply(step);
      }
      await h.collect(); // crmsync's writes, read from the CRMs' change feeds (as after quiescence)
      const log = await traceLog(h, history, marks);

      const times = log.map((line) => Number(line.split(' ')[0]));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const find = (pattern: RegExp) => log.findIndex((line) => pattern.test(line));
      const created = find(/ step hubspot-create$/);
      const userWrite = find(/ user p0 hubspot\.firstname = "Ada" \[/);
      const invocation = find(/ invocation until \d+$/);
      const received = find(/ decision hubspot:\d+ received \{"kind":"segment-joined"/);
      const wrote = find(/ crmsync wrote salesforce:\w+ CREATE/);
      const synced = find(/ decision hubspot:\d+ synced created in Salesforce \{/);
      expect([created, userWrite, invocation, received, wrote, synced].every((i) => i >= 0)).toBe(true);
      expect(created).toBeLessThan(userWrite);
      expect(userWrite).toBeLessThan(invocation);
      expect(invocation).toBeLessThan(wrote);
    } finally {
      await h.close();
    }
  }, 60_000);
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { playSeed, WORKER_NODE_FLAGS, workerExecArgv } from './long-run-worker.ts';
import type { HistoryOutcome } from './run-history.ts';

describe('reliability long run: worker processes', () => {
  it('start with the parent Node flags plus the GC flags of the long run', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', ...WORKER_NODE_FLAGS]);
    expect(WORKER_NODE_FLAGS).toContain('--max-semi-space-size=64');
  });

  it('use flags this Node accepts (a bad flag would stop every worker at its start)', () => {
    const run = spawnSync(process.execPath, [...WORKER_NODE_FLAGS, '-e', 'process.exit(0)'], {
      encoding: 'utf8',
    });

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('reliability long run: --repeat (a timing seed played until it fails)', () => {
  // A stand-in for runHistory that fails from its `failOn`-th play on, with a step log when asked.
  const fake = (failOn: number) => {
    let plays = 0;
    const asked: boolean[] = [];
    const run = async (_p: number, _s: unknown[], o?: { trace?: boolean }) => {
      plays++;
      asked.push(o?.trace === true);
      const failed = plays >= failOn;
      return {
        violations: failed ? [`lost update on play ${plays}`] : [],
        byInvariant: failed ? { 'no-lost-update': 1 } : {},
        ...(failed && o?.trace ? { trace: [`step log of play ${plays}`] } : {}),
      } as unknown as HistoryOutcome;
    };
    return { run, asked };
  };

  it('stops at the first failing play and keeps that play’s violations and step log', async () => {
    const { run, asked } = fake(3);
    const out = await playSeed(3, [], { companies: false, repeat: 10, trace: true }, run);
    expect(out).toEqual({
      plays: 3,
      violations: ['lost update on play 3'],
      byInvariant: { 'no-lost-update': 1 },
      trace: ['step log of play 3'],
    });
    expect(asked).toEqual([true, true, true]);
  });

  it('plays a passing seed exactly `repeat` times; once without --repeat', async () => {
    expect(await playSeed(3, [], { companies: false, repeat: 4, trace: false }, fake(99).run)).toEqual({
      plays: 4,
      violations: [],
      byInvariant: {},
    });
    expect((await playSeed(3, [], { companies: false, repeat: 1, trace: false }, fake(2).run)).plays).toBe(1);
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS, workerExecArgv } from './long-run-worker.ts';

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

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CrmSyncError } from '../errors.ts';

/** Another running stack already uses this data directory. */
export class DataDirInUseError extends CrmSyncError {}

/**
 * Claims a data directory for this process with a pid file. dynalite's LevelDB allows one process
 * per directory and, when a second one opens it, fails later with an uncatchable "Database is
 * closed": this check turns that into a clear message before anything starts.
 */
export async function lockDataDir(dir: string): Promise<{ release(): Promise<void> }> {
  const file = join(dir, 'crmsync.pid');
  const other = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(other) && other > 0 && other !== process.pid && isAlive(other)) {
    throw new DataDirInUseError(
      `another crmsync (pid ${other}) is using ${dir}: stop it first, or give this one its own --data-dir`,
    );
  }
  await writeFile(file, `${process.pid}\n`);
  return {
    async release() {
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (owner === process.pid) await rm(file, { force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

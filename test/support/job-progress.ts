import type { JobProgressStore, JobRecord } from '../../lib/ports.ts';

/**
 * A job progress store in memory that claims every job and keeps every save in order: what the job
 * function saved, for tests of long jobs (resync, import) run through `runJob`.
 */
export function memoryJobProgress(): { store: JobProgressStore; saved: JobRecord[] } {
  const saved: JobRecord[] = [];
  const store: JobProgressStore = {
    read: async () => saved.at(-1),
    claim: async () => true,
    save: async (_kind, record) => {
      saved.push(record);
    },
  };
  return { store, saved };
}

/** The long jobs' progress port: resync and import (docs/design.md#ports-and-adapters). */

/** The long jobs an operator starts: resync (R5) and the Salesforce import (R7). */
export type JobKind = 'resync' | 'import';

/** A job's saved state: whether a run holds it, when it last reported, and its progress (JSON). */
export interface JobRecord {
  running: boolean;
  heartbeatAt: number;
  progress: unknown;
}

/**
 * Progress of the long jobs, shared between the admin API that starts a job and the function that
 * runs it (different invocations in AWS), so `GET /api/status` and `GET /api/import` can read it.
 */
export interface JobProgressStore {
  read(kind: JobKind): Promise<JobRecord | undefined>;
  /**
   * Claims a run: writes `progress` as running unless a run holds the job with a heartbeat at or
   * after `staleBefore` (a run that stopped reporting is taken over). false when one is running.
   */
  claim(kind: JobKind, progress: unknown, at: number, staleBefore: number): Promise<boolean>;
  save(kind: JobKind, record: JobRecord): Promise<void>;
}

import type { SQSRecord } from 'aws-lambda';
import { parseNoticeMessage } from '../aws/sqs-message.ts';
import { companyCounts, runResyncWithCompanies } from '../sync/company-resync.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import { RESYNC_IDLE } from '../admin/jobs.ts';
import type { ResyncProgress } from './services.ts';

const IDLE: ResyncProgress = RESYNC_IDLE;

/**
 * Runs resyncs (R5) one at a time for the dashboard, the CLI and the schedule, and tracks their
 * progress: members found and notices queued (from `runResync`'s progress), then notices the
 * processor has finished (from the poller's batch reports).
 */
export class ResyncTracker {
  #progress: ResyncProgress = IDLE;
  #run: Promise<void> | undefined;

  constructor(private readonly deps: SyncDeps) {}

  progress(): ResyncProgress {
    return { ...this.#progress };
  }

  /** Starts a resync unless one is running; resolves when its notices are queued. */
  async start(): Promise<ResyncProgress> {
    if (this.#run) return this.progress();
    const now = this.deps.now;
    this.#progress = { ...IDLE, running: true, startedAt: now() };
    this.#run = (async () => {
      try {
        const result = await runResyncWithCompanies(this.deps, (p) => {
          this.#update({ total: p.total ?? Math.max(this.#progress.total, p.done), enqueued: p.done });
        });
        this.#update({
          running: false,
          finishedAt: now(),
          enqueued: result.queued,
          total: Math.max(result.queued, this.#progress.total),
          ...(result.companies ? { companies: companyCounts(result.companies) } : {}),
        });
      } catch (error) {
        this.#update({
          running: false,
          finishedAt: now(),
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        this.#run = undefined;
      }
    })();
    await this.#run;
    return this.progress();
  }

  /** Counts the resync notices among records the processor finished (failed ones count when retried). */
  onProcessed(records: SQSRecord[], failedIds: string[]): void {
    if (this.#progress.startedAt === null) return;
    const failed = new Set(failedIds);
    const done = records.filter((r) => {
      if (failed.has(r.messageId)) return false;
      const parsed = parseNoticeMessage(r.body);
      return parsed.ok && parsed.notice.kind === 'resync';
    }).length;
    if (done > 0) this.#update({ processed: this.#progress.processed + done });
  }

  #update(patch: Partial<ResyncProgress>): void {
    this.#progress = { ...this.#progress, ...patch };
  }
}

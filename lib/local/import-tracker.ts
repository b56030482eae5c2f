import type { SalesforceObject } from '../domain/notice.ts';
import { importFromSalesforce } from '../sync/import-salesforce.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';

/** What `crmsync import salesforce` and the dashboard poll while an import runs (GET /api/import). */
export interface ImportProgress {
  running: boolean;
  /** The object being imported now (or last). */
  object: SalesforceObject | null;
  read: number;
  created: number;
  linked: number;
  alreadyLinked: number;
  withoutEmail: number;
  queued: number;
  errors: number;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

const IDLE: ImportProgress = {
  running: false,
  object: null,
  read: 0,
  created: 0,
  linked: 0,
  alreadyLinked: 0,
  withoutEmail: 0,
  queued: 0,
  errors: 0,
  error: null,
  startedAt: null,
  finishedAt: null,
};

/**
 * Runs the Salesforce import (R7) in the stack's process, one at a time, object after object, and
 * keeps its progress for the CLI. The store lives in this process (dynalite's LevelDB allows one), so
 * the CLI asks the running stack instead of opening the store itself.
 */
export class ImportTracker {
  #progress: ImportProgress = IDLE;
  #run: Promise<void> | undefined;

  constructor(private readonly deps: SyncDeps) {}

  progress(): ImportProgress {
    return { ...this.#progress };
  }

  /** Starts an import unless one is running; resolves at once with the progress so far. */
  start(objects: SalesforceObject[]): ImportProgress {
    if (this.#run) return this.progress();
    this.#progress = { ...IDLE, running: true, startedAt: this.deps.now() };
    this.#run = this.#import(objects).finally(() => {
      this.#run = undefined;
    });
    return this.progress();
  }

  /** Resolves when the import in flight (if any) is done. */
  async settled(): Promise<ImportProgress> {
    await this.#run;
    return this.progress();
  }

  async #import(objects: SalesforceObject[]): Promise<void> {
    const totals = {
      read: 0,
      created: 0,
      linked: 0,
      alreadyLinked: 0,
      withoutEmail: 0,
      queued: 0,
      errors: 0,
    };
    try {
      for (const object of objects) {
        this.#progress = { ...this.#progress, object };
        const result = await importFromSalesforce(this.deps, object, (p) => {
          this.#progress = { ...this.#progress, read: totals.read + p.done };
        });
        totals.read += result.read;
        totals.created += result.created;
        totals.linked += result.linked;
        totals.alreadyLinked += result.alreadyLinked;
        totals.withoutEmail += result.withoutEmail;
        totals.queued += result.queued;
        totals.errors += result.errors.length;
        this.#progress = { ...this.#progress, ...totals };
      }
      this.#progress = { ...this.#progress, running: false, finishedAt: this.deps.now() };
    } catch (error) {
      this.#progress = {
        ...this.#progress,
        running: false,
        finishedAt: this.deps.now(),
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }
}

import {
  type ImportObject,
  type ImportResult,
  importFromSalesforce,
  planImport,
} from '../sync/import-salesforce.ts';
import type { ImportReadNote } from '../sync/large-reads.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';

export type { ImportObject };

/** What an import did, for one object or for all of them. */
export interface ImportCounts {
  read: number;
  created: number;
  linked: number;
  alreadyLinked: number;
  /** Linked to a HubSpot contact that no longer exists: the stale link removed, the record imported again. */
  relinked: number;
  withoutEmail: number;
  queued: number;
  errors: number;
}

/** One object's import: its own counts, so a Lead line never shows the Contacts read before it. */
export interface ImportObjectProgress extends ImportCounts {
  object: ImportObject;
  /** True once every page of this object is imported. */
  done: boolean;
  /** SOQL pages or a Bulk API 2.0 job (its state while it runs), docs/design.md#bulk-reads. */
  reading?: ImportReadNote;
}

/** What `crmsync import salesforce` and the dashboard poll while an import runs (GET /api/import). */
export interface ImportProgress extends ImportCounts {
  running: boolean;
  /** The object being imported now (or last). */
  object: ImportObject | null;
  /** Each object started so far, in import order, with its own counts; the top-level counts are their sums. */
  objects: ImportObjectProgress[];
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

const NONE: ImportCounts = {
  read: 0,
  created: 0,
  linked: 0,
  alreadyLinked: 0,
  relinked: 0,
  withoutEmail: 0,
  queued: 0,
  errors: 0,
};

export const IMPORT_IDLE: ImportProgress = {
  ...NONE,
  running: false,
  object: null,
  objects: [],
  error: null,
  startedAt: null,
  finishedAt: null,
};

const countsOf = (r: Omit<ImportResult, 'object' | 'done'>): ImportCounts => ({
  read: r.read,
  created: r.created,
  linked: r.linked,
  alreadyLinked: r.alreadyLinked,
  relinked: r.relinked,
  withoutEmail: r.withoutEmail,
  queued: r.queued,
  errors: r.errors.length,
});

const readingOf = (r: Pick<ImportResult, 'reading'>): Pick<ImportObjectProgress, 'reading'> =>
  r.reading ? { reading: r.reading } : {};

/**
 * Runs the Salesforce import (R7) in the stack's process, one at a time, object after object, and
 * keeps its progress for the CLI. The store lives in this process (dynalite's LevelDB allows one), so
 * the CLI asks the running stack instead of opening the store itself.
 */
export class ImportTracker {
  #progress: ImportProgress = IMPORT_IDLE;
  #run: Promise<void> | undefined;

  constructor(
    private readonly deps: SyncDeps,
    /** Told every change of the progress (the job function saves it to the store). */
    private readonly onChange: (progress: ImportProgress) => void | Promise<void> = () => {},
    /** Asked after each page: true pauses the import with its checkpoints (a Lambda near its limit). */
    private readonly shouldPause?: () => boolean,
  ) {}

  progress(): ImportProgress {
    return { ...this.#progress, objects: this.#progress.objects.map((o) => ({ ...o })) };
  }

  /** Starts an import unless one is running; resolves at once with the progress so far. */
  start(objects: ImportObject[]): ImportProgress {
    if (this.#run) return this.progress();
    this.#progress = { ...IMPORT_IDLE, running: true, startedAt: this.deps.now() };
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

  async #import(objects: ImportObject[]): Promise<void> {
    try {
      // Every object's checkpoint first: a run that pauses in the first still finds the others later.
      await planImport(this.deps, objects);
      let paused = false;
      for (const object of objects) {
        this.#record({ object, ...NONE, done: false });
        const onPage = (soFar: Omit<ImportResult, 'object' | 'done'>) => {
          this.#record({ object, ...countsOf(soFar), ...readingOf(soFar), done: false });
          void this.onChange(this.progress());
        };
        const pause = this.shouldPause ? { shouldPause: this.shouldPause } : {};
        const result = await importFromSalesforce(this.deps, object, onPage, pause);
        this.#record({ object, ...countsOf(result), ...readingOf(result), done: result.done });
        await this.onChange(this.progress());
        if (!result.done) {
          paused = true;
          break;
        }
      }
      // Paused: not finished; the scheduled refresh continues it from the checkpoints (continueImports).
      this.#progress = { ...this.#progress, running: false, finishedAt: paused ? null : this.deps.now() };
      await this.onChange(this.progress());
    } catch (error) {
      this.#progress = {
        ...this.#progress,
        running: false,
        finishedAt: this.deps.now(),
        error: error instanceof Error ? error.message : String(error),
      };
      await this.onChange(this.progress());
    }
  }

  /** Replaces (or adds) one object's progress; the totals follow. */
  #record(entry: ImportObjectProgress): void {
    const objects = [...this.#progress.objects.filter((o) => o.object !== entry.object), entry];
    const totals = { ...NONE };
    for (const o of objects)
      for (const key of Object.keys(NONE) as (keyof ImportCounts)[]) totals[key] += o[key];
    this.#progress = { ...this.#progress, ...totals, object: entry.object, objects };
  }
}

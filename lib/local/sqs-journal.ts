import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/**
 * An append-only journal of JSON lines: the local queue writes one line per change (message sent,
 * received, deleted, moved) before it answers the call, so a notice acknowledged to a CRM survives
 * a hard kill of the process. Lines go to the kernel with write(2) and no fsync: a killed process
 * loses nothing, a power cut may lose the last lines (as a local database in its default mode).
 */
export class Journal<Entry> {
  readonly #path: string;
  #fd: number;
  #lines = 0;

  /** Opens `path` for appending; `entries()` reads what a previous run left there. */
  constructor(path: string) {
    this.#path = path;
    this.#fd = openSync(path, 'a');
  }

  /** Lines appended since the journal was opened or last compacted. */
  get lines(): number {
    return this.#lines;
  }

  /**
   * Every entry the file holds, oldest first. A torn last line (the process died mid-write) is
   * skipped: its call was never answered, so nobody was told it succeeded.
   */
  static read<Entry>(path: string): Entry[] {
    if (!existsSync(path)) return [];
    const out: Entry[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as Entry);
      } catch {
        // Only the last line can be torn; anything else unreadable is skipped the same way.
      }
    }
    return out;
  }

  /** Appends entries as one write, so a batch is all there or (torn) not at all. */
  append(...entries: Entry[]): void {
    if (entries.length === 0) return;
    writeSync(this.#fd, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
    this.#lines += entries.length;
  }

  /**
   * Replaces the file with `entries` (the live state) atomically: written beside it, then renamed
   * over it, so a crash during compaction leaves either the old journal or the new one.
   */
  compact(entries: Entry[]): void {
    const tmp = `${this.#path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      if (entries.length > 0) writeSync(fd, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.#path);
    closeSync(this.#fd);
    this.#fd = openSync(this.#path, 'a');
    this.#lines = entries.length;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

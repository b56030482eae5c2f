import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A sandbox's data on disk, as a CRM keeps its records: written through before each write request
 * is answered, so that an edit the caller saw succeed is there after a crash, and record ids keep
 * counting where they stopped (a reused id would meet stale links in crmsync's store).
 *
 * The file is one JSON snapshot replaced atomically (written beside it, then renamed), so a crash
 * mid-write leaves the previous snapshot. Maps and Sets are kept as such.
 */
export class StateFile<State> {
  readonly #path: string;
  readonly #snapshot: () => State;
  #dirty = false;
  #deferred = 0;

  constructor(path: string, snapshot: () => State) {
    this.#path = path;
    this.#snapshot = snapshot;
  }

  /** The state a previous run saved, or undefined on a first start. */
  load(): State | undefined {
    if (!existsSync(this.#path)) return undefined;
    return JSON.parse(readFileSync(this.#path, 'utf8'), revive) as State;
  }

  /** Something changed: the next `save()` writes. */
  markDirty(): void {
    this.#dirty = true;
  }

  /** Writes the snapshot when something changed since the last write (and no `deferring` runs). */
  save(): void {
    if (!this.#dirty || this.#deferred > 0) return;
    const tmp = `${this.#path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#snapshot(), replace));
    renameSync(tmp, this.#path);
    this.#dirty = false;
  }

  /**
   * Runs `fn` writing nothing until it ends, then once: seeding hundreds of records would otherwise
   * write the whole file hundreds of times. A crash meanwhile leaves the file as it was before.
   */
  async deferring<T>(fn: () => Promise<T>): Promise<T> {
    this.#deferred++;
    try {
      return await fn();
    } finally {
      this.#deferred--;
      this.save();
    }
  }

  /**
   * Wraps a request handler so that an answer goes out only after what the request changed is
   * saved. `isWrite` tells which requests change data (default: all but GET and HEAD); a sandbox
   * that learns of changes otherwise calls `markDirty` itself and passes `() => false`.
   */
  writeThrough(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
    isWrite: (req: IncomingMessage) => boolean = (req) => req.method !== 'GET' && req.method !== 'HEAD',
  ): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        if (isWrite(req)) this.markDirty();
        try {
          this.save();
        } catch (error) {
          // Not saved, so not acknowledged: the caller sees a broken connection and retries.
          console.error('sandbox: saving its data failed', error instanceof Error ? error.message : error);
          res.destroy();
          return res;
        }
        return end(...args);
      }) as ServerResponse['end'];
      handler(req, res);
    };
  }
}

function replace(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (value instanceof Set) return { $set: [...value.values()] };
  return value;
}

function revive(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { $map?: [unknown, unknown][]; $set?: unknown[] };
    if (Array.isArray(v.$map) && Object.keys(v).length === 1) return new Map(v.$map);
    if (Array.isArray(v.$set) && Object.keys(v).length === 1) return new Set(v.$set);
  }
  return value;
}

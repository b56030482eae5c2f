import { CrmSyncError } from '../errors.ts';

/** The local stack's default API address (`npm start`). */
export const DEFAULT_STACK_URL = 'http://127.0.0.1:3000';

export class StackUnreachableError extends CrmSyncError {}

/**
 * A small client for the running stack's HTTP API. The CLI talks to the running stack rather than
 * opening the store itself: the local store is owned by the `crmsync dev` process.
 */
export class StackClient {
  constructor(readonly baseUrl: string = process.env.CRMSYNC_URL ?? DEFAULT_STACK_URL) {}

  async get<T>(path: string): Promise<T> {
    return this.#call<T>('GET', path);
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return this.#call<T>('POST', path, body);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new StackUnreachableError(
        `no crmsync stack answers at ${this.baseUrl}. Start it with \`npm start\` (or pass --url / set CRMSYNC_URL).`,
        { cause },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { error: text };
    }
    if (!res.ok) {
      const message =
        (json as { error?: string; message?: string }).error ??
        (json as { message?: string }).message ??
        res.statusText;
      throw new CrmSyncError(`${method} ${path} failed (${res.status}): ${message}`);
    }
    return json as T;
  }
}

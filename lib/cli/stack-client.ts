import { CrmSyncError } from '../errors.ts';
import type { RequestSigner } from './sigv4.ts';

/** The local stack's default API address (`npm start`). */
export const DEFAULT_STACK_URL = 'http://127.0.0.1:3000';

export class StackUnreachableError extends CrmSyncError {}

/** The running stack refused a request; the message is the stack's own explanation. */
export class StackRequestError extends CrmSyncError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A small client for the running stack's HTTP API. The CLI talks to the running stack rather than
 * opening the store itself: the local store is owned by the `crmsync dev` process.
 */
export class StackClient {
  readonly baseUrl: string;
  readonly #sign: RequestSigner | undefined;

  /** A URL (the local stack), or a resolved target (`resolveTarget`: a deployed stack is signed). */
  constructor(
    target: string | { baseUrl: string; sign?: RequestSigner } = process.env.CRMSYNC_URL ?? DEFAULT_STACK_URL,
  ) {
    this.baseUrl = typeof target === 'string' ? target : target.baseUrl;
    this.#sign = typeof target === 'string' ? undefined : target.sign;
  }

  async get<T>(path: string): Promise<T> {
    return this.#call<T>('GET', path);
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return this.#call<T>('POST', path, body);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = payload === undefined ? {} : { 'content-type': 'application/json' };
    if (this.#sign) headers = { ...headers, ...(await this.#sign({ method, url, headers, body: payload })) };
    try {
      res = await fetch(url, { method, headers, body: payload });
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
      // Not JSON: some other server answers at that address, or a proxy; its page is no explanation.
      json = {};
    }
    if (!res.ok) {
      const body = json as { error?: unknown; message?: unknown };
      const said = typeof body.error === 'string' ? body.error : body.message;
      // The server's message says what is wrong and how to fix it; the method, path and status are
      // plumbing a user cannot act on, so they appear only when the server said nothing.
      throw new StackRequestError(
        res.status,
        typeof said === 'string' && said.trim()
          ? said
          : `the stack at ${this.baseUrl} answered ${res.status} ${res.statusText} to ${method} ${path}, with no explanation; its terminal may say more.`,
      );
    }
    return json as T;
  }
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { foreignCaller, readRawBody, sendJson } from '../../sandbox/common/index.ts';
import { type LocalHttpServer, listenOnLoopback, STATIC_FILES, serveStatic } from './http-server.ts';

/** One `/api` call forwarded to the deployed stack, and its answer as it came. */
export interface ForwardedCall {
  method: string;
  /** Path and query, e.g. `/api/records/search?q=…`. */
  path: string;
  body?: string;
}
export type Forward = (call: ForwardedCall) => Promise<{ status: number; body: string; contentType: string }>;

/**
 * `crmsync console`: the local dashboard's files on 127.0.0.1, its `/api` calls forwarded (signed, by
 * `forward`) to a deployed stack's admin API, so an operator uses the same page against AWS with
 * their own credentials and nothing new is exposed to the internet. `GET /api/status` gains
 * `console: {stack, region}` for the header.
 */
export async function startConsoleServer(opts: {
  port: number;
  forward: Forward;
  stack: { stack: string; region: string };
}): Promise<LocalHttpServer> {
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      sendJson(res, 502, {
        error: `the stack's admin API did not answer: ${error instanceof Error ? error.message : String(error)}`,
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/api/')) {
      // The same guard as the local server: only this page (and local tools) may drive the stack.
      const refusal = foreignCaller(req.headers);
      if (refusal) return sendJson(res, 403, { error: refusal });
      const raw = await readRawBody(req, 64 * 1024);
      const answer = await opts.forward({
        method,
        path: `${url.pathname}${url.search}`,
        ...(raw.length > 0 ? { body: raw.toString('utf8') } : {}),
      });
      let body = answer.body;
      if (url.pathname === '/api/status' && answer.status === 200)
        body = JSON.stringify({ ...(JSON.parse(body) as object), console: opts.stack });
      res.writeHead(answer.status, {
        'content-type': answer.contentType,
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(body);
      return;
    }
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    if ((method === 'GET' || method === 'HEAD') && STATIC_FILES.has(name))
      return serveStatic(res, name, method === 'HEAD');
    sendJson(res, 404, { error: `nothing at ${url.pathname}` });
  }

  return listenOnLoopback(server, opts.port);
}

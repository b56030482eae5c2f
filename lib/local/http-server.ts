import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HttpResult, lowerCaseHeaders, type RawHttpRequest } from '../http/http.ts';
import { BodyError, foreignCaller, readRawBody, Router, sendJson } from '../../sandbox/common/index.ts';
import { apiErrorResponse, apiRoutes } from '../admin/routes.ts';
import type { StackServices } from './services.ts';

/** API Gateway's payload cap is 10 MB and Lambda's 6 MB; intake applies its own, smaller caps. */
const MAX_BODY = 6 * 1024 * 1024;
/** Where the dashboard's static files live. */
const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/** The dashboard's files: app.js is the entry module, the others are the modules it imports. */
export const STATIC_FILES = new Set([
  'index.html',
  'style.css',
  'favicon.svg',
  'app.js',
  'chart.js',
  'dom.js',
  'fields.js',
  'operations.js',
  'playground.js',
  'segments.js',
  'status.js',
  'trace.js',
  'watch-sync.js',
]);
/** No external requests: the page may load only what this server serves (docs/design.md#local-stack). */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface LocalHttpServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * The local stack's HTTP server: the intake endpoints (the same handlers as behind API Gateway),
 * the dashboard's JSON API, and the dashboard itself. Binds to 127.0.0.1 only.
 */
export async function startHttpServer(opts: {
  port: number;
  host?: string;
  services: StackServices;
}): Promise<LocalHttpServer> {
  const { services } = opts;
  const router = new Router();
  const intake =
    (fn: (req: RawHttpRequest) => Promise<HttpResult>) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      const raw = await toRawRequest(req);
      const result = await fn(raw);
      res.writeHead(result.statusCode, {
        ...(result.headers ?? {}),
        'content-length': Buffer.byteLength(result.body),
      });
      res.end(result.body);
    };

  router
    .on('POST', '/webhooks/hubspot', ({ req, res }) => intake(services.intake.hubspotWebhook)(req, res))
    // The last segment is the outbound-message token, checked by the intake (401 when wrong).
    .on('POST', '/webhooks/salesforce/{token}', ({ req, res }) =>
      intake(services.intake.salesforceOutbound)(req, res),
    )
    .on('POST', '/events/salesforce', ({ req, res }) => intake(services.intake.salesforceCdc)(req, res));
  for (const route of apiRoutes(services)) {
    router.on(route.method, route.path, async ({ req, res, params, query }) => {
      const answer = await route
        .handle({ params, query, json: () => readJson(req) })
        .catch((error: unknown) => apiErrorResponse(error) ?? Promise.reject(error));
      sendJson(res, answer.status, answer.body, answer.headers);
    });
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => respondError(res, error));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    // Every route that changes state: the dashboard API and the intake endpoints.
    if (/^\/(api|webhooks|events)\//.test(url.pathname)) {
      const refusal = foreignCaller(req.headers);
      if (refusal) return sendJson(res, 403, { error: refusal });
    }
    const match = router.match(method, url.pathname);
    if (match) {
      await match.handler({
        req,
        res,
        params: match.params,
        query: url.searchParams,
        template: match.template,
      });
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
      if (STATIC_FILES.has(name)) return serveStatic(res, name, method === 'HEAD');
    }
    if (router.hasPath(url.pathname)) return sendJson(res, 405, { error: `${method} is not allowed here` });
    sendJson(res, 404, { error: `nothing at ${url.pathname}` });
  }

  return listenOnLoopback(server, opts.port, opts.host);
}

/** Listens on 127.0.0.1 (or `host`) and returns the server with its URL and a close that ends open connections. */
export async function listenOnLoopback(
  server: Server,
  port: number,
  host = '127.0.0.1',
): Promise<LocalHttpServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Node request → the framework-agnostic request the intake handlers take (raw body for signatures). */
async function toRawRequest(req: IncomingMessage): Promise<RawHttpRequest> {
  const body = await readRawBody(req, MAX_BODY);
  const headers = lowerCaseHeaders(req.headers);
  // HubSpot signs the URI exactly as it called it: rebuild it from the Host header it used.
  const url = `http://${headers.host ?? 'localhost'}${req.url ?? '/'}`;
  return { method: req.method ?? 'POST', url, headers, body: body.toString('utf8') };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = await readRawBody(req, 64 * 1024);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new BodyError('request body is not valid JSON', 400);
  }
}

/** Serves one of the dashboard's files with the no-external-requests CSP. */
export async function serveStatic(res: ServerResponse, name: string, headOnly: boolean): Promise<void> {
  const body = await readFile(join(DASHBOARD_DIR, name));
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    'content-length': body.length,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  res.end(headOnly ? undefined : body);
}

function respondError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const [status, body] = errorBody(error);
  sendJson(res, status, body);
}

function errorBody(error: unknown): [number, Record<string, unknown>] {
  if (error instanceof BodyError) return [error.status, { error: error.message }];
  console.error('crmsync dev: request failed', error instanceof Error ? error.message : String(error));
  return [500, { error: 'internal error (see the terminal running crmsync dev)' }];
}

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CrmSyncError, PermanentSyncError } from '../errors.ts';
import { type HttpResult, lowerCaseHeaders, type RawHttpRequest } from '../http/http.ts';
import { BodyError, readRawBody, Router, sendJson } from '../../sandbox/common/index.ts';
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
const STATIC_FILES = new Set(['index.html', 'app.js', 'style.css', 'favicon.svg']);
/** No external requests: the page may load only what this server serves (docs/design.md#local-stack). */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const sideSchema = z.enum(['hubspot', 'salesforce']);
/** Says what was sent and what a list id looks like (the CLI prints the server's message as is). */
const notAListId = (issue: { input?: unknown }) =>
  `${JSON.stringify(issue.input)} is not a HubSpot list id: list ids are digits, e.g. 42. \`crmsync segment list\` shows the active lists and their ids; null (\`crmsync segment clear\`) clears the segment.`;
const selectSchema = z.strictObject({
  listId: z
    .string({ error: notAListId })
    .regex(/^[0-9]{1,20}$/, { error: notAListId })
    .nullable(),
});
const createSegmentSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  property: z.string().regex(/^[a-z][a-z0-9_]{0,99}$/),
  values: z.array(z.string().min(1).max(100)).min(1).max(50),
});
const importSchema = z.strictObject({
  objects: z
    .array(z.enum(['Lead', 'Contact']))
    .min(1)
    .max(2)
    .default(['Lead', 'Contact']),
});
const editSchema = z.strictObject({
  fields: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/), z.string().max(1000)),
});

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
    .on('POST', '/webhooks/salesforce', ({ req, res }) =>
      intake(services.intake.salesforceOutbound)(req, res),
    )
    .on('POST', '/events/salesforce', ({ req, res }) => intake(services.intake.salesforceCdc)(req, res))
    .on('GET', '/api/status', async ({ res }) => sendJson(res, 200, await services.status(), noStore))
    .on('GET', '/api/records/search', async ({ res, query }) => {
      const q = (query.get('q') ?? '').trim();
      if (!q) return sendJson(res, 400, { error: 'give q: an email or a record id' });
      sendJson(res, 200, { query: q, hits: await services.searchRecords(q) }, noStore);
    })
    .on('GET', '/api/records/{side}/{id}', async ({ res, params }) => {
      const side = sideSchema.safeParse(params.side);
      if (!side.success) return sendJson(res, 404, { error: 'side is hubspot or salesforce' });
      const trace = await services.recordTrace(side.data, params.id ?? '');
      if (!trace) return sendJson(res, 404, { error: `no ${side.data} record ${params.id}` });
      sendJson(res, 200, trace, noStore);
    })
    .on('POST', '/api/resync', async ({ res }) => sendJson(res, 202, await services.startResync()))
    .on('POST', '/api/import', async ({ req, res }) => {
      const body = importSchema.parse(await readJson(req));
      sendJson(res, 202, services.import.start(body.objects));
    })
    .on('GET', '/api/import', ({ res }) => sendJson(res, 200, services.import.progress(), noStore))
    .on('GET', '/api/dlq', async ({ res, query }) => {
      const max = Math.min(100, Math.max(1, Number(query.get('max') ?? 20) || 20));
      sendJson(res, 200, { messages: await services.dlq.list(max) }, noStore);
    })
    .on('POST', '/api/dlq/redrive', async ({ res }) =>
      sendJson(res, 200, { moved: await services.dlq.redrive() }),
    )
    .on('GET', '/api/segments', async ({ res }) => {
      const [lists, current] = await Promise.all([
        services.segments.listActive(),
        services.segments.current(),
      ]);
      sendJson(res, 200, { lists, current }, noStore);
    })
    .on('POST', '/api/segments/select', async ({ req, res }) => {
      const body = selectSchema.parse(await readJson(req));
      sendJson(res, 200, { settings: await services.segments.select(body.listId) });
    })
    .on('POST', '/api/segments', async ({ req, res }) => {
      const body = createSegmentSchema.parse(await readJson(req));
      sendJson(res, 201, { list: await services.segments.create(body) });
    })
    .on('GET', '/api/playground/{side}', async ({ res, params, query }) => {
      const side = sideSchema.parse(params.side);
      const limit = Math.min(50, Math.max(1, Number(query.get('limit') ?? 8) || 8));
      sendJson(res, 200, { records: await services.playground.samples(side, limit) }, noStore);
    })
    .on('POST', '/api/playground/{side}/{id}', async ({ req, res, params }) => {
      const side = sideSchema.parse(params.side);
      const body = editSchema.parse(await readJson(req));
      // The dashboard waits for a decision made after this instant: take it before the edit.
      const editedAt = Date.now();
      sendJson(res, 200, {
        record: await services.playground.edit(side, params.id ?? '', body.fields),
        editedAt,
      });
    });

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => respondError(res, error));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/api/')) {
      const refusal = foreignCaller(req);
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const noStore = { 'cache-control': 'no-store' };

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/;

/**
 * The dashboard API changes state (segment, resync, redrive, sandbox edits): only the dashboard
 * itself and local tools may call it. A Host other than loopback means DNS rebinding; an Origin other
 * than our own means another web page is posting cross-site (the CLI sends no Origin).
 */
function foreignCaller(req: IncomingMessage): string | undefined {
  const host = req.headers.host ?? '';
  if (!LOOPBACK_HOST.test(host)) return 'the local API answers loopback hosts only';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return 'cross-origin requests are refused';
  return undefined;
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

async function serveStatic(res: ServerResponse, name: string, headOnly: boolean): Promise<void> {
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
  if (error instanceof z.ZodError) {
    // The message itself says what is wrong, field by field: a bare "invalid request" leaves the
    // caller (the CLI prints `error` as is) guessing while the schema knows the reason.
    const issues = error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return [400, { error: issues.join('; '), issues }];
  }
  if (error instanceof PermanentSyncError) return [422, { error: error.message, category: error.category }];
  if (error instanceof CrmSyncError) return [400, { error: error.message, kind: error.name }];
  console.error('crmsync dev: request failed', error instanceof Error ? error.message : String(error));
  return [500, { error: 'internal error (see the terminal running crmsync dev)' }];
}

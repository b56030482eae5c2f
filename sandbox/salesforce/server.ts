/**
 * The node:http front: bearer-token check (INVALID_SESSION_ID), daily API allocation
 * (REQUEST_LIMIT_EXCEEDED, `Sforce-Limit-Info` on every response), injected faults, per
 * route counters, then the REST API; `/__sandbox/` goes to the control API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BodyError,
  type DailyCounter,
  type Prng,
  foreignCaller,
  readJsonBody,
  sendJson,
} from '../common/index.ts';
import { SalesforceApiError, invalidSession } from './errors.ts';
import { parseCallOptionsClient } from './call-options.ts';
import { type OAuthState, handleIdentity, handleToken, IDENTITY_RE } from './oauth.ts';
import type { RestApi } from './rest-api.ts';
import { INTEGRATION_USER_ID } from './store.ts';

/** A fault to inject into REST calls. */
export type SalesforceFault =
  | { kind: 'latency'; ms: number; match?: string; count?: number }
  | {
      kind: 'error';
      status?: number;
      errorCode?: string;
      message?: string;
      rate?: number;
      match?: string;
      count?: number;
    }
  | { kind: 'request-limit'; count?: number; match?: string }
  | { kind: 'drop-deliveries'; target: 'outbound' | 'cdc' | 'both'; count?: number };

/** State the HTTP front needs. */
export interface FrontState {
  api: RestApi;
  daily: DailyCounter;
  revoked: Set<string>;
  counters: Map<string, number>;
  faults: SalesforceFault[];
  rng: Prng;
  control: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
  oauth: OAuthState;
}

/** Longest request URI accepted. */
export const MAX_URI_LENGTH = 16_384;

const DATA_RE = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/;

/** Handle one HTTP request. */
export async function handleHttp(
  state: FrontState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  try {
    if (url.pathname.startsWith('/__sandbox/') || url.pathname === '/__sandbox') {
      // The control API has no auth: only local tools may reach it, never another web page.
      const refusal = foreignCaller(req.headers);
      if (refusal) return sendJson(res, 403, [{ errorCode: 'FORBIDDEN', message: refusal }]);
      await state.control(req, res, url);
      return;
    }
    if (url.pathname === '/services/oauth2/token' && req.method === 'POST') {
      await handleToken(state.oauth, req, res);
      return;
    }
    if (url.pathname === '/services/oauth2/userinfo' || IDENTITY_RE.test(url.pathname)) {
      handleIdentity(state.oauth, req, res, url);
      return;
    }
    if (url.pathname === '/services/data' || url.pathname === '/services/data/') {
      sendJson(res, 200, [{ label: "Winter '26", url: '/services/data/v64.0', version: '64.0' }]);
      return;
    }
    const m = DATA_RE.exec(url.pathname);
    if (!m) {
      sendJson(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      return;
    }
    const version = m[1] ?? '64.0';
    const path = (m[2] ?? '/').replace(/\/$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const limitInfo = (): Record<string, string> => ({
      'sforce-limit-info': `api-usage=${state.daily.used()}/${state.daily.limit}`,
    });

    const token = bearer(req.headers.authorization);
    if (!token || state.revoked.has(token)) {
      const e = invalidSession();
      sendJson(res, e.status, e.toRestBody(), { 'www-authenticate': 'Token' });
      return;
    }
    // Salesforce's front end refuses request URIs over 16,384 bytes (long SOQL must be split
    // or sent in a POST-based resource); clients see HTTP 414.
    if ((req.url ?? '').length > MAX_URI_LENGTH) {
      sendJson(res, 414, [
        { message: `Request-URI Too Large (over ${MAX_URI_LENGTH} characters)`, errorCode: 'URI_TOO_LONG' },
      ]);
      return;
    }
    const template = state.api.templateOf(method, path);
    const key = `${method} /services/data/v{version}${template ? template.slice(template.indexOf(' ') + 1) : path}`;
    state.counters.set(key, (state.counters.get(key) ?? 0) + 1);

    const fault = takeFault(state, key);
    if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'request-limit' || !state.daily.tryAcquire()) {
      sendJson(
        res,
        403,
        [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
        limitInfo(),
      );
      return;
    }
    if (fault?.kind === 'error') {
      const status = fault.status ?? 503;
      sendJson(
        res,
        status,
        [
          {
            message: fault.message ?? 'Service temporarily unavailable (injected fault)',
            errorCode: fault.errorCode ?? 'SERVER_UNAVAILABLE',
          },
        ],
        limitInfo(),
      );
      return;
    }
    let body: unknown;
    try {
      body = await readJsonBody(req);
    } catch (err) {
      if (err instanceof BodyError) {
        sendJson(res, err.status, [{ message: err.message, errorCode: 'JSON_PARSER_ERROR' }], limitInfo());
        return;
      }
      throw err;
    }
    const client = parseCallOptionsClient(headerValue(req.headers['sforce-call-options']));
    const out = state.api.handle({
      method,
      path,
      version,
      query: url.searchParams,
      body,
      headers: req.headers,
      token,
      origin: {
        kind: 'api',
        apiVersion: version,
        userId: INTEGRATION_USER_ID,
        ...(client ? { client } : {}),
      },
    });
    if (out.text !== undefined) {
      res.writeHead(out.status, {
        ...limitInfo(),
        ...(out.headers ?? {}),
        'content-length': Buffer.byteLength(out.text),
      });
      res.end(out.text);
      return;
    }
    sendJson(res, out.status, out.status === 204 ? undefined : out.body, {
      ...limitInfo(),
      ...(out.headers ?? {}),
    });
  } catch (err) {
    const e =
      err instanceof SalesforceApiError
        ? err
        : new SalesforceApiError(500, 'UNKNOWN_EXCEPTION', err instanceof Error ? err.message : String(err));
    if (!res.headersSent) sendJson(res, e.status, e.toRestBody());
    else res.end();
  }
}

function takeFault(state: FrontState, key: string): SalesforceFault | undefined {
  for (let i = 0; i < state.faults.length; i++) {
    const f = state.faults[i];
    if (!f || f.kind === 'drop-deliveries') continue;
    if (f.match && !key.includes(f.match)) continue;
    if (f.kind === 'error' && f.rate !== undefined && !state.rng.chance(f.rate)) continue;
    if (f.count !== undefined) {
      f.count--;
      if (f.count <= 0) state.faults.splice(i, 1);
    }
    return f;
  }
  return undefined;
}

function bearer(h: string | undefined): string | undefined {
  if (!h) return undefined;
  const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

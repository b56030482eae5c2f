import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendJson } from '../common/body.ts';
import { Router } from '../common/http-router.ts';
import { foreignCaller } from '../common/same-origin.ts';
import { HubSpotHttpError, errorBody } from './errors.ts';
import { authError, rateLimitError } from './limits.ts';
import { registerAssociationRoutes } from './routes-associations.ts';
import { registerContactRoutes, registerObjectRoutes } from './routes-contacts.ts';
import { registerControlRoutes } from './routes-control.ts';
import { oauthServer, registerOAuthControlRoutes, registerOAuthRoutes } from './oauth.ts';
import { registerCompanyControlRoutes } from './routes-control-companies.ts';
import { registerListRoutes } from './routes-lists.ts';
import { registerOwnerRoutes } from './routes-owners.ts';
import { registerPropertyRoutes } from './routes-properties.ts';
import type { SandboxState } from './state.ts';

/** Build the request handler: control API first, then auth → faults → limits → route. */
export function createHandler(s: SandboxState): (req: IncomingMessage, res: ServerResponse) => void {
  const api = new Router();
  registerContactRoutes(api, s);
  registerObjectRoutes(api, s, s.companies);
  registerAssociationRoutes(api, s);
  registerOwnerRoutes(api, s);
  registerListRoutes(api, s);
  registerPropertyRoutes(api, s);
  const control = new Router();
  registerControlRoutes(control, s);
  registerOAuthControlRoutes(control, s);
  // The OAuth token endpoint authenticates with the client id and secret, not a bearer token.
  const oauth = new Router();
  registerOAuthRoutes(oauth, s);
  registerCompanyControlRoutes(control, s);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const method = req.method ?? 'GET';
    let extraHeaders: Record<string, string | number> = {};
    try {
      if (url.pathname.startsWith('/__sandbox/')) {
        // The control API has no auth: only local tools may reach it, never another web page.
        const refusal = foreignCaller(req.headers);
        if (refusal) throw new HubSpotHttpError(403, errorBody('FORBIDDEN', refusal));
        const m = control.match(method, url.pathname);
        if (!m)
          throw new HubSpotHttpError(
            404,
            errorBody('OBJECT_NOT_FOUND', `No control route ${method} ${url.pathname}`),
          );
        await m.handler({ req, res, params: m.params, query: url.searchParams, template: m.template });
        return;
      }
      const tokenRoute = oauth.match(method, url.pathname);
      if (tokenRoute) {
        await tokenRoute.handler({
          req,
          res,
          params: tokenRoute.params,
          query: url.searchParams,
          template: tokenRoute.template,
        });
        return;
      }
      const m = api.match(method, url.pathname);
      if (!m) {
        const status = api.hasPath(url.pathname) ? 405 : 404;
        throw new HubSpotHttpError(
          status,
          errorBody(
            status === 405 ? 'METHOD_NOT_ALLOWED' : 'OBJECT_NOT_FOUND',
            `No route for ${method} ${url.pathname}`,
          ),
        );
      }
      const auth = req.headers.authorization ?? '';
      const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
      if (!token) throw authError();
      if (s.revoked.has(token)) throw authError();
      const expired = oauthServer(s).rejectExpired(token);
      if (expired) throw expired;
      s.setActor(req, s.actorForToken(token));
      s.count(m.template);

      const latency = s.faults.latencyMs(url.pathname);
      if (latency > 0) await sleep(latency);
      const isSearch = m.template.endsWith('/search') && m.template.startsWith('POST /crm/v3/objects/');
      const storm = s.faults.storm(url.pathname);
      if (storm) throw rateLimitError(storm, s.limits.headers(isSearch));
      extraHeaders = s.limits.acquire(isSearch);
      const fault = s.faults.errorStatus(url.pathname);
      if (fault)
        throw new HubSpotHttpError(
          fault,
          errorBody('INTERNAL_ERROR', 'Internal error (injected by the sandbox).'),
        );

      res.setHeader('X-HubSpot-Correlation-Id', crypto.randomUUID());
      for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
      await m.handler({ req, res, params: m.params, query: url.searchParams, template: m.template });
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HubSpotHttpError) {
        if (err.status === 429) s.count(`429 ${err.body.policyName ?? ''}`);
        sendJson(res, err.status, err.body, { ...extraHeaders, ...err.headers });
        return;
      }
      sendJson(res, 500, errorBody('INTERNAL_ERROR', `Sandbox error: ${(err as Error).message}`));
    }
  };
  return (req, res) => {
    void handle(req, res);
  };
}

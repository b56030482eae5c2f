import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import { notFound, validationError } from './errors.ts';
import { flag } from './request.ts';
import type { SandboxState } from './state.ts';

const BASE = '/crm/v3/owners';
/** `limit` defaults to 100 and may be at most 500 (owners API reference). */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

/**
 * Register the read-only Owners v3 endpoints
 * (https://developers.hubspot.com/docs/api/crm/owners): the list filters by `email`, pages with
 * `after`, and shows archived (deactivated) owners only with `archived=true`.
 */
export function registerOwnerRoutes(router: Router, s: SandboxState): void {
  router.on('GET', BASE, (ctx) => {
    const q = ctx.query;
    const limit = Number(q.get('limit') ?? DEFAULT_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw validationError(`limit must be between 1 and ${MAX_LIMIT}`);
    }
    const after = q.get('after');
    const email = q.get('email') ?? undefined;
    const all = s.owners.list({ archived: flag(q, 'archived'), ...(email ? { email } : {}) });
    const start = after ? all.findIndex((o) => Number(o.id) >= Number(after)) : 0;
    const page = start < 0 ? [] : all.slice(start, start + limit);
    const next = start < 0 ? undefined : all[start + limit];
    const out: Record<string, unknown> = { results: page };
    if (next) out['paging'] = { next: { after: next.id, link: `${BASE}/?after=${next.id}` } };
    sendJson(ctx.res, 200, out);
  });

  router.on('GET', `${BASE}/{ownerId}`, (ctx) => {
    const q = ctx.query;
    const idProperty = q.get('idProperty') ?? 'id';
    if (idProperty !== 'id' && idProperty !== 'userId') {
      throw validationError(`idProperty must be one of [id, userId], got ${idProperty}`);
    }
    const owner = s.owners.get(ctx.params['ownerId'] ?? '', idProperty);
    if (!owner || owner.archived !== flag(q, 'archived')) throw notFound();
    sendJson(ctx.res, 200, owner);
  });
}

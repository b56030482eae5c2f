import { z } from 'zod';
import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import { notFound } from './errors.ts';
import { parseBody } from './request.ts';
import { userActions } from './routes-control.ts';
import type { SandboxState } from './state.ts';

const C = '/__sandbox';
const propsSchema = z.object({ properties: z.record(z.string(), z.union([z.string(), z.null()])) });
const pairSchema = z.object({
  contactId: z.string(),
  companyId: z.string(),
  primary: z.boolean().optional(),
});
const ownerSchema = z.object({
  email: z.string().email(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  archived: z.boolean().optional(),
});

/**
 * Register `/__sandbox/` controls for companies, associations and owners: edits by a UI user
 * (changeSource CRM_UI) and owners added or deactivated by an admin (the owners API is read-only).
 */
export function registerCompanyControlRoutes(router: Router, s: SandboxState): void {
  const user = userActions(s, s.companies);
  const id = (p: Record<string, string>) => p['id'] ?? '';

  router.on('POST', `${C}/user/companies`, async (ctx) => {
    const body = await parseBody(ctx, propsSchema);
    const props = Object.fromEntries(Object.entries(body.properties).map(([k, v]) => [k, v ?? '']));
    sendJson(ctx.res, 201, { id: user.create(props) });
  });
  router.on('PATCH', `${C}/user/companies/{id}`, async (ctx) => {
    user.update(id(ctx.params), (await parseBody(ctx, propsSchema)).properties);
    sendJson(ctx.res, 204, undefined);
  });
  router.on('DELETE', `${C}/user/companies/{id}`, (ctx) => {
    user.archive(id(ctx.params));
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/user/companies/merge`, async (ctx) => {
    const body = await parseBody(ctx, z.object({ primaryId: z.string(), mergedId: z.string() }));
    user.merge(body.primaryId, body.mergedId);
    sendJson(ctx.res, 204, undefined);
  });
  router.on('PUT', `${C}/user/associations`, async (ctx) => {
    const b = await parseBody(ctx, pairSchema);
    s.associations.associate(b.contactId, b.companyId, b.primary === true, s.uiActor());
    sendJson(ctx.res, 204, undefined);
  });
  router.on('DELETE', `${C}/user/associations`, async (ctx) => {
    const b = await parseBody(ctx, pairSchema);
    s.associations.remove(b.contactId, b.companyId, s.uiActor());
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/owners`, async (ctx) => {
    sendJson(ctx.res, 201, s.owners.add(await parseBody(ctx, ownerSchema)));
  });
  router.on('POST', `${C}/owners/{id}/archive`, (ctx) => {
    if (!s.owners.get(id(ctx.params))) throw notFound(`No owner ${id(ctx.params)}`);
    s.owners.archive(id(ctx.params));
    sendJson(ctx.res, 204, undefined);
  });
}

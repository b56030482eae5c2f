import { z } from 'zod';
import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import { ItemFailure } from './contact-validation.ts';
import { seedDemo } from './demo.ts';
import { HubSpotHttpError, errorBody, notFound } from './errors.ts';
import type { Fault } from './options.ts';
import { parseBody } from './request.ts';
import type { SandboxState } from './state.ts';
import { SUBSCRIPTIONS } from './webhooks.ts';

const C = '/__sandbox';
const propsSchema = z.object({ properties: z.record(z.string(), z.union([z.string(), z.null()])) });
const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('latency'), ms: z.number().nonnegative(), pathPrefix: z.string().optional() }),
  z.object({
    kind: z.literal('error-rate'),
    rate: z.number().min(0).max(1),
    status: z.number().int().optional(),
    pathPrefix: z.string().optional(),
    seed: z.number().int().optional(),
  }),
  z.object({
    kind: z.literal('429-storm'),
    count: z.number().int().positive(),
    policyName: z.enum(['TEN_SECONDLY_ROLLING', 'SECONDLY', 'DAILY']).optional(),
    pathPrefix: z.string().optional(),
  }),
  z.object({
    kind: z.literal('drop-webhooks'),
    count: z.number().int().positive().optional(),
    rate: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
  }),
]);

/** Actions shared by the control API and the programmatic handle. */
export interface UserActions {
  create(properties: Record<string, string>): string;
  update(id: string, properties: Record<string, string | null>): void;
  merge(primaryId: string, mergedId: string): void;
  archive(id: string): void;
  restore(id: string): void;
  purge(id: string): void;
}

/** Edits "a human in the HubSpot UI" makes (changeSource CRM_UI). */
export function userActions(s: SandboxState): UserActions {
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ItemFailure)
        throw new HubSpotHttpError(err.item.status, errorBody(err.item.category, err.item.message));
      throw err;
    }
  };
  const live = (id: string) => {
    const c = s.contacts.get(id);
    if (!c) throw notFound(`No contact ${id}`);
    return c;
  };
  return {
    create: (p) => wrap(() => s.contacts.create(p, s.uiActor()).id),
    update: (id, p) => wrap(() => void s.contacts.update(live(id), p, s.uiActor())),
    merge: (a, b) => wrap(() => void s.contacts.merge(live(a), live(b), s.uiActor())),
    archive: (id) => wrap(() => s.contacts.archive(live(id), s.uiActor())),
    restore: (id) => wrap(() => void s.contacts.restore(id, s.uiActor())),
    purge: (id) => wrap(() => s.contacts.purge(live(id), s.uiActor())),
  };
}

/** Register `/__sandbox/*`: reset, seed, webhooks, faults, counters, tokens, user edits. */
export function registerControlRoutes(router: Router, s: SandboxState): void {
  const user = userActions(s);
  const id = (p: Record<string, string>) => p['id'] ?? '';

  router.on('GET', `${C}/state`, (ctx) => {
    sendJson(ctx.res, 200, {
      portalId: s.opts.portalId,
      appId: s.opts.appId,
      contacts: [...s.contacts.contacts.values()].filter((c) => !c.archived).length,
      archivedContacts: [...s.contacts.contacts.values()].filter((c) => c.archived).length,
      lists: [...s.lists.lists.values()].map((l) => ({
        listId: l.listId,
        name: l.name,
        processingType: l.processingType,
        size: l.members.size,
      })),
      webhooks: { url: s.webhooks.url ?? null, pending: s.webhooks.pending, ...s.webhooks.stats },
      faults: s.faults.list(),
      dailyUsed: s.limits.daily.used(),
    });
  });
  router.on('POST', `${C}/reset`, (ctx) => {
    s.reset();
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/seed`, async (ctx) => {
    const body = await parseBody(
      ctx,
      z.object({
        contacts: z.number().int().nonnegative().max(100_000),
        seed: z.number().int().optional(),
        emailDomainPool: z.array(z.string()).optional(),
        segmentRate: z.number().min(0).max(1).optional(),
      }),
    );
    sendJson(ctx.res, 200, { ids: s.seed(body) });
  });
  router.on('POST', `${C}/demo`, async (ctx) => {
    const body = await parseBody(
      ctx,
      z
        .object({
          contacts: z.number().int().nonnegative().max(100_000).default(200),
          seed: z.number().int().optional(),
          emailDomainPool: z.array(z.string()).optional(),
        })
        .default({ contacts: 200 }),
    );
    sendJson(ctx.res, 200, { segmentListId: seedDemo(s, body.contacts, body.seed, body.emailDomainPool) });
  });
  router.on('GET', `${C}/webhooks`, (ctx) => {
    sendJson(ctx.res, 200, {
      url: s.webhooks.url ?? null,
      subscriptions: [...s.webhooks.enabled],
      propertyNames: s.webhooks.propertyFilter ? [...s.webhooks.propertyFilter] : null,
      pending: s.webhooks.pending,
      stats: s.webhooks.stats,
    });
  });
  router.on('PUT', `${C}/webhooks`, async (ctx) => {
    const body = await parseBody(
      ctx,
      z.object({
        url: z.string().url().nullable(),
        subscriptions: z.array(z.enum(Object.keys(SUBSCRIPTIONS) as [string, ...string[]])).optional(),
        propertyNames: z.array(z.string()).nullable().optional(),
      }),
    );
    s.webhooks.url = body.url ?? undefined;
    if (body.subscriptions) {
      s.webhooks.enabled.clear();
      for (const t of body.subscriptions) s.webhooks.enabled.add(t);
    }
    if (body.propertyNames !== undefined) {
      s.webhooks.propertyFilter = body.propertyNames ? new Set(body.propertyNames) : undefined;
    }
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/webhooks/flush`, async (ctx) => {
    sendJson(ctx.res, 200, await s.webhooks.flush());
  });
  router.on('GET', `${C}/faults`, (ctx) => sendJson(ctx.res, 200, { faults: s.faults.list() }));
  router.on('POST', `${C}/faults`, async (ctx) => {
    s.faults.add((await parseBody(ctx, faultSchema)) as Fault);
    sendJson(ctx.res, 204, undefined);
  });
  router.on('DELETE', `${C}/faults`, (ctx) => {
    s.faults.clear();
    sendJson(ctx.res, 204, undefined);
  });
  router.on('GET', `${C}/counters`, (ctx) => sendJson(ctx.res, 200, Object.fromEntries(s.counters)));
  router.on('DELETE', `${C}/counters`, (ctx) => {
    s.counters.clear();
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/tokens/revoke`, async (ctx) => {
    s.revoked.add((await parseBody(ctx, z.object({ token: z.string().min(1) }))).token);
    sendJson(ctx.res, 204, undefined);
  });
  router.on('PUT', `${C}/limits/daily-used`, async (ctx) => {
    s.limits.daily.setUsed((await parseBody(ctx, z.object({ used: z.number().int().nonnegative() }))).used);
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/lists/process`, (ctx) => {
    s.lists.processPending();
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/user/contacts`, async (ctx) => {
    const body = await parseBody(ctx, propsSchema);
    const props = Object.fromEntries(Object.entries(body.properties).map(([k, v]) => [k, v ?? '']));
    sendJson(ctx.res, 201, { id: user.create(props) });
  });
  router.on('PATCH', `${C}/user/contacts/{id}`, async (ctx) => {
    user.update(id(ctx.params), (await parseBody(ctx, propsSchema)).properties);
    sendJson(ctx.res, 204, undefined);
  });
  router.on('DELETE', `${C}/user/contacts/{id}`, (ctx) => {
    user.archive(id(ctx.params));
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/user/contacts/{id}/restore`, (ctx) => {
    user.restore(id(ctx.params));
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/user/contacts/{id}/gdpr-delete`, (ctx) => {
    user.purge(id(ctx.params));
    sendJson(ctx.res, 204, undefined);
  });
  router.on('POST', `${C}/user/merge`, async (ctx) => {
    const body = await parseBody(ctx, z.object({ primaryId: z.string(), mergedId: z.string() }));
    user.merge(body.primaryId, body.mergedId);
    sendJson(ctx.res, 204, undefined);
  });
}

/**
 * The control API under `/__sandbox/` (no auth): the same controls as the programmatic
 * handle — reset, seed, configure delivery targets, revoke tokens, inject faults, read
 * counters, flush deliveries, and act as a UI user (create/update/delete/undelete, convert,
 * merge, gap events), and add Users and lead queues.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BodyError, readJsonBody, sendJson } from '../common/index.ts';
import { SalesforceApiError } from './errors.ts';
import type { SalesforceSandbox } from './index.ts';

const objectType = z.enum(['Lead', 'Contact', 'Account']);
const UserBody = z.object({
  Email: z.string().email(),
  FirstName: z.string().optional(),
  LastName: z.string().min(1),
  IsActive: z.boolean().optional(),
  UserType: z.string().optional(),
});
const SeedBody = z.object({
  leads: z.number().int().min(0).max(100_000),
  contacts: z.number().int().min(0).max(100_000),
  seed: z.number().int().optional(),
  overlapEmails: z.array(z.string()).optional(),
});
const ConfigBody = z.object({
  outboundUrl: z.string().url().nullable().optional(),
  cdcUrl: z.string().url().nullable().optional(),
  duplicateRuleOnEmail: z.boolean().optional(),
});
const FaultBody = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('latency'),
    ms: z.number().min(0).max(60_000),
    match: z.string().optional(),
    count: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('error'),
    status: z.number().int().min(400).max(599).optional(),
    errorCode: z.string().optional(),
    message: z.string().optional(),
    rate: z.number().min(0).max(1).optional(),
    match: z.string().optional(),
    count: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('request-limit'),
    match: z.string().optional(),
    count: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('drop-deliveries'),
    target: z.enum(['outbound', 'cdc', 'both']),
    count: z.number().int().positive().optional(),
  }),
]);
const Fields = z.record(z.string(), z.unknown());
const GapBody = z.object({
  kind: z.enum(['GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW']),
  objectType,
  ids: z.array(z.string()).default([]),
});

/** Handle one control request. */
export async function handleControl(
  sb: SalesforceSandbox,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const parts = url.pathname.split('/').filter(Boolean).slice(1); // drop "__sandbox"
  try {
    const body = method === 'GET' ? undefined : await readJsonBody(req);
    const route = `${method} ${parts.map((p, i) => (i >= 2 && parts[0] === 'user' ? '*' : p)).join('/')}`;
    switch (route) {
      case 'GET health':
        return sendJson(res, 200, { ok: true, orgId: sb.orgId });
      case 'POST reset':
        sb.reset();
        return sendJson(res, 200, { ok: true });
      case 'POST seed':
        return sendJson(res, 200, sb.seed(SeedBody.parse(body)));
      case 'GET counters':
        return sendJson(res, 200, sb.counters());
      case 'POST config':
        sb.configure(ConfigBody.parse(body ?? {}));
        return sendJson(res, 200, { ok: true });
      case 'POST revoke':
        sb.revokeToken(z.object({ token: z.string().min(1) }).parse(body).token);
        return sendJson(res, 200, { ok: true });
      case 'POST faults':
        sb.injectFault(FaultBody.parse(body));
        return sendJson(res, 200, { ok: true });
      case 'DELETE faults':
        sb.clearFaults();
        return sendJson(res, 200, { ok: true });
      case 'POST flush':
        return sendJson(res, 200, await sb.flushDeliveries());
      case 'POST gap': {
        const g = GapBody.parse(body);
        sb.emitGap(g.kind, g.objectType, g.ids);
        return sendJson(res, 200, { ok: true });
      }
      case 'POST convert-lead': {
        const b = z.object({ leadId: z.string(), contactId: z.string().optional() }).parse(body);
        return sendJson(
          res,
          200,
          await sb.convertLead(b.leadId, b.contactId ? { contactId: b.contactId } : undefined),
        );
      }
      case 'POST merge': {
        const b = z
          .object({ objectType, masterId: z.string(), loserIds: z.array(z.string()).min(1).max(2) })
          .parse(body);
        await sb.merge(b.objectType, b.masterId, b.loserIds);
        return sendJson(res, 200, { ok: true });
      }
      case 'POST users':
        return sendJson(res, 201, { id: sb.addUser(UserBody.parse(body)) });
      case 'POST users/active': {
        const b = z.object({ id: z.string(), active: z.boolean() }).parse(body);
        sb.setUserActive(b.id, b.active);
        return sendJson(res, 200, { ok: true });
      }
      case 'POST queues':
        return sendJson(res, 201, { id: sb.addQueue(z.object({ Name: z.string().min(1) }).parse(body)) });
      case 'POST user/Lead':
      case 'POST user/Account':
      case 'POST user/Contact': {
        const type = objectType.parse(parts[1]);
        return sendJson(res, 201, { id: await sb.userCreate(type, Fields.parse(body)) });
      }
      case 'PATCH user/Lead/*':
      case 'PATCH user/Account/*':
      case 'PATCH user/Contact/*':
        await sb.userUpdate(objectType.parse(parts[1]), parts[2] ?? '', Fields.parse(body));
        return sendJson(res, 204, undefined);
      case 'DELETE user/Lead/*':
      case 'DELETE user/Account/*':
      case 'DELETE user/Contact/*':
        await sb.userDelete(objectType.parse(parts[1]), parts[2] ?? '');
        return sendJson(res, 204, undefined);
      case 'POST user/Lead/*/*':
      case 'POST user/Account/*/*':
      case 'POST user/Contact/*/*':
        if (parts[3] !== 'undelete') break;
        await sb.userUndelete(objectType.parse(parts[1]), parts[2] ?? '');
        return sendJson(res, 204, undefined);
      case 'GET record/' + (parts[1] ?? ''): {
        const rec = sb.getRecord(parts[1] ?? '');
        return rec ? sendJson(res, 200, rec) : sendJson(res, 404, { error: 'not found' });
      }
    }
    sendJson(res, 404, { error: `no control route ${method} ${url.pathname}` });
  } catch (err) {
    if (err instanceof SalesforceApiError) return sendJson(res, err.status, err.toRestBody());
    if (err instanceof z.ZodError) return sendJson(res, 400, { error: 'invalid body', issues: err.issues });
    if (err instanceof BodyError) return sendJson(res, err.status, { error: err.message });
    throw err;
  }
}

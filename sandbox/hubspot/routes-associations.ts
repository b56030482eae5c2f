import { z } from 'zod';
import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import { ASSOCIATION_TYPES } from './association-store.ts';
import type { Actor } from './contact-store.ts';
import { HubSpotHttpError, validationError } from './errors.ts';
import { type ObjectKind, objectKind } from './object-types.ts';
import { parseBody } from './request.ts';
import { batchResponse } from './batch-responses.ts';
import type { SandboxState } from './state.ts';

const BASE = '/crm/v4/associations/{fromObjectType}/{toObjectType}';
/** Batch read takes at most 1,000 ids (HubSpot changelog, 2025-02); create and archive 2,000. */
export const ASSOCIATION_READ_LIMIT = 1_000;
export const ASSOCIATION_WRITE_LIMIT = 2_000;

const typeSpec = z.object({
  associationCategory: z.string(),
  associationTypeId: z.number().int(),
});
const pairInputs = z.object({
  inputs: z.array(
    z.object({
      from: z.object({ id: z.string() }),
      to: z.object({ id: z.string() }),
      types: z.array(typeSpec),
    }),
  ),
});
const defaultInputs = z.object({
  inputs: z.array(z.object({ from: z.object({ id: z.string() }), to: z.object({ id: z.string() }) })),
});
const readInputs = z.object({ inputs: z.array(z.object({ id: z.string(), after: z.string().optional() })) });
const archiveInputs = z.object({
  inputs: z.array(
    z.object({ from: z.object({ id: z.string() }), to: z.array(z.object({ id: z.string() })) }),
  ),
});

/** One direction of the contact–company association and its two HubSpot-defined type ids. */
interface Direction {
  from: ObjectKind;
  to: ObjectKind;
  primaryTypeId: number;
  unlabeledTypeId: number;
  /** Orders (fromId, toId) as (contactId, companyId). */
  pair(fromId: string, toId: string): [string, string];
}

function direction(params: Record<string, string>): Direction {
  const from = objectKind(params['fromObjectType']);
  const to = objectKind(params['toObjectType']);
  if (from?.singular === 'contact' && to?.singular === 'company') {
    return {
      from,
      to,
      primaryTypeId: ASSOCIATION_TYPES.contactToCompanyPrimary,
      unlabeledTypeId: ASSOCIATION_TYPES.contactToCompany,
      pair: (a, b) => [a, b],
    };
  }
  if (from?.singular === 'company' && to?.singular === 'contact') {
    return {
      from,
      to,
      primaryTypeId: ASSOCIATION_TYPES.companyToContactPrimary,
      unlabeledTypeId: ASSOCIATION_TYPES.companyToContact,
      pair: (a, b) => [b, a],
    };
  }
  throw validationError(
    `Unsupported association from ${params['fromObjectType']} to ${params['toObjectType']}: this sandbox has contact ⇄ company associations only.`,
  );
}

function checkSize(n: number, max: number): void {
  if (n > max)
    throw validationError(`Too many inputs. The maximum batch size is ${max}, but ${n} were provided.`);
}

/** Which labels the types name; anything but the two HUBSPOT_DEFINED ids of this direction is refused. */
function labels(d: Direction, types: z.infer<typeof typeSpec>[]): { primary: boolean; unlabeled: boolean } {
  let primary = false;
  let unlabeled = false;
  for (const t of types) {
    const known = t.associationTypeId === d.primaryTypeId || t.associationTypeId === d.unlabeledTypeId;
    if (t.associationCategory !== 'HUBSPOT_DEFINED' || !known) {
      throw validationError(
        `invalid association type: ${t.associationCategory} ${t.associationTypeId} between ${d.from.plural} and ${d.to.plural}; use HUBSPOT_DEFINED ${d.primaryTypeId} (Primary) or ${d.unlabeledTypeId} (unlabeled)`,
      );
    }
    if (t.associationTypeId === d.primaryTypeId) primary = true;
    else unlabeled = true;
  }
  return { primary, unlabeled };
}

function labelSpecs(
  d: Direction,
  primary: boolean,
): { category: string; typeId: number; label: string | null }[] {
  const unlabeled = { category: 'HUBSPOT_DEFINED', typeId: d.unlabeledTypeId, label: null };
  return primary
    ? [{ category: 'HUBSPOT_DEFINED', typeId: d.primaryTypeId, label: 'Primary' }, unlabeled]
    : [unlabeled];
}

/**
 * Register Associations v4 for contacts ⇄ companies
 * (https://developers.hubspot.com/docs/api/crm/associations/v4): labels, batch read,
 * batch create (labelled and default), batch archive and batch label archive.
 */
export function registerAssociationRoutes(router: Router, s: SandboxState): void {
  const store = s.associations;

  router.on('GET', `${BASE}/labels`, (ctx) => {
    const d = direction(ctx.params);
    sendJson(ctx.res, 200, { results: labelSpecs(d, true).reverse() });
  });

  router.on('POST', `${BASE}/batch/read`, async (ctx) => {
    const d = direction(ctx.params);
    const body = await parseBody(ctx, readInputs);
    checkSize(body.inputs.length, ASSOCIATION_READ_LIMIT);
    const startedAt = new Date().toISOString();
    const results: unknown[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const { id } of body.inputs) {
      const links =
        d.from.singular === 'contact'
          ? store.companiesOf(id).map((l) => ({ toId: l.companyId, primary: l.primary }))
          : store.contactsOf(id).map((l) => ({ toId: l.contactId, primary: l.primary }));
      if (links.length === 0) {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No ${d.to.singular} is associated with ${d.from.singular} ${id}.`,
          context: { fromObjectId: [id] },
        });
        continue;
      }
      results.push({
        from: { id },
        to: links.map((l) => ({ toObjectId: Number(l.toId), associationTypes: labelSpecs(d, l.primary) })),
      });
    }
    const [status, out] = batchResponse(startedAt, results, errors, 200);
    sendJson(ctx.res, status, out);
  });

  const create = (d: Direction, fromId: string, toId: string, primary: boolean, actor: Actor) => {
    const [contactId, companyId] = d.pair(fromId, toId);
    store.associate(contactId, companyId, primary, actor);
    return {
      fromObjectTypeId: d.from.typeId,
      fromObjectId: Number(fromId),
      toObjectTypeId: d.to.typeId,
      toObjectId: Number(toId),
      labels: primary ? ['Primary'] : [],
    };
  };

  const runPairs = async <T extends { from: { id: string }; to: { id: string } }>(
    items: T[],
    okStatus: number,
    res: Parameters<typeof sendJson>[0],
    fn: (item: T) => unknown,
  ) => {
    const startedAt = new Date().toISOString();
    const results: unknown[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const item of items) {
      try {
        results.push(fn(item));
      } catch (err) {
        if (!(err instanceof HubSpotHttpError)) throw err;
        errors.push({
          status: 'error',
          category: err.body.category,
          message: err.body.message,
          context: { fromObjectId: [item.from.id], toObjectId: [item.to.id] },
        });
      }
    }
    const [status, out] = batchResponse(startedAt, results, errors, okStatus);
    sendJson(res, status, out);
  };

  router.on('POST', `${BASE}/batch/create`, async (ctx) => {
    const d = direction(ctx.params);
    const body = await parseBody(ctx, pairInputs);
    checkSize(body.inputs.length, ASSOCIATION_WRITE_LIMIT);
    // A type id that is not this direction's refuses the whole request (400), before any write.
    const inputs = body.inputs.map((i) => ({ ...i, primary: labels(d, i.types).primary }));
    const actor = s.actor(ctx.req);
    await runPairs(inputs, 201, ctx.res, (i) => create(d, i.from.id, i.to.id, i.primary, actor));
  });

  router.on('POST', `${BASE}/batch/associate/default`, async (ctx) => {
    const d = direction(ctx.params);
    const body = await parseBody(ctx, defaultInputs);
    checkSize(body.inputs.length, ASSOCIATION_WRITE_LIMIT);
    const actor = s.actor(ctx.req);
    await runPairs(body.inputs, 200, ctx.res, (i) => {
      create(d, i.from.id, i.to.id, false, actor);
      return {
        from: { id: i.from.id },
        to: { id: i.to.id },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: d.unlabeledTypeId },
      };
    });
  });

  router.on('POST', `${BASE}/batch/archive`, async (ctx) => {
    const d = direction(ctx.params);
    const body = await parseBody(ctx, archiveInputs);
    checkSize(body.inputs.length, ASSOCIATION_WRITE_LIMIT);
    for (const input of body.inputs) {
      for (const to of input.to) {
        const [contactId, companyId] = d.pair(input.from.id, to.id);
        store.remove(contactId, companyId, s.actor(ctx.req));
      }
    }
    sendJson(ctx.res, 204, undefined);
  });

  router.on('POST', `${BASE}/batch/labels/archive`, async (ctx) => {
    const d = direction(ctx.params);
    const body = await parseBody(ctx, pairInputs);
    checkSize(body.inputs.length, ASSOCIATION_WRITE_LIMIT);
    for (const input of body.inputs) {
      const { primary, unlabeled } = labels(d, input.types);
      const [contactId, companyId] = d.pair(input.from.id, input.to.id);
      // Removing the unlabeled type removes the association; removing Primary only demotes it.
      if (unlabeled) store.remove(contactId, companyId, s.actor(ctx.req));
      else if (primary) store.demote(contactId, companyId, s.actor(ctx.req));
    }
    sendJson(ctx.res, 204, undefined);
  });
}

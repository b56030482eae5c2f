import type { z } from 'zod';
import { BodyError, readJsonBody } from '../common/body.ts';
import type { RouteContext } from '../common/http-router.ts';
import { validationError } from './errors.ts';

/** Read a JSON body and validate it; failures become HubSpot's 400 VALIDATION_ERROR. */
export async function parseBody<S extends z.ZodType>(ctx: RouteContext, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await readJsonBody(ctx.req);
  } catch (err) {
    if (err instanceof BodyError) throw validationError(`Invalid input JSON: ${err.message}`);
    throw err;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    throw validationError(`Invalid input JSON on field ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Read a boolean query flag. */
export function flag(q: URLSearchParams, name: string): boolean {
  return q.get(name) === 'true';
}

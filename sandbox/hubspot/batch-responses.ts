/**
 * Shapes shared by HubSpot's CRM v3 batch endpoints: the 100-input limit, duplicate-id checks,
 * per-input errors and the 200/201 vs 207 multi-status answer.
 */
import type { ItemError, ItemFailure } from './contact-validation.ts';
import { HubSpotHttpError, errorBody, validationError } from './errors.ts';
import type { ObjectKind } from './object-types.ts';

/** HubSpot's batch endpoints take at most 100 inputs. */
export const BATCH_LIMIT = 100;

/** 400 when a batch has more than 100 inputs. */
export function checkBatchSize(n: number): void {
  if (n > BATCH_LIMIT) {
    throw validationError(
      `Too many inputs. The maximum batch size is ${BATCH_LIMIT}, but ${n} were provided.`,
      {
        context: { maxBatchSize: [String(BATCH_LIMIT)] },
      },
    );
  }
}

/** Ids (or emails) named more than once, compared case-insensitively. */
export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) {
    const k = id.toLowerCase();
    if (seen.has(k)) dup.add(id);
    seen.add(k);
  }
  return [...dup];
}

/** One input's failure inside a 207 answer. */
export function itemErrorBody(e: ItemError, context?: Record<string, string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = { status: 'error', category: e.category, message: e.message };
  const ctx = context ?? e.context;
  if (ctx) out['context'] = ctx;
  if (e.errors) out['errors'] = e.errors;
  return out;
}

/** A single-record write's failure as the whole answer. */
export function singleFailure(e: ItemFailure): HubSpotHttpError {
  const extra: Record<string, unknown> = {};
  if (e.item.errors) extra['errors'] = e.item.errors;
  if (e.item.context) extra['context'] = e.item.context;
  return new HubSpotHttpError(e.item.status, errorBody(e.item.category, e.item.message, extra));
}

/** A batch answer: `okStatus` when every input succeeded, else 207 with `numErrors` and `errors`. */
export function batchResponse(
  startedAt: string,
  results: unknown[],
  errors: Record<string, unknown>[],
  okStatus: number,
): [number, unknown] {
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt,
    completedAt: new Date().toISOString(),
  };
  if (errors.length === 0) return [okStatus, body];
  return [207, { ...body, numErrors: errors.length, errors }];
}

/** The 207 entry for ids that do not exist ("Could not get some CONTACT objects"). */
export function notFoundBatchError(kind: ObjectKind, ids: string[]): Record<string, unknown> {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${kind.label} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
  };
}

/** HubSpot refuses a batch update/upsert that names one id twice (400 VALIDATION_ERROR). */
export function checkUniqueIds(ids: string[]): void {
  const dup = duplicates(ids);
  if (dup.length > 0)
    throw validationError(`Duplicate IDs found in batch input: [${dup.join(', ')}]. IDs must be unique`);
}

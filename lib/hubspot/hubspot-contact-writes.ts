import type { Client } from '@hubspot/api-client';
import type { SyncErrorCategory } from '../errors.ts';
import type { HubSpotContact, WriteOutcome } from '../ports.ts';
import { BATCH, chunks, type HubSpotCall } from './hubspot-call.ts';
import { ADDITIONAL_EMAILS } from '../domain/identity.ts';
import { type HubSpotObjectLike, normalizeEmail } from './hubspot-contact.ts';
import { categoryOf, errorContextIds, HubSpotRequestError, hubSpotErrorMessage } from './hubspot-errors.ts';

// Contact and company batch creates and updates (companies for C2, C7): per-input outcomes from 207
// answers, and whole-batch errors narrowed down so one bad record never blocks the rest of its batch.

/** A batch error as the client deserializes it (`StandardError`). */
interface BatchErrorLike {
  category?: string;
  message?: string;
  context?: Record<string, string[]>;
  errors?: { code?: string; message?: string }[];
}

interface WriteItem {
  ref: string;
  id?: string;
  trace: string;
  properties: Record<string, string>;
}

/** The CRM objects crmsync writes in batches: contacts, and companies (C2, C7). */
export type WritableObject = 'contacts' | 'companies';

/** What the writes need from the adapter: its call, its client, and reads by email and by id (for 409s). */
export interface ContactWriteContext {
  call: HubSpotCall;
  client: Client;
  findContactsByEmail(emails: string[], properties: string[]): Promise<HubSpotContact[]>;
  readContacts(ids: string[], properties: string[]): Promise<HubSpotContact[]>;
}

/** Creates or updates contacts (or companies) in batches; one outcome per input, in input order. */
export async function writeObjects(
  ctx: ContactWriteContext,
  kind: 'create' | 'update',
  inputs: Omit<WriteItem, 'trace'>[],
  object: WritableObject = 'contacts',
): Promise<WriteOutcome[]> {
  const outcomes = new Map<string, WriteOutcome>();
  const items = inputs.map((input, i): WriteItem => ({ ...input, trace: `crmsync-${i}` }));
  for (const chunk of chunks(items, BATCH)) {
    for (const outcome of await writeChunk(ctx, kind, chunk, object)) outcomes.set(outcome.ref, outcome);
  }
  return inputs.map(
    (input) =>
      outcomes.get(input.ref) ?? {
        ref: input.ref,
        ok: false,
        category: 'other',
        message: 'no result from HubSpot for this input',
        retryable: true,
      },
  );
}

/**
 * One batch create/update. A 200/207 is mapped per input. A whole-batch 4xx (HubSpot answers some
 * invalid inputs with a 400 or 409 for the whole batch) is narrowed down: inputs the error names
 * fail, the others go again; when it names none, the batch is split in halves until the failing
 * inputs are isolated, so one bad record never blocks the rest of its batch.
 */
async function writeChunk(
  ctx: ContactWriteContext,
  kind: 'create' | 'update',
  items: WriteItem[],
  object: WritableObject = 'contacts',
): Promise<WriteOutcome[]> {
  if (items.length === 0) return [];
  const op = `${object}.batch.${kind}`;
  // Contacts and companies share the CRM objects v3 batch shapes (same generated request types).
  // Looked up at each attempt: a token renewal gives the client new API objects, and the replay
  // after a 401 must use them.
  const batchApi = () => ctx.client.crm[object].batchApi;
  let data: { results: HubSpotObjectLike[]; errors?: BatchErrorLike[] };
  try {
    data = await ctx.call(
      op,
      () =>
        kind === 'create'
          ? batchApi().createWithHttpInfo({
              inputs: items.map((i) => ({
                properties: i.properties,
                objectWriteTraceId: i.trace,
                associations: [],
              })),
            })
          : batchApi().updateWithHttpInfo({
              inputs: items.map((i) => ({
                id: i.id ?? '',
                properties: i.properties,
                objectWriteTraceId: i.trace,
              })),
            }),
      { idempotent: kind === 'update' },
    );
  } catch (error) {
    if (!(error instanceof HubSpotRequestError) || error.category === 'permission') {
      if (error instanceof HubSpotRequestError)
        return items.map((i) => failure(i, error.category, error.message, false));
      throw error;
    }
    const { category, retryable } = categoryOf(
      (error.body as { category?: unknown } | undefined)?.category,
      detailText(error.body),
      error.status,
    );
    if (items.length === 1) return [failure(items[0]!, category, error.message, retryable)];
    // Only contacts have a unique email to collide on; a company 409 is narrowed down like any other.
    if (kind === 'create' && error.status === 409 && object === 'contacts')
      return createAroundExisting(ctx, items, detailText(error.body));
    const named = namedItems(items, error.body);
    if (named.length > 0 && named.length < items.length) {
      const namedSet = new Set(named);
      const rest = items.filter((i) => !namedSet.has(i));
      return [
        ...named.map((i) => failure(i, category, error.message, retryable)),
        ...(await writeChunk(ctx, kind, rest, object)),
      ];
    }
    const half = Math.ceil(items.length / 2);
    return [
      ...(await writeChunk(ctx, kind, items.slice(0, half), object)),
      ...(await writeChunk(ctx, kind, items.slice(half), object)),
    ];
  }
  return mapBatchResult(kind, items, data.results, data.errors ?? []);
}

/**
 * HubSpot answers a batch create with 409 for the whole batch when one email already exists
 * ("Contact already exists. Existing ID: 123", naming no input). One read by email finds the
 * inputs that collide; they fail as duplicates and the rest is created, instead of bisecting. An
 * email a merge left on another contact (`hs_additional_emails`) is not found by email: the contact
 * the message names is read for it (docs/design.md#merged-away-email).
 */
async function createAroundExisting(
  ctx: ContactWriteContext,
  items: WriteItem[],
  message: string,
): Promise<WriteOutcome[]> {
  const emailOf = (i: WriteItem) => normalizeEmail(i.properties['email'] ?? '');
  const existing = new Map<string, string>();
  for (const c of await ctx.findContactsByEmail(items.map(emailOf).filter(Boolean), ['email'])) {
    const email = c.properties['email'];
    if (email) existing.set(normalizeEmail(email), c.id);
  }
  const named = /Existing ID: (\d+)/.exec(message)?.[1];
  if (named !== undefined && !items.some((i) => existing.has(emailOf(i)))) {
    for (const c of await ctx.readContacts([named], ['email', ADDITIONAL_EMAILS]))
      for (const extra of (c.properties[ADDITIONAL_EMAILS] ?? '').split(';'))
        if (extra.trim()) existing.set(normalizeEmail(extra), c.id);
  }
  const taken = items.filter((i) => existing.has(emailOf(i)));
  if (taken.length === 0) {
    const half = Math.ceil(items.length / 2);
    return [
      ...(await writeChunk(ctx, 'create', items.slice(0, half))),
      ...(await writeChunk(ctx, 'create', items.slice(half))),
    ];
  }
  const takenSet = new Set(taken);
  const outcomes = taken.map((i) =>
    failure(
      i,
      'duplicate',
      `a HubSpot contact with this email already exists (id ${existing.get(emailOf(i))})`,
      false,
    ),
  );
  return [
    ...outcomes,
    ...(await writeChunk(
      ctx,
      'create',
      items.filter((i) => !takenSet.has(i)),
    )),
  ];
}

function failure(
  item: WriteItem,
  category: SyncErrorCategory,
  message: string,
  retryable: boolean,
): WriteOutcome {
  return { ref: item.ref, ok: false, category, message, retryable };
}

/** The message of a batch error plus its nested error codes (`INVALID_OPTION`, `PROPERTY_DOESNT_EXIST`). */
function detailText(error: unknown): string {
  const parts = [hubSpotErrorMessage(error)];
  const nested = typeof error === 'object' && error !== null ? (error as BatchErrorLike).errors : undefined;
  if (Array.isArray(nested)) for (const e of nested) parts.push(e.code ?? '', e.message ?? '');
  return parts.join(' ');
}

/** Inputs a batch error names by trace id or record id. */
function namedItems(items: WriteItem[], error: unknown): WriteItem[] {
  const { traceIds, ids } = errorContextIds(error);
  const traces = new Set(traceIds);
  const idSet = new Set(ids);
  return items.filter((i) => traces.has(i.trace) || (i.id !== undefined && idSet.has(i.id)));
}

/** Maps a 200/207 batch answer back to its inputs. */
function mapBatchResult(
  kind: 'create' | 'update',
  items: WriteItem[],
  results: HubSpotObjectLike[],
  errors: BatchErrorLike[],
): WriteOutcome[] {
  const outcomes = new Map<WriteItem, WriteOutcome>();
  const byTrace = new Map(items.map((i) => [i.trace, i]));
  const byId = new Map(items.filter((i) => i.id !== undefined).map((i) => [i.id!, i]));
  const byEmail = new Map<string, WriteItem>();
  for (const i of items) {
    const email = i.properties['email'];
    if (email) byEmail.set(normalizeEmail(email), i);
  }
  const unmatchedResults: HubSpotObjectLike[] = [];
  for (const result of results) {
    // HubSpot does not promise result order: match by our trace id, else by id (update) or email (create).
    const email = result.properties?.['email'];
    const item =
      (result.objectWriteTraceId ? byTrace.get(result.objectWriteTraceId) : undefined) ??
      (kind === 'update' ? byId.get(result.id) : undefined) ??
      (email ? byEmail.get(normalizeEmail(email)) : undefined);
    if (item && !outcomes.has(item)) outcomes.set(item, { ref: item.ref, ok: true, id: result.id });
    else unmatchedResults.push(result);
  }
  const unattributedErrors: BatchErrorLike[] = [];
  for (const error of errors) {
    const named = namedItems(items, error).filter((i) => !outcomes.has(i));
    const { category, retryable } = categoryOf(error.category, detailText(error));
    const message = error.message ?? 'HubSpot reported an error for this input';
    if (named.length === 0) unattributedErrors.push(error);
    for (const item of named) outcomes.set(item, { ref: item.ref, ok: false, category, message, retryable });
  }
  const left = items.filter((i) => !outcomes.has(i));
  // Last resort for answers without trace ids: one input left and one result or one error left.
  if (left.length === 1 && unmatchedResults.length === 1 && unattributedErrors.length === 0) {
    outcomes.set(left[0]!, { ref: left[0]!.ref, ok: true, id: unmatchedResults[0]!.id });
  } else if (left.length === 1 && unattributedErrors.length === 1 && unmatchedResults.length === 0) {
    const error = unattributedErrors[0]!;
    const { category, retryable } = categoryOf(error.category, detailText(error));
    outcomes.set(left[0]!, {
      ref: left[0]!.ref,
      ok: false,
      category,
      message: error.message ?? '',
      retryable,
    });
  }
  return items.map(
    (i) =>
      outcomes.get(i) ?? {
        ref: i.ref,
        ok: false,
        category: 'other',
        message:
          unattributedErrors.length > 0
            ? `HubSpot reported errors it did not tie to an input: ${unattributedErrors.map((e) => e.message).join('; ')}`
            : 'no result from HubSpot for this input',
        retryable: true,
      },
  );
}

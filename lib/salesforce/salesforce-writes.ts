import { RetryableError } from '../errors.ts';
import type { SalesforceObject } from '../domain/notice.ts';
import type { FieldValues, WriteOutcome } from '../ports.ts';
import { salesforceCategory } from './salesforce-errors.ts';
import { type SaveResult, saveResultsSchema } from './salesforce-records.ts';
import { chunks, type SalesforceRequest } from './salesforce-request.ts';
import { apiName, isSalesforceId } from './salesforce-soql.ts';

/** The objects crmsync writes: Leads and Contacts (contacts), Accounts (companies, C4 and C7). */
export type WritableObject = SalesforceObject | 'Account';

/** sObject Collections take at most 200 records per call (REST API "sObject Collections"). */
const COLLECTION = 200;

/**
 * Salesforce writes as sObject Collections of 200 with `allOrNone: false` and
 * `Sforce-Call-Options: client=<clientName>` (so CDC echoes can be recognized), each result mapped
 * back to its input.
 */
export class SalesforceWrites {
  readonly #request: SalesforceRequest;
  readonly #clientName: string;

  constructor(request: SalesforceRequest, clientName: string) {
    this.#request = request;
    this.#clientName = clientName;
  }

  #writeHeaders(): Record<string, string> {
    return { 'content-type': 'application/json', 'Sforce-Call-Options': `client=${this.#clientName}` };
  }

  async createRecords(
    objectType: WritableObject,
    inputs: { ref: string; fields: FieldValues }[],
  ): Promise<WriteOutcome[]> {
    apiName(objectType);
    const out: WriteOutcome[] = [];
    for (const chunk of chunks(inputs, COLLECTION)) {
      const records = chunk.map((input) => ({
        attributes: { type: objectType },
        ...writableFields(input.fields),
      }));
      // Not idempotent: after a timeout the records may exist; the caller's retry matches by email first.
      const body = await this.#request(
        'collections.create',
        {
          method: 'POST',
          url: '/composite/sobjects',
          body: JSON.stringify({ allOrNone: false, records }),
          headers: this.#writeHeaders(),
        },
        undefined,
        { idempotent: false },
      );
      out.push(...mapSaveResults(chunk, body));
    }
    return out;
  }

  async updateRecords(
    objectType: WritableObject,
    inputs: { ref: string; id: string; fields: FieldValues }[],
  ): Promise<WriteOutcome[]> {
    apiName(objectType);
    const out: WriteOutcome[] = [];
    const valid = inputs.filter((i) => isSalesforceId(i.id));
    for (const input of inputs) {
      if (!isSalesforceId(input.id)) {
        out.push({
          ref: input.ref,
          ok: false,
          category: 'validation',
          message: `not a Salesforce id: ${input.id}`,
          retryable: false,
        });
      }
    }
    for (const chunk of chunks(valid, COLLECTION)) {
      const records = chunk.map((input) => ({
        attributes: { type: objectType },
        ...writableFields(input.fields),
        Id: input.id,
      }));
      const body = await this.#request('collections.update', {
        method: 'PATCH',
        url: '/composite/sobjects',
        body: JSON.stringify({ allOrNone: false, records }),
        headers: this.#writeHeaders(),
      });
      out.push(...mapSaveResults(chunk, body, (input) => input.id));
    }
    const byRef = new Map(out.map((o) => [o.ref, o]));
    return inputs.map((i) => byRef.get(i.ref)!);
  }

  async deleteRecords(ids: string[]): Promise<void> {
    const wanted = [...new Set(ids.filter(isSalesforceId))];
    for (const chunk of chunks(wanted, COLLECTION)) {
      const body = await this.#request('collections.delete', {
        method: 'DELETE',
        url: `/composite/sobjects?ids=${chunk.join(',')}&allOrNone=false`,
        headers: { 'Sforce-Call-Options': `client=${this.#clientName}` },
      });
      const results = saveResultsSchema.safeParse(body);
      if (!results.success) continue;
      // Already deleted or never there is what a delete wants; anything else is worth a retry.
      const failed = results.data.filter(
        (r) =>
          !r.success &&
          !r.errors.some((e) =>
            ['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'NOT_FOUND'].includes(codeOf(e)),
          ),
      );
      if (failed.length > 0) {
        throw new RetryableError(
          `Salesforce delete failed for ${failed.length} record(s): ${failed[0]?.errors[0]?.message ?? ''}`,
          'server',
        );
      }
    }
  }
}

/** The fields of a write, minus what the Collections body reserves (`attributes`, `Id`), names checked. */
function writableFields(fields: FieldValues): FieldValues {
  const out: FieldValues = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'attributes' || name.toLowerCase() === 'id') continue;
    out[apiName(name)] = value;
  }
  return out;
}

function codeOf(error: SaveResult['errors'][number]): string {
  return error.statusCode ?? error.errorCode ?? 'UNKNOWN';
}

/** Maps a Collections answer (same order as the input, per the docs) back to the inputs' refs. */
function mapSaveResults<I extends { ref: string }>(
  inputs: I[],
  body: unknown,
  idOf?: (input: I) => string,
): WriteOutcome[] {
  const parsed = saveResultsSchema.safeParse(body);
  if (!parsed.success) {
    return inputs.map((i) => ({
      ref: i.ref,
      ok: false,
      category: 'other',
      message: 'Salesforce answered the collection call with an unexpected body',
      retryable: true,
    }));
  }
  return inputs.map((input, n): WriteOutcome => {
    const result = parsed.data[n];
    if (!result) {
      return {
        ref: input.ref,
        ok: false,
        category: 'other',
        message: 'no result from Salesforce for this input',
        retryable: true,
      };
    }
    if (result.success) {
      const id = result.id ?? idOf?.(input);
      if (id) return { ref: input.ref, ok: true, id };
    }
    const first = result.errors[0];
    const code = first ? codeOf(first) : 'UNKNOWN';
    const { category, retryable } = salesforceCategory(code);
    const fields = first?.fields?.length ? ` [${first.fields.join(', ')}]` : '';
    return {
      ref: input.ref,
      ok: false,
      category,
      message: `${code}: ${first?.message ?? 'failed'}${fields}`,
      retryable,
    };
  });
}

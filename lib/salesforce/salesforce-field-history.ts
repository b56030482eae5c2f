/**
 * Field History reads (`ContactHistory` / `LeadHistory`) for a late first link or an unclear set-back:
 * which field a user changed after crmsync's intent or the other side's change, when the record only
 * says that it was modified (docs/design.md#late-first-link, docs/design.md#set-back). Salesforce writes a row per change of a field whose Field History
 * Tracking is on, in the same transaction as the change; untracked fields have no rows.
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contacthistory.htm
 */
import { z } from 'zod';
import type { SalesforceFieldChange } from '../domain/entities.ts';
import type { SalesforceObject } from '../domain/notice.ts';
import type { SalesforceQueries } from './salesforce-queries.ts';
import { isSalesforceId, soqlDateTime } from './salesforce-soql.ts';

const historyRowSchema = z.looseObject({
  Field: z.string(),
  CreatedById: z.string(),
  CreatedDate: z.string(),
});

/**
 * The history rows of these records created at or after `sinceMs` (SOQL `<Object>Id IN (...) AND
 * CreatedDate >= since`, seconds precision, so the intent's own second is included). A user without
 * access to the history object gets `INVALID_TYPE`: answered as no rows, the documented fallback.
 */
export async function readFieldHistory(
  queries: SalesforceQueries,
  objectType: SalesforceObject,
  ids: string[],
  sinceMs: number,
): Promise<SalesforceFieldChange[]> {
  const wanted = [...new Set(ids.filter(isSalesforceId))];
  if (wanted.length === 0) return [];
  const parent = `${objectType}Id`;
  const planned = queries.planIn(
    `${objectType}History`,
    ['Id', parent, 'Field', 'CreatedById', 'CreatedDate'],
    parent,
    wanted,
    `CreatedDate >= ${soqlDateTime(sinceMs)}`,
    false,
  );
  try {
    const results = await queries.queries('soql.query', planned);
    return results.flat().map((r) => {
      const row = historyRowSchema.parse(r);
      const recordId = String((r as Record<string, unknown>)[parent]);
      return { recordId, field: row.Field, at: Date.parse(row.CreatedDate), byId: row.CreatedById };
    });
  } catch (error) {
    if ((error as { errorCode?: unknown }).errorCode === 'INVALID_TYPE') return [];
    throw error;
  }
}

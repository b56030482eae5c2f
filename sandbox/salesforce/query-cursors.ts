/**
 * Server-side query cursors behind `nextRecordsUrl`: a query's result is kept and served in
 * pages (`/query/<locator>-<offset>`). A user can have 10 cursors open; opening an 11th
 * releases the oldest. Any page of an open cursor can be fetched again (a retried request
 * gets its page); the last page closes the cursor.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_query.htm
 */
import { SalesforceApiError } from './errors.ts';

/** Open cursors per user. */
export const MAX_OPEN_CURSORS = 10;

interface Cursor {
  records: Record<string, unknown>[];
  pageSize: number;
  owner: string;
}

/** One page of a query result; `locator` (`<id>-<offset>`) is set while more pages remain. */
export interface QueryPage {
  totalSize: number;
  done: boolean;
  records: Record<string, unknown>[];
  locator?: string;
}

/** The cursors of one org. */
export class QueryCursors {
  readonly #cursors = new Map<string, Cursor>();
  #seq = 0;

  /** Start a result: the first page, and a cursor when there is more. */
  open(records: Record<string, unknown>[], pageSize: number, owner: string): QueryPage {
    return this.#page(undefined, { records, pageSize, owner }, 0);
  }

  /** The page a `nextRecordsUrl` locator points at. */
  more(locator: string): QueryPage {
    const [id, offsetText] = locator.split('-');
    const cursor = id ? this.#cursors.get(id) : undefined;
    const offset = Number(offsetText);
    if (!id || !cursor || !Number.isInteger(offset) || offset < 0 || offset >= cursor.records.length) {
      throw new SalesforceApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return this.#page(id, cursor, offset);
  }

  /** Close every cursor. */
  reset(): void {
    this.#cursors.clear();
  }

  #page(existing: string | undefined, cursor: Cursor, offset: number): QueryPage {
    const records = cursor.records.slice(offset, offset + cursor.pageSize);
    const next = offset + records.length;
    const done = next >= cursor.records.length;
    const page: QueryPage = { totalSize: cursor.records.length, done, records };
    if (!done) {
      let id = existing;
      if (!id) {
        this.#evictOldest(cursor.owner);
        id = `01gSB${String(++this.#seq).padStart(10, '0')}AAA`;
        this.#cursors.set(id, cursor);
      }
      page.locator = `${id}-${next}`;
    } else if (existing) this.#cursors.delete(existing);
    return page;
  }

  #evictOldest(owner: string): void {
    const mine = [...this.#cursors.entries()].filter(([, c]) => c.owner === owner);
    if (mine.length < MAX_OPEN_CURSORS) return;
    const oldest = mine[0];
    if (oldest) this.#cursors.delete(oldest[0]);
  }
}

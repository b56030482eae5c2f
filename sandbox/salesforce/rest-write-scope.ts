/**
 * Where a REST write runs: in its own transaction, or inside the one transaction of an enclosing
 * Composite request with allOrNone: true.
 */
import { SalesforceApiError } from './errors.ts';
import type { OrgStore, Transaction, WriteOrigin } from './store.ts';

/** One collection item's answer as the platform prints it, and whether it succeeded. */
export type CollectionResult = { result: Record<string, unknown>; ok: boolean };

/** The transaction scope of REST writes; a Composite request opens and closes the outer one. */
export class WriteScope {
  /** The transaction of a Composite request with allOrNone: true, while it runs. */
  outer: Transaction | undefined;
  /** Set when a collection inside the outer transaction failed (the Composite then rolls back). */
  outerFailed = false;

  constructor(readonly store: OrgStore) {}

  /**
   * Run a write in its own transaction, or inside the enclosing Composite transaction
   * (allOrNone: true) when there is one.
   */
  withTxn<T>(origin: WriteOrigin, fn: (t: Transaction) => T): T {
    const outer = this.outer;
    const txn = outer ?? this.store.begin(origin);
    const sp = this.store.savepoint(txn);
    try {
      const out = fn(txn);
      if (!outer) this.store.commit(txn);
      return out;
    } catch (err) {
      this.store.rollbackTo(txn, sp);
      throw err;
    }
  }

  /**
   * Run a collection: each record in order, in one transaction. With allOrNone, the first
   * failure rolls everything back and the other records report ALL_OR_NONE_OPERATION_ROLLED_BACK
   * (records after the failure are still validated, as the platform does).
   */
  runCollection(
    origin: WriteOrigin,
    allOrNone: boolean,
    items: unknown[],
    op: (t: Transaction, item: unknown) => string | { id: string; created: boolean },
  ): CollectionResult[] {
    const outer = this.outer;
    // A Composite with allOrNone: true makes every collection inside it all-or-none.
    const atomic = allOrNone || outer !== undefined;
    const txn = outer ?? this.store.begin(origin);
    const start = this.store.savepoint(txn);
    const results: CollectionResult[] = [];
    for (const item of items) {
      const sp = this.store.savepoint(txn);
      try {
        const out = op(txn, item);
        const id = typeof out === 'string' ? out : out.id;
        results.push({
          ok: true,
          result:
            typeof out === 'string'
              ? { id, success: true, errors: [] }
              : { id, success: true, errors: [], created: out.created },
        });
      } catch (err) {
        if (!(err instanceof SalesforceApiError)) throw err;
        // Undo this record's partial work only.
        this.store.rollbackTo(txn, sp);
        results.push({ ok: false, result: { success: false, errors: [err.toSaveError()] } });
      }
    }
    if (atomic && results.some((x) => !x.ok)) {
      this.store.rollbackTo(txn, start);
      if (outer) this.outerFailed = true;
      return results.map((x) =>
        x.ok
          ? {
              ok: false,
              result: {
                success: false,
                errors: [
                  {
                    statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                    message:
                      'Record rolled back because not all records were valid and the request was using AllOrNone header',
                    fields: [],
                  },
                ],
              },
            }
          : x,
      );
    }
    if (!outer) this.store.commit(txn);
    return results;
  }
}

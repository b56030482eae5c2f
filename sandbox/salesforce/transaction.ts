/**
 * What the sandbox org's store records and hands on: stored records, who wrote them, the
 * record-level changes of a transaction, and the transaction itself (its undo log).
 */

/** A stored record: every field of its object, null when empty. */
export interface SfRecord {
  type: string;
  fields: Record<string, unknown>;
}

/** Who made a change: an API client (REST, with its Sforce-Call-Options client) or a UI user. */
export interface WriteOrigin {
  kind: 'api' | 'ui';
  apiVersion?: string;
  client?: string;
  userId: string;
}

/** One record-level change inside a transaction. */
export interface RecordChange {
  entityName: string;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';
  recordId: string;
  /** Fields whose value changed (CREATE/UNDELETE: every non-null writable field). */
  changedFields: string[];
  /** Fields set to null by an UPDATE. */
  nulledFields: string[];
  /** The record after the change (before it, for DELETE). */
  record: Record<string, unknown>;
}

/** A committed transaction. */
export interface CommittedTransaction {
  origin: WriteOrigin;
  commitTimestamp: number;
  changes: RecordChange[];
}

type Undo = () => void;

/** A unit of work: changes are applied at once, undone on rollback, published on commit. */
export class Transaction {
  readonly changes: RecordChange[] = [];
  readonly undo: Undo[] = [];
  constructor(
    readonly origin: WriteOrigin,
    readonly timestamp: number,
  ) {}
}

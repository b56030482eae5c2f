/**
 * The in-memory org: records of Lead, Contact and Account (plus the Users and queues that own
 * them), with the platform's write semantics (defaults, required fields, restricted picklists,
 * validated references, duplicate rule on email, recycle bin, lead conversion, merge) and an
 * undo log so a collection call with `allOrNone: true` can roll back. Every committed transaction is handed to listeners
 * (outbound messages, CDC).
 */
import { convertLead, mergeRecords } from './conversion-merge.ts';
import { type HistoryChange, type TrackedFields, historyRows } from './field-history.ts';
import { SalesforceApiError, entityIsDeleted, malformedId, notFound, unsupportedType } from './errors.ts';
import { IdFactory, KEY_PREFIX, isWellFormedId, to18 } from './ids.ts';
import { ACCOUNT, LEAD, type ObjectDef } from './schema.ts';
import {
  type CommittedTransaction,
  type RecordChange,
  type SfRecord,
  Transaction,
  type WriteOrigin,
} from './transaction.ts';
import {
  DATA_LOAD_USER_ID,
  INTEGRATION_USER_ID,
  type QueueInput,
  UI_USER_ID,
  type UserInput,
  groupRecord,
  systemUsers,
  userRecord,
} from './users.ts';
import { sfDateTime } from './values.ts';
import {
  checkRefs,
  checkRequired,
  coerceInput,
  duplicatesDetected,
  fullName,
  refuseConvertedStatus,
  writable,
  writableNonNull,
} from './write-checks.ts';

// The record and transaction types moved to transaction.ts; re-exported for the store's importers.
export { type CommittedTransaction, type RecordChange, type SfRecord, Transaction, type WriteOrigin };

// The system users moved to users.ts (they are User records); re-exported for the store's importers.
export { DATA_LOAD_USER_ID, INTEGRATION_USER_ID, UI_USER_ID };

/** What a restart needs to find the org as it was. */
export interface OrgSnapshot {
  records: Map<string, SfRecord>;
  nextId: number;
  lastTs: number;
}

/** Options of the store. */
export interface OrgStoreOptions {
  now: () => number;
  duplicateRuleOnEmail: boolean;
  /** Field History Tracking per object (field-history.ts); nothing tracked when absent. */
  trackedFields?: TrackedFields;
}

/** The org's data. */
export class OrgStore {
  readonly #records = new Map<string, SfRecord>();
  readonly #ids = new IdFactory();
  readonly #listeners: ((t: CommittedTransaction) => void)[] = [];
  #lastTs = 0;

  constructor(readonly options: OrgStoreOptions) {
    this.#seedSystemUsers();
  }

  #seedSystemUsers(): void {
    // A data file saved before users existed gets them on load.
    for (const rec of systemUsers(sfDateTime(this.options.now()))) {
      const id = String(rec.fields.Id);
      if (!this.#records.has(id)) this.#records.set(id, rec);
    }
  }

  /** Add a User (as an admin does in Setup); no change events. Returns its id. */
  addUser(input: UserInput): string {
    const id = this.#ids.next(KEY_PREFIX.User);
    this.#records.set(id, userRecord(id, input, sfDateTime(this.options.now()), UI_USER_ID));
    return id;
  }

  /** Activate or deactivate a User. */
  setUserActive(id: string, active: boolean): void {
    const rec = this.get(id);
    if (rec?.type !== 'User') throw notFound(`No User ${id}`);
    const at = sfDateTime(this.options.now());
    rec.fields = { ...rec.fields, IsActive: active, LastModifiedDate: at, SystemModstamp: at };
  }

  /** Add a queue (a Group of Type 'Queue') that may own Leads. Returns its id. */
  addQueue(input: QueueInput): string {
    const id = this.#ids.next(KEY_PREFIX.Group);
    this.#records.set(id, groupRecord(id, input, sfDateTime(this.options.now()), UI_USER_ID));
    return id;
  }

  /** Subscribe to committed transactions. */
  onCommit(fn: (t: CommittedTransaction) => void): void {
    this.#listeners.push(fn);
  }

  /** Drop every record and restart id numbering. */
  reset(): void {
    this.#records.clear();
    this.#ids.reset();
    this.#seedSystemUsers();
  }

  /** The org's data as a restart needs it (records, the id counter, the last commit time). */
  snapshot(): OrgSnapshot {
    return { records: this.#records, nextId: this.#ids.counter, lastTs: this.#lastTs };
  }

  /** Puts saved data back (a restart on saved data; nothing is published). */
  load(saved: OrgSnapshot): void {
    this.#records.clear();
    for (const [id, rec] of saved.records) this.#records.set(id, rec);
    this.#ids.counter = saved.nextId;
    this.#lastTs = saved.lastTs;
    this.#seedSystemUsers();
  }

  /** Start a transaction; timestamps never go backwards within the org. */
  begin(origin: WriteOrigin): Transaction {
    const t = Math.max(this.options.now(), this.#lastTs);
    this.#lastTs = t;
    return new Transaction(origin, t);
  }

  /** Publish a transaction's changes. */
  commit(txn: Transaction): void {
    if (txn.changes.length === 0) return;
    const committed: CommittedTransaction = {
      origin: txn.origin,
      commitTimestamp: txn.timestamp,
      changes: txn.changes,
    };
    for (const fn of this.#listeners) fn(committed);
  }

  /** Undo a transaction's applied changes, newest first. */
  rollback(txn: Transaction): void {
    for (let i = txn.undo.length - 1; i >= 0; i--) txn.undo[i]?.();
    txn.undo.length = 0;
    txn.changes.length = 0;
  }

  /** A savepoint inside a transaction. */
  savepoint(txn: Transaction): { undo: number; changes: number } {
    return { undo: txn.undo.length, changes: txn.changes.length };
  }

  /** Undo a transaction's work back to a savepoint (one record of a collection, one composite subrequest). */
  rollbackTo(txn: Transaction, sp: { undo: number; changes: number }): void {
    for (let i = txn.undo.length - 1; i >= sp.undo; i--) txn.undo[i]?.();
    txn.undo.length = sp.undo;
    txn.changes.length = sp.changes;
  }

  /** A record by id (15 or 18 chars), deleted ones included. */
  get(id: string): SfRecord | undefined {
    if (!isWellFormedId(id)) return undefined;
    return this.#records.get(to18(id));
  }

  /** All records of a type (deleted included; callers filter on IsDeleted). */
  *all(type: string): IterableIterator<SfRecord> {
    for (const r of this.#records.values()) if (r.type === type) yield r;
  }

  /** Count of live records per type. */
  count(type: string): number {
    let n = 0;
    for (const r of this.all(type)) if (r.fields.IsDeleted !== true) n++;
    return n;
  }

  /** Resolve an id for a write on `obj`, with the platform's errors (also used by conversion and merge). */
  live(obj: ObjectDef, id: string): SfRecord {
    if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) throw malformedId(obj.label, id);
    const rec = this.#records.get(to18(id));
    if (!rec) throw notFound('The requested resource does not exist');
    if (rec.fields.IsDeleted === true) throw entityIsDeleted();
    return rec;
  }

  #duplicateCheck(obj: ObjectDef, email: unknown, selfId?: string): void {
    if (!this.options.duplicateRuleOnEmail || typeof email !== 'string') return;
    if (obj.name !== 'Lead' && obj.name !== 'Contact') return;
    const lower = email.toLowerCase();
    for (const r of this.all(obj.name)) {
      if (r.fields.IsDeleted === true || r.fields.Id === selfId) continue;
      if (typeof r.fields.Email === 'string' && r.fields.Email.toLowerCase() === lower) {
        const id = String(r.fields.Id);
        // Standard duplicate rules block with this alert text; the REST body carries duplicateResult.
        throw duplicatesDetected(obj, id);
      }
    }
  }

  #put(txn: Transaction, id: string, rec: SfRecord | undefined): void {
    const before = this.#records.get(id);
    const snapshot = before ? { type: before.type, fields: { ...before.fields } } : undefined;
    txn.undo.push(() => {
      if (snapshot) this.#records.set(id, snapshot);
      else this.#records.delete(id);
    });
    if (rec) this.#records.set(id, rec);
  }

  // History rows go in the write's own transaction: a rolled-back write leaves none, as in Salesforce.
  #history(txn: Transaction, change: Omit<HistoryChange, 'at' | 'userId'>): void {
    const by = { at: sfDateTime(txn.timestamp), userId: txn.origin.userId };
    for (const row of historyRows(this.options.trackedFields, { ...change, ...by })) {
      const id = this.#ids.next(KEY_PREFIX.FieldHistory);
      this.#put(txn, id, { type: row.type, fields: { Id: id, ...row.fields } });
    }
  }

  /** Create a record; returns its 18-char id. */
  create(txn: Transaction, typeName: string, input: Record<string, unknown>): string {
    const obj = writable(typeName);
    const values = coerceInput(obj, input, 'create');
    for (const d of obj.fields) {
      if (values[d.name] === undefined && d.defaultValue !== undefined && d.createable) {
        values[d.name] = d.defaultValue === 'false' ? false : d.defaultValue;
      }
    }
    checkRequired(obj, values, false);
    refuseConvertedStatus(values);
    checkRefs(obj, values, (id) => this.get(id));
    this.#duplicateCheck(obj, values.Email);
    const id = this.#ids.next(obj.keyPrefix);
    const ts = sfDateTime(txn.timestamp);
    const fields: Record<string, unknown> = {};
    for (const d of obj.fields) fields[d.name] = null;
    Object.assign(fields, values, {
      Id: id,
      IsDeleted: false,
      OwnerId: values.OwnerId ?? txn.origin.userId,
      CreatedDate: ts,
      CreatedById: txn.origin.userId,
      LastModifiedDate: ts,
      LastModifiedById: txn.origin.userId,
      SystemModstamp: ts,
    });
    if (obj === LEAD) fields.IsConverted = false;
    if ('Name' in fields && obj !== ACCOUNT) fields.Name = fullName(fields);
    const rec: SfRecord = { type: obj.name, fields };
    this.#put(txn, id, rec);
    this.#history(txn, { objectName: obj.name, recordId: id, before: undefined, after: fields, changed: [] });
    txn.changes.push({
      entityName: obj.name,
      changeType: 'CREATE',
      recordId: id,
      changedFields: writableNonNull(obj, fields),
      nulledFields: [],
      record: { ...fields },
    });
    return id;
  }

  /** Update a record. */
  update(txn: Transaction, typeName: string, id: string, input: Record<string, unknown>): void {
    const obj = writable(typeName);
    const rec = this.live(obj, id);
    if (obj === LEAD && rec.fields.IsConverted === true) {
      throw new SalesforceApiError(
        400,
        'CANNOT_UPDATE_CONVERTED_LEAD',
        'cannot reference converted lead',
        [],
      );
    }
    const values = coerceInput(obj, input, 'update');
    checkRequired(obj, values, true);
    refuseConvertedStatus(values);
    checkRefs(obj, values, (id) => this.get(id));
    if ('Email' in values && values.Email !== rec.fields.Email)
      this.#duplicateCheck(obj, values.Email, String(rec.fields.Id));
    this.applyUpdate(txn, obj, rec, values);
  }

  /** Apply already checked values to a live record (also used by conversion and merge). */
  applyUpdate(txn: Transaction, obj: ObjectDef, rec: SfRecord, values: Record<string, unknown>): void {
    const id = String(rec.fields.Id);
    const next: Record<string, unknown> = { ...rec.fields };
    const changed: string[] = [];
    const nulled: string[] = [];
    for (const [k, v] of Object.entries(values)) {
      if (next[k] === v) continue;
      next[k] = v;
      changed.push(k);
      if (v === null) nulled.push(k);
    }
    if (obj !== ACCOUNT && (changed.includes('FirstName') || changed.includes('LastName')))
      next.Name = fullName(next);
    const ts = sfDateTime(txn.timestamp);
    next.LastModifiedDate = ts;
    next.LastModifiedById = txn.origin.userId;
    next.SystemModstamp = ts;
    this.#put(txn, id, { type: rec.type, fields: next });
    this.#history(txn, { objectName: obj.name, recordId: id, before: rec.fields, after: next, changed });
    txn.changes.push({
      entityName: obj.name,
      changeType: 'UPDATE',
      recordId: id,
      changedFields: [...changed, 'LastModifiedDate'],
      nulledFields: nulled,
      record: { ...next },
    });
  }

  /** Move a record to the recycle bin (IsDeleted = true; still visible to queryAll). */
  delete(txn: Transaction, typeName: string, id: string, masterRecordId?: string): void {
    const obj = writable(typeName);
    const rec = this.live(obj, id);
    const ts = sfDateTime(txn.timestamp);
    const next: Record<string, unknown> = {
      ...rec.fields,
      IsDeleted: true,
      SystemModstamp: ts,
      LastModifiedDate: ts,
      LastModifiedById: txn.origin.userId,
    };
    if (masterRecordId) next.MasterRecordId = masterRecordId;
    this.#put(txn, String(rec.fields.Id), { type: rec.type, fields: next });
    txn.changes.push({
      entityName: obj.name,
      changeType: 'DELETE',
      recordId: String(rec.fields.Id),
      changedFields: [],
      nulledFields: [],
      record: { ...next },
    });
  }

  /** Restore a record from the recycle bin. */
  undelete(txn: Transaction, typeName: string, id: string): void {
    const obj = writable(typeName);
    if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) throw malformedId(obj.label, id);
    const rec = this.#records.get(to18(id));
    if (!rec) throw notFound();
    if (rec.fields.IsDeleted !== true) {
      throw new SalesforceApiError(400, 'UNDELETE_FAILED', 'Entity is not in the recycle bin', []);
    }
    const ts = sfDateTime(txn.timestamp);
    const next = {
      ...rec.fields,
      IsDeleted: false,
      MasterRecordId: null,
      SystemModstamp: ts,
      LastModifiedDate: ts,
    };
    this.#put(txn, String(rec.fields.Id), { type: rec.type, fields: next });
    txn.changes.push({
      entityName: obj.name,
      changeType: 'UNDELETE',
      recordId: String(rec.fields.Id),
      changedFields: writableNonNull(obj, next),
      nulledFields: [],
      record: { ...next },
    });
  }

  /** Convert a lead (see `convertLead` in conversion-merge.ts). */
  convertLead(
    txn: Transaction,
    leadId: string,
    contactId?: string,
  ): { contactId: string; accountId: string } {
    return convertLead(this, txn, leadId, contactId);
  }

  /** Merge one or two records into a master (see `mergeRecords` in conversion-merge.ts). */
  merge(txn: Transaction, typeName: string, masterId: string, loserIds: string[]): void {
    mergeRecords(this, txn, typeName, masterId, loserIds);
  }

  /** Ids for fake data (seed). */
  nextId(prefix: string): string {
    return this.#ids.next(prefix);
  }
}

export { KEY_PREFIX, unsupportedType };

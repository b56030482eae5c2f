/**
 * The in-memory org: records of Lead, Contact and Account, with the platform's write
 * semantics (defaults, required fields, restricted picklists, duplicate rule on email,
 * recycle bin, lead conversion, merge) and an undo log so a collection call with
 * `allOrNone: true` can roll back. Every committed transaction is handed to listeners
 * (outbound messages, CDC).
 */
import { SalesforceApiError, entityIsDeleted, malformedId, notFound } from './errors.ts';
import { IdFactory, KEY_PREFIX, isWellFormedId, to18 } from './ids.ts';
import { ACCOUNT, CONTACT, LEAD, type ObjectDef, findObject } from './schema.ts';
import { coerceValue, noSuchField, notWritable, requiredMissing, sfDateTime } from './values.ts';

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

/**
 * Default users: the integration user crmsync authenticates as (every API token), a human UI user,
 * and the user a data load runs as (the silent seed): a real import is made by an admin, never by
 * crmsync's integration user, so its records do not look like crmsync's (`CreatedById`).
 */
export const INTEGRATION_USER_ID = '005SB0000000001AAA';
export const UI_USER_ID = '005SB0000000002AAA';
export const DATA_LOAD_USER_ID = '005SB0000000003AAA';

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
}

/** The org's data. */
export class OrgStore {
  readonly #records = new Map<string, SfRecord>();
  readonly #ids = new IdFactory();
  readonly #listeners: ((t: CommittedTransaction) => void)[] = [];
  #lastTs = 0;

  constructor(readonly options: OrgStoreOptions) {}

  /** Subscribe to committed transactions. */
  onCommit(fn: (t: CommittedTransaction) => void): void {
    this.#listeners.push(fn);
  }

  /** Drop every record and restart id numbering. */
  reset(): void {
    this.#records.clear();
    this.#ids.reset();
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

  /** Resolve an id for a write on `obj`, with the platform's errors. */
  #live(obj: ObjectDef, id: string): SfRecord {
    if (!isWellFormedId(id) || id.slice(0, 3) !== obj.keyPrefix) throw malformedId(obj.label, id);
    const rec = this.#records.get(to18(id));
    if (!rec) throw notFound('The requested resource does not exist');
    if (rec.fields.IsDeleted === true) throw entityIsDeleted();
    return rec;
  }

  /** Check and convert an input body; throws the first error Salesforce would report. */
  #coerce(
    obj: ObjectDef,
    input: Record<string, unknown>,
    mode: 'create' | 'update',
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes' || (key === 'Id' && mode === 'update')) continue;
      const def = obj.byLowerName.get(key.toLowerCase());
      if (!def) throw noSuchField(obj, key);
      if (mode === 'create' ? !def.createable : !def.updateable) {
        readOnly.push(def.name);
        continue;
      }
      out[def.name] = coerceValue(def, raw);
    }
    if (readOnly.length > 0) throw notWritable(readOnly);
    return out;
  }

  #requiredCheck(obj: ObjectDef, values: Record<string, unknown>, onlyGiven: boolean): void {
    // On create, defaulted fields are filled in first; on update, clearing any required field fails.
    const missing = obj.fields
      .filter((d) => !d.nillable && d.createable && d.type !== 'boolean' && d.name !== 'OwnerId')
      .filter((d) => onlyGiven || d.defaultValue === undefined)
      .filter(
        (d) =>
          (onlyGiven ? d.name in values : true) && (values[d.name] === null || values[d.name] === undefined),
      )
      .map((d) => d.name);
    if (missing.length > 0) throw requiredMissing(missing);
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
        throw new SalesforceApiError(400, 'DUPLICATES_DETECTED', 'Use one of these records?', [], {
          duplicateResult: {
            allowSave: false,
            duplicateRule: `Standard_${obj.name}_Duplicate_Rule`,
            duplicateRuleEntityType: obj.name,
            errorMessage: 'Use one of these records?',
            matchResults: [
              {
                entityType: obj.name,
                errors: [],
                matchEngine: 'FuzzyMatchEngine',
                matchRecords: [
                  {
                    additionalInformation: [],
                    fieldDiffs: [],
                    matchConfidence: 100,
                    record: {
                      attributes: { type: obj.name, url: `/services/data/v64.0/sobjects/${obj.name}/${id}` },
                      Id: id,
                    },
                  },
                ],
                rule: `Standard_${obj.name}_Match_Rule_v1_1`,
                size: 1,
                success: true,
              },
            ],
          },
        });
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

  /** Create a record; returns its 18-char id. */
  create(txn: Transaction, typeName: string, input: Record<string, unknown>): string {
    const obj = findObject(typeName);
    if (!obj) throw unsupportedType(typeName);
    const values = this.#coerce(obj, input, 'create');
    for (const d of obj.fields) {
      if (values[d.name] === undefined && d.defaultValue !== undefined && d.createable) {
        values[d.name] = d.defaultValue === 'false' ? false : d.defaultValue;
      }
    }
    this.#requiredCheck(obj, values, false);
    if (values.Status === 'Closed - Converted') {
      // Only lead conversion may set the converted status.
      throw new SalesforceApiError(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        'Lead Status: Converted status cannot be set directly',
        ['Status'],
      );
    }
    this.#checkRefs(obj, values);
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

  #checkRefs(obj: ObjectDef, values: Record<string, unknown>): void {
    if (obj === CONTACT && typeof values.AccountId === 'string') {
      const acc = this.get(values.AccountId);
      if (acc?.type !== 'Account' || acc.fields.IsDeleted === true) {
        throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [
          'AccountId',
        ]);
      }
    }
  }

  /** Update a record. */
  update(txn: Transaction, typeName: string, id: string, input: Record<string, unknown>): void {
    const obj = findObject(typeName);
    if (!obj) throw unsupportedType(typeName);
    const rec = this.#live(obj, id);
    if (obj === LEAD && rec.fields.IsConverted === true) {
      throw new SalesforceApiError(
        400,
        'CANNOT_UPDATE_CONVERTED_LEAD',
        'cannot reference converted lead',
        [],
      );
    }
    const values = this.#coerce(obj, input, 'update');
    this.#requiredCheck(obj, values, true);
    if (values.Status === 'Closed - Converted') {
      throw new SalesforceApiError(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        'Lead Status: Converted status cannot be set directly',
        ['Status'],
      );
    }
    this.#checkRefs(obj, values);
    if ('Email' in values && values.Email !== rec.fields.Email)
      this.#duplicateCheck(obj, values.Email, String(rec.fields.Id));
    this.#applyUpdate(txn, obj, rec, values);
  }

  #applyUpdate(txn: Transaction, obj: ObjectDef, rec: SfRecord, values: Record<string, unknown>): void {
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
    const obj = findObject(typeName);
    if (!obj) throw unsupportedType(typeName);
    const rec = this.#live(obj, id);
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
    const obj = findObject(typeName);
    if (!obj) throw unsupportedType(typeName);
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

  /**
   * Convert a lead as the platform does: create (or reuse) an Account from Company, create a
   * Contact from the lead's fields (or attach to `contactId`), then mark the lead converted
   * (IsConverted, ConvertedContactId, ConvertedAccountId, ConvertedDate, Status
   * 'Closed - Converted'). Converted leads are read-only afterwards.
   */
  convertLead(
    txn: Transaction,
    leadId: string,
    contactId?: string,
  ): { contactId: string; accountId: string } {
    const lead = this.#live(LEAD, leadId);
    if (lead.fields.IsConverted === true) {
      throw new SalesforceApiError(
        400,
        'CANNOT_UPDATE_CONVERTED_LEAD',
        'cannot reference converted lead',
        [],
      );
    }
    const lf = lead.fields;
    let accountId: string;
    let finalContactId: string;
    if (contactId) {
      const contact = this.#live(CONTACT, contactId);
      finalContactId = String(contact.fields.Id);
      if (typeof contact.fields.AccountId === 'string') accountId = contact.fields.AccountId;
      else {
        accountId = this.create(txn, 'Account', { Name: lf.Company ?? lf.LastName });
        this.#applyUpdate(txn, CONTACT, contact, { AccountId: accountId });
      }
    } else {
      accountId = this.create(txn, 'Account', {
        Name: lf.Company,
        Website: lf.Website,
        Phone: lf.Phone,
        Industry: lf.Industry,
      });
      const copy: Record<string, unknown> = { AccountId: accountId };
      for (const [from, to] of [
        ['FirstName', 'FirstName'],
        ['LastName', 'LastName'],
        ['Salutation', 'Salutation'],
        ['Title', 'Title'],
        ['Email', 'Email'],
        ['Phone', 'Phone'],
        ['MobilePhone', 'MobilePhone'],
        ['LeadSource', 'LeadSource'],
        ['Description', 'Description'],
        ['HasOptedOutOfEmail', 'HasOptedOutOfEmail'],
        ['Street', 'MailingStreet'],
        ['City', 'MailingCity'],
        ['State', 'MailingState'],
        ['PostalCode', 'MailingPostalCode'],
        ['Country', 'MailingCountry'],
      ] as const) {
        if (lf[from] !== null && lf[from] !== undefined) copy[to] = lf[from];
      }
      // Conversion is not blocked by the duplicate rule on the new contact (the UI lets the user choose).
      const saved = this.options.duplicateRuleOnEmail;
      this.options.duplicateRuleOnEmail = false;
      try {
        finalContactId = this.create(txn, 'Contact', copy);
      } finally {
        this.options.duplicateRuleOnEmail = saved;
      }
    }
    const day = new Date(txn.timestamp).toISOString().slice(0, 10);
    this.#applyUpdate(txn, LEAD, lead, {
      IsConverted: true,
      Status: 'Closed - Converted',
      ConvertedContactId: finalContactId,
      ConvertedAccountId: accountId,
      ConvertedDate: day,
    });
    return { contactId: finalContactId, accountId };
  }

  /**
   * Merge up to two losers into a master (the platform allows three records per merge):
   * losers go to the recycle bin with MasterRecordId = master; the master is updated
   * (LastModifiedDate) — field values are kept from the master, as the API merge does
   * unless a field is chosen from a loser.
   */
  merge(txn: Transaction, typeName: string, masterId: string, loserIds: string[]): void {
    const obj = findObject(typeName);
    if (!obj || (obj !== LEAD && obj !== CONTACT)) throw unsupportedType(typeName);
    if (loserIds.length < 1 || loserIds.length > 2) {
      throw new SalesforceApiError(
        400,
        'INVALID_OPERATION',
        'A merge request takes one master and one or two records to merge',
      );
    }
    const master = this.#live(obj, masterId);
    for (const l of loserIds) {
      if (to18(l) === master.fields.Id)
        throw new SalesforceApiError(400, 'INVALID_ID_FIELD', 'Cannot merge a record with itself');
      this.#live(obj, l);
    }
    // Fill the master's blank fields from the losers (what the UI preselects).
    const fill: Record<string, unknown> = {};
    for (const l of loserIds) {
      const loser = this.#live(obj, l);
      for (const d of obj.fields) {
        if (!d.updateable) continue;
        if (
          (master.fields[d.name] === null || master.fields[d.name] === undefined) &&
          loser.fields[d.name] != null &&
          !(d.name in fill)
        ) {
          fill[d.name] = loser.fields[d.name];
        }
      }
    }
    this.#applyUpdate(txn, obj, master, fill);
    for (const l of loserIds) this.delete(txn, obj.name, l, String(master.fields.Id));
  }

  /** Ids for fake data (seed). */
  nextId(prefix: string): string {
    return this.#ids.next(prefix);
  }
}

function fullName(fields: Record<string, unknown>): string {
  return [fields.FirstName, fields.LastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
}

function writableNonNull(obj: ObjectDef, fields: Record<string, unknown>): string[] {
  return obj.fields
    .filter((d) => fields[d.name] !== null && fields[d.name] !== undefined && d.name !== 'IsDeleted')
    .map((d) => d.name);
}

/** `NOT_FOUND` for an unknown object in a URL; REST says "The requested resource does not exist". */
export function unsupportedType(name: string): SalesforceApiError {
  return new SalesforceApiError(
    404,
    'NOT_FOUND',
    `The requested resource does not exist: sObject type '${name}' is not supported.`,
  );
}

export { KEY_PREFIX };

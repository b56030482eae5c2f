import { contactConflict, validateContactProperties } from './contact-validation.ts';
import { HubSpotHttpError, errorBody, validationError } from './errors.ts';
import { CONTACTS, type ObjectKind } from './object-types.ts';
import type { PropertyDefinition } from './properties.ts';

/** Who made a change, as HubSpot shows it in property history and webhook `changeSource`. */
export interface Actor {
  /** `INTEGRATION` (our app's token), `API` (another token), `CRM_UI` (a user in the UI). */
  source: 'INTEGRATION' | 'API' | 'CRM_UI';
  sourceId?: string;
  userId?: number;
}

/** One entry of a property's history; newest first, as `propertiesWithHistory` returns it. */
export interface HistoryEntry {
  value: string;
  timestamp: number;
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

/** A stored contact. `values` holds only non-empty values. */
export interface StoredContact {
  id: string;
  values: Map<string, string>;
  history: Map<string, HistoryEntry[]>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}

/** A change the store made; lists and webhooks subscribe to these. */
export type ContactChange =
  | { kind: 'creation'; id: string; at: number; actor: Actor; properties: Record<string, string> }
  | {
      kind: 'propertyChange';
      id: string;
      at: number;
      actor: Actor;
      propertyName: string;
      propertyValue: string;
    }
  | { kind: 'deletion'; id: string; at: number; actor: Actor }
  | { kind: 'privacyDeletion'; id: string; at: number; actor: Actor }
  | { kind: 'restore'; id: string; at: number; actor: Actor }
  | {
      kind: 'merge';
      id: string;
      at: number;
      actor: Actor;
      mergedIds: string[];
      numberOfPropertiesMoved: number;
    };

/** What a restart needs to find the contacts as they were. */
export interface ContactSnapshot {
  contacts: Map<string, StoredContact>;
  mergedInto: Map<string, string>;
  properties: Map<string, PropertyDefinition>;
  nextId: number;
}

/** Listener for store changes. */
export type ChangeListener = (change: ContactChange) => void;

const SYSTEM_PROPS = new Set(['createdate', 'lastmodifieddate', 'hs_lastmodifieddate', 'hs_object_id']);

/**
 * In-memory contacts (or, with `kind` COMPANIES, companies) keyed by id, with a unique email
 * index, property history and the validations HubSpot applies on write. Fast enough for tens
 * of thousands of records.
 */
export class ContactStore {
  readonly contacts = new Map<string, StoredContact>();
  readonly #byEmail = new Map<string, string>();
  /**
   * Email → the live contact holding it in `hs_additional_emails` (a merged-away contact's email). HubSpot
   * keeps such an email on the survivor and refuses a new contact with it (docs/sandbox-hubspot.md).
   */
  readonly #byAdditionalEmail = new Map<string, string>();
  /** Merged-away id → surviving id (HubSpot answers reads of a merged id with the survivor). */
  readonly mergedInto = new Map<string, string>();
  readonly properties = new Map<string, PropertyDefinition>();
  readonly #listeners: ChangeListener[] = [];
  /** Validates `hubspot_owner_id` values; unset, any value is accepted. */
  ownerExists: ((id: string) => boolean) | undefined;
  #nextId = 1001;

  constructor(
    private readonly now: () => number,
    private readonly portalId: number,
    readonly kind: ObjectKind = CONTACTS,
  ) {
    for (const p of kind.properties()) this.properties.set(p.name, p);
  }

  /** Subscribe to changes. */
  onChange(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  #emit(change: ContactChange): void {
    for (const l of this.#listeners) l(change);
  }

  /** Drop every contact (properties stay). */
  clear(): void {
    this.contacts.clear();
    this.#byEmail.clear();
    this.#byAdditionalEmail.clear();
    this.mergedInto.clear();
    this.#nextId = 1001;
  }

  /** The id the next contact gets: saved with the data, so no id is reused after a restart. */
  get nextId(): number {
    return this.#nextId;
  }

  /** Replaces every contact with saved ones (a restart on saved data; see state-file.ts). */
  load(saved: ContactSnapshot): void {
    this.clear();
    for (const [id, c] of saved.contacts) this.contacts.set(id, c);
    for (const [from, to] of saved.mergedInto) this.mergedInto.set(from, to);
    for (const [name, p] of saved.properties) this.properties.set(name, p);
    for (const c of this.contacts.values()) {
      const email = c.values.get('email');
      if (email && !c.archived) this.#byEmail.set(email, c.id);
      if (!c.archived) this.#indexAdditional(c);
    }
    this.#nextId = saved.nextId;
  }

  /** Resolve an id (following merges) to a live contact. */
  get(id: string, includeArchived = false): StoredContact | undefined {
    const target = this.mergedInto.get(id) ?? id;
    const c = this.contacts.get(target);
    if (!c || (c.archived && !includeArchived)) return undefined;
    return c;
  }

  /** Find a live contact by email (case-insensitive). */
  getByEmail(email: string): StoredContact | undefined {
    const id = this.#byEmail.get(email.trim().toLowerCase());
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * The live contact an email belongs to in any way: its own email, or an additional one a merge left
   * it. This is what a create or an email change collides with (409 "Contact already exists").
   */
  holderOfEmail(email: string): StoredContact | undefined {
    const key = email.trim().toLowerCase();
    const extra = this.#byAdditionalEmail.get(key);
    return this.getByEmail(key) ?? (extra === undefined ? undefined : this.get(extra));
  }

  #indexAdditional(c: StoredContact): void {
    for (const e of (c.values.get('hs_additional_emails') ?? '').split(';'))
      if (e) this.#byAdditionalEmail.set(e.trim().toLowerCase(), c.id);
  }

  #unindexAdditional(c: StoredContact): void {
    for (const [e, id] of this.#byAdditionalEmail) if (id === c.id) this.#byAdditionalEmail.delete(e);
  }

  /** Find by an id property: `hs_object_id` (default) or `email`. */
  getBy(id: string, idProperty: string | undefined): StoredContact | undefined {
    if (!idProperty || idProperty === 'hs_object_id') return this.get(id);
    if (idProperty === 'email') return this.getByEmail(id);
    const def = this.properties.get(idProperty);
    if (!def) throw validationError(`Property "${idProperty}" does not exist`);
    if (!def.hasUniqueValue) {
      throw validationError(`${idProperty} is not a unique property and cannot be used as an idProperty`);
    }
    for (const c of this.contacts.values()) if (!c.archived && c.values.get(idProperty) === id) return c;
    return undefined;
  }

  #record(c: StoredContact, name: string, value: string, at: number, actor: Actor): void {
    const entry: HistoryEntry = { value, timestamp: at, sourceType: actor.source };
    if (actor.sourceId !== undefined) entry.sourceId = actor.sourceId;
    if (actor.userId !== undefined) entry.updatedByUserId = actor.userId;
    const list = c.history.get(name);
    if (list) list.unshift(entry);
    else c.history.set(name, [entry]);
    if (value === '') c.values.delete(name);
    else c.values.set(name, value);
  }

  #touch(c: StoredContact, at: number, actor: Actor): void {
    const iso = new Date(at).toISOString();
    c.updatedAt = at;
    if (this.kind === CONTACTS) this.#record(c, 'lastmodifieddate', iso, at, actor);
    this.#record(c, 'hs_lastmodifieddate', iso, at, actor);
  }

  /**
   * Set a value HubSpot computes (e.g. `associatedcompanyid` from the primary association),
   * bypassing the read-only check; like any change it is recorded, touches the modification
   * date and emits a propertyChange (lists, search caches and webhooks see it).
   */
  setComputed(c: StoredContact, name: string, value: string, actor: Actor): void {
    if ((c.values.get(name) ?? '') === value) return;
    const at = this.now();
    this.#record(c, name, value, at, actor);
    this.#touch(c, at, actor);
    this.#emit({ kind: 'propertyChange', id: c.id, at, actor, propertyName: name, propertyValue: value });
  }

  /** Create a contact. Throws ItemFailure on invalid values or a duplicate email (own or additional). */
  create(properties: Record<string, unknown>, actor: Actor): StoredContact {
    const values = validateContactProperties(properties, this.properties, this.portalId, this.ownerExists);
    const email = values['email'];
    if (email) {
      const existing = this.holderOfEmail(email);
      if (existing) throw contactConflict(existing.id);
    }
    const at = this.now();
    const id = String(this.#nextId++);
    const c: StoredContact = {
      id,
      values: new Map(),
      history: new Map(),
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
    const iso = new Date(at).toISOString();
    this.#record(c, 'createdate', iso, at, actor);
    this.#record(c, 'hs_object_id', id, at, actor);
    this.#record(c, 'hs_object_source', actor.sourceId === 'IMPORT' ? 'IMPORT' : actor.source, at, actor);
    // A record an app creates carries the app's id in `hs_object_source_id` (source INTEGRATION):
    // that is how crmsync tells its own contacts apart even when a create's response was lost.
    if (actor.source === 'INTEGRATION' && actor.sourceId !== undefined)
      this.#record(c, 'hs_object_source_id', actor.sourceId, at, actor);
    this.#touch(c, at, actor);
    const set: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      if (value === '') continue;
      this.#record(c, name, value, at, actor);
      set[name] = value;
    }
    if (email) {
      this.#record(c, 'hs_email_domain', email.split('@')[1] ?? '', at, actor);
      this.#byEmail.set(email, id);
    }
    this.contacts.set(id, c);
    this.#emit({ kind: 'creation', id, at, actor, properties: set });
    for (const [name, value] of Object.entries(set)) {
      this.#emit({ kind: 'propertyChange', id, at, actor, propertyName: name, propertyValue: value });
    }
    return c;
  }

  /** Update a live contact; only real changes are recorded and emitted. */
  update(c: StoredContact, properties: Record<string, unknown>, actor: Actor): StoredContact {
    const values = validateContactProperties(properties, this.properties, this.portalId, this.ownerExists);
    const email = values['email'];
    const oldEmail = c.values.get('email');
    if (email && email !== oldEmail) {
      const existing = this.holderOfEmail(email);
      if (existing && existing.id !== c.id) throw contactConflict(existing.id);
    }
    const at = this.now();
    const changed: [string, string][] = [];
    for (const [name, value] of Object.entries(values)) {
      if ((c.values.get(name) ?? '') === value) continue;
      this.#record(c, name, value, at, actor);
      changed.push([name, value]);
    }
    if (changed.length === 0) return c;
    if (email !== undefined && email !== oldEmail) {
      if (oldEmail) this.#byEmail.delete(oldEmail);
      if (email) {
        this.#byEmail.set(email, c.id);
        this.#record(c, 'hs_email_domain', email.split('@')[1] ?? '', at, actor);
      }
    }
    this.#touch(c, at, actor);
    for (const [name, value] of changed) {
      this.#emit({ kind: 'propertyChange', id: c.id, at, actor, propertyName: name, propertyValue: value });
    }
    return c;
  }

  /** Move a contact to the recycle bin (HubSpot "archive"); its email becomes free. */
  archive(c: StoredContact, actor: Actor): void {
    if (c.archived) return;
    const at = this.now();
    c.archived = true;
    c.archivedAt = at;
    c.updatedAt = at;
    const email = c.values.get('email');
    if (email && this.#byEmail.get(email) === c.id) this.#byEmail.delete(email);
    this.#unindexAdditional(c);
    this.#emit({ kind: 'deletion', id: c.id, at, actor });
  }

  /** Restore an archived contact (a user action in the UI). */
  restore(id: string, actor: Actor): StoredContact {
    const c = this.contacts.get(id);
    if (!c?.archived)
      throw new HubSpotHttpError(404, errorBody('OBJECT_NOT_FOUND', `No archived contact ${id}`));
    const email = c.values.get('email');
    const holder = email ? this.holderOfEmail(email) : undefined;
    if (holder) throw contactConflict(holder.id);
    const at = this.now();
    c.archived = false;
    delete c.archivedAt;
    if (email) this.#byEmail.set(email, c.id);
    this.#indexAdditional(c);
    this.#touch(c, at, actor);
    this.#emit({ kind: 'restore', id: c.id, at, actor });
    return c;
  }

  /** GDPR delete: gone for good, with both privacyDeletion and deletion events. */
  purge(c: StoredContact, actor: Actor): void {
    const at = this.now();
    const email = c.values.get('email');
    if (email && this.#byEmail.get(email) === c.id) this.#byEmail.delete(email);
    this.#unindexAdditional(c);
    this.contacts.delete(c.id);
    this.#emit({ kind: 'privacyDeletion', id: c.id, at, actor });
    this.#emit({ kind: 'deletion', id: c.id, at, actor });
  }

  /**
   * Merge `merged` into `primary`: the primary keeps its id and values; its blank
   * properties take the merged record's values; the merged id then resolves to the
   * primary (https://knowledge.hubspot.com/records/merge-records).
   */
  merge(primary: StoredContact, merged: StoredContact, actor: Actor): StoredContact {
    if (primary.id === merged.id) throw validationError('Cannot merge a contact with itself');
    const at = this.now();
    let moved = 0;
    const changed: [string, string][] = [];
    for (const [name, value] of merged.values) {
      if (SYSTEM_PROPS.has(name) || name === 'email' || name.startsWith('hs_object_source')) continue;
      if (name === 'hs_email_domain' || name === 'hs_merged_object_ids' || name === 'hs_additional_emails')
        continue;
      if (primary.values.has(name)) continue;
      this.#record(primary, name, value, at, actor);
      changed.push([name, value]);
      moved++;
    }
    const mergedIds = [...(primary.values.get('hs_merged_object_ids')?.split(';') ?? []), merged.id];
    this.#record(primary, 'hs_merged_object_ids', mergedIds.join(';'), at, actor);
    // The merged record's email becomes an additional email of the primary
    // (https://knowledge.hubspot.com/contacts/how-do-i-merge-contacts): no longer a contact's own email,
    // but still the survivor's — a new contact with it is refused (see `holderOfEmail`).
    const email = merged.values.get('email');
    if (email && this.#byEmail.get(email) === merged.id) this.#byEmail.delete(email);
    const extra = [
      primary.values.get('hs_additional_emails'),
      merged.values.get('hs_additional_emails'),
      email,
    ]
      .filter((x): x is string => !!x)
      .join(';');
    if (extra) this.#record(primary, 'hs_additional_emails', extra, at, actor);
    this.#unindexAdditional(merged);
    this.#indexAdditional(primary);
    this.contacts.delete(merged.id);
    this.mergedInto.set(merged.id, primary.id);
    for (const [from, to] of this.mergedInto) if (to === merged.id) this.mergedInto.set(from, primary.id);
    this.#touch(primary, at, actor);
    this.#emit({
      kind: 'merge',
      id: primary.id,
      at,
      actor,
      mergedIds: [merged.id],
      numberOfPropertiesMoved: moved,
    });
    for (const [name, value] of changed) {
      this.#emit({
        kind: 'propertyChange',
        id: primary.id,
        at,
        actor,
        propertyName: name,
        propertyValue: value,
      });
    }
    return primary;
  }
}

import type { ContactChange, ContactStore } from './contact-store.ts';
import { HubSpotHttpError, errorBody, validationError } from './errors.ts';
import { type FilterBranch, evaluateBranch, normalizeBranch, validateFilterBranch } from './list-filters.ts';

/** HubSpot's list processing types. */
export type ProcessingType = 'DYNAMIC' | 'MANUAL' | 'SNAPSHOT';

interface Membership {
  addedAt: number;
  firstAddedAt: number;
}

/** A stored list. */
export interface StoredList {
  listId: string;
  name: string;
  objectTypeId: string;
  processingType: ProcessingType;
  filterBranch: FilterBranch | undefined;
  listVersion: number;
  createdAt: number;
  updatedAt: number;
  filtersUpdatedAt: number;
  deletedAt?: number;
  members: Map<string, Membership>;
  /** Sorted member ids, rebuilt lazily after a change. */
  sorted: string[] | undefined;
  /** Members in join order (time, then id), rebuilt lazily after a change: join-order pages binary-search it. */
  joinOrder?: { id: string; at: number }[] | undefined;
  lastAddedAt?: number;
  lastRemovedAt?: number;
  /** History of first/last add per record, kept across leave/re-join (RecordListMembership). */
  everAdded: Map<string, number>;
}

/** A membership transition, for anyone who wants to watch lists change. */
export interface MembershipTransition {
  listId: string;
  recordId: string;
  joined: boolean;
  at: number;
}

const CONTACT_TYPE = '0-1';
const USER_ID = '9009001';

/**
 * Lists v3 for contacts: DYNAMIC lists re-evaluate on each contact change (synchronously,
 * or after `processingDelayMs` to mimic HubSpot's asynchronous list processing); MANUAL
 * lists take explicit adds and removes; SNAPSHOT lists evaluate their filters once.
 */
export class ListStore {
  readonly lists = new Map<string, StoredList>();
  #nextId = 1;
  readonly #pending = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners: ((t: MembershipTransition) => void)[] = [];

  constructor(
    private readonly contacts: ContactStore,
    private readonly now: () => number,
    private readonly processingDelayMs: number,
  ) {
    contacts.onChange((c) => this.#onContactChange(c));
  }

  /** Watch joins and leaves. */
  onTransition(l: (t: MembershipTransition) => void): void {
    this.#listeners.push(l);
  }

  /** Remove all lists. */
  clear(): void {
    this.lists.clear();
    this.#pending.clear();
    this.#nextId = 1;
  }

  /** The id the next list gets: saved with the data, so no id is reused after a restart. */
  get nextId(): number {
    return this.#nextId;
  }

  /** Replaces every list with saved ones (a restart on saved data; see state-file.ts). */
  load(saved: { lists: Map<string, StoredList>; nextId: number }): void {
    this.clear();
    for (const [id, list] of saved.lists)
      this.lists.set(id, { ...list, sorted: undefined, joinOrder: undefined });
    this.#nextId = saved.nextId;
  }

  /** Stop timers. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** True while a delayed evaluation is pending. */
  get processing(): boolean {
    return this.#pending.size > 0;
  }

  #set(list: StoredList, recordId: string, member: boolean, at: number): boolean {
    const has = list.members.has(recordId);
    if (member === has) return false;
    if (member) {
      const first = list.everAdded.get(recordId) ?? at;
      list.everAdded.set(recordId, first);
      list.members.set(recordId, { addedAt: at, firstAddedAt: first });
      list.lastAddedAt = at;
    } else {
      list.members.delete(recordId);
      list.lastRemovedAt = at;
    }
    list.sorted = undefined;
    list.joinOrder = undefined;
    for (const l of this.#listeners) l({ listId: list.listId, recordId, joined: member, at });
    return true;
  }

  #evaluate(recordId: string): void {
    const c = this.contacts.get(recordId);
    const at = this.now();
    for (const list of this.lists.values()) {
      if (list.processingType !== 'DYNAMIC' || list.deletedAt !== undefined || !list.filterBranch) continue;
      this.#set(list, recordId, c !== undefined && evaluateBranch(c, list.filterBranch), at);
    }
  }

  #onContactChange(change: ContactChange): void {
    const at = this.now();
    if (change.kind === 'deletion' || change.kind === 'privacyDeletion') {
      // Archived and deleted records leave every list, manual ones included.
      for (const list of this.lists.values()) this.#set(list, change.id, false, at);
      return;
    }
    if (change.kind === 'merge') {
      for (const id of change.mergedIds)
        for (const list of this.lists.values()) this.#set(list, id, false, at);
    }
    this.#schedule(change.id);
  }

  #schedule(recordId: string): void {
    if (this.processingDelayMs <= 0) {
      this.#evaluate(recordId);
      return;
    }
    this.#pending.add(recordId);
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.processPending(), this.processingDelayMs);
      this.#timer.unref();
    }
  }

  /** Apply delayed evaluations now. */
  processPending(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const ids = [...this.#pending];
    this.#pending.clear();
    for (const id of ids) this.#evaluate(id);
  }

  /** Get a live list or throw HubSpot's 404. */
  require(listId: string): StoredList {
    const list = this.lists.get(listId);
    if (!list || list.deletedAt !== undefined) {
      throw new HubSpotHttpError(
        404,
        errorBody('OBJECT_NOT_FOUND', `List does not exist with ID ${listId}.`),
      );
    }
    return list;
  }

  /** Create a list (POST /crm/v3/lists/). */
  create(input: {
    name?: unknown;
    objectTypeId?: unknown;
    processingType?: unknown;
    filterBranch?: unknown;
  }): StoredList {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name) throw validationError('List name is required.');
    if (input.objectTypeId !== CONTACT_TYPE) {
      throw validationError(`This sandbox supports contact lists only (objectTypeId ${CONTACT_TYPE}).`);
    }
    const type = input.processingType;
    if (type !== 'DYNAMIC' && type !== 'MANUAL' && type !== 'SNAPSHOT') {
      throw validationError(`Invalid processingType ${String(type)}; expected DYNAMIC, MANUAL or SNAPSHOT.`);
    }
    for (const l of this.lists.values()) {
      if (l.deletedAt === undefined && l.name.toLowerCase() === name.toLowerCase()) {
        throw validationError(`A list named '${name}' already exists.`, {
          subCategory: 'ILS.DUPLICATE_LIST_NAMES',
        });
      }
    }
    let branch: FilterBranch | undefined;
    if (type === 'DYNAMIC' || input.filterBranch !== undefined) {
      if (input.filterBranch === undefined) throw validationError('DYNAMIC lists require a filterBranch.');
      branch = normalizeBranch(
        validateFilterBranch(input.filterBranch, (n) => this.contacts.properties.has(n)),
      );
    }
    if (type === 'MANUAL' && branch) throw validationError('MANUAL lists cannot have filters.');
    const at = this.now();
    const list: StoredList = {
      listId: String(this.#nextId++),
      name,
      objectTypeId: CONTACT_TYPE,
      processingType: type,
      filterBranch: branch,
      listVersion: 1,
      createdAt: at,
      updatedAt: at,
      filtersUpdatedAt: at,
      members: new Map(),
      sorted: undefined,
      everAdded: new Map(),
    };
    this.lists.set(list.listId, list);
    if (branch) this.#evaluateAll(list);
    return list;
  }

  #evaluateAll(list: StoredList): void {
    const at = this.now();
    const branch = list.filterBranch;
    if (!branch) return;
    for (const c of this.contacts.contacts.values()) {
      if (c.archived) continue;
      this.#set(list, c.id, evaluateBranch(c, branch), at);
    }
  }

  /** Replace a list's filters (PUT update-list-filters). */
  updateFilters(list: StoredList, filterBranch: unknown): StoredList {
    if (list.processingType === 'MANUAL') throw validationError('MANUAL lists cannot have filters.');
    list.filterBranch = normalizeBranch(
      validateFilterBranch(filterBranch, (n) => this.contacts.properties.has(n)),
    );
    list.listVersion++;
    list.updatedAt = list.filtersUpdatedAt = this.now();
    this.#evaluateAll(list);
    return list;
  }

  /** Members by join time, then record id (what `memberships/join-order` pages through). */
  joinOrder(list: StoredList): { id: string; at: number }[] {
    if (!list.joinOrder) {
      list.joinOrder = [...list.members.entries()]
        .map(([id, m]) => ({ id, at: m.addedAt }))
        .sort((a, b) => a.at - b.at || Number(a.id) - Number(b.id));
    }
    return list.joinOrder;
  }

  /** Member ids in record-id order. */
  sortedMembers(list: StoredList): string[] {
    if (!list.sorted) list.sorted = [...list.members.keys()].sort((a, b) => Number(a) - Number(b));
    return list.sorted;
  }

  /** Add and remove records on a MANUAL or SNAPSHOT list. */
  changeMembers(
    list: StoredList,
    add: string[],
    remove: string[],
  ): { recordsIdsAdded: string[]; recordIdsRemoved: string[]; recordIdsMissing: string[] } {
    if (list.processingType === 'DYNAMIC') {
      throw validationError(
        `List ${list.listId} is a DYNAMIC list; its memberships cannot be edited manually.`,
      );
    }
    const at = this.now();
    const added: string[] = [];
    const removed: string[] = [];
    const missing: string[] = [];
    for (const id of add) {
      if (!this.contacts.get(id)) missing.push(id);
      else if (this.#set(list, id, true, at)) added.push(id);
    }
    for (const id of remove) {
      if (!this.contacts.get(id) && !list.members.has(id)) missing.push(id);
      else if (this.#set(list, id, false, at)) removed.push(id);
    }
    if (added.length + removed.length > 0) list.updatedAt = at;
    return { recordsIdsAdded: added, recordIdsRemoved: removed, recordIdsMissing: missing };
  }

  /** Lists a record belongs to. */
  listsOf(recordId: string): { list: StoredList; membership: Membership }[] {
    const out: { list: StoredList; membership: Membership }[] = [];
    for (const list of this.lists.values()) {
      if (list.deletedAt !== undefined) continue;
      const m = list.members.get(recordId);
      if (m) out.push({ list, membership: m });
    }
    return out;
  }
}

/** Render a list as HubSpot's PublicObjectList. */
export function toPublicList(list: StoredList, includeFilters: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    listId: list.listId,
    listVersion: list.listVersion,
    name: list.name,
    objectTypeId: list.objectTypeId,
    processingType: list.processingType,
    processingStatus: 'COMPLETE',
    size: list.members.size,
    createdAt: new Date(list.createdAt).toISOString(),
    createdById: USER_ID,
    updatedAt: new Date(list.updatedAt).toISOString(),
    updatedById: USER_ID,
    filtersUpdatedAt: new Date(list.filtersUpdatedAt).toISOString(),
  };
  if (list.deletedAt !== undefined) out['deletedAt'] = new Date(list.deletedAt).toISOString();
  if (includeFilters && list.filterBranch) out['filterBranch'] = list.filterBranch;
  return out;
}

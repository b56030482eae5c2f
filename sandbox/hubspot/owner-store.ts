/** A HubSpot owner as `GET /crm/v3/owners` returns it (`PublicOwner`). */
export interface Owner {
  /** Numeric string: the value of `hubspot_owner_id`. */
  id: string;
  email: string;
  type: 'PERSON' | 'QUEUE';
  firstName: string;
  lastName: string;
  userId: number;
  userIdIncludingInactive: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  teams: { id: string; name: string; primary: boolean }[];
}

/** What a test or the demo gives to create an owner. */
export interface OwnerInput {
  email: string;
  firstName?: string;
  lastName?: string;
  archived?: boolean;
}

/** What a restart needs: the owners and the id counters. */
export interface OwnerSnapshot {
  owners: Map<string, Owner>;
  nextId: number;
  nextUserId: number;
}

/**
 * The portal's owners (users with a seat). HubSpot's owners API is read-only: owners appear
 * when an admin adds a user, so the sandbox creates them through its control API only.
 */
export class OwnerStore {
  readonly #owners = new Map<string, Owner>();
  #nextId = 71_000_001;
  #nextUserId = 9_100_001;

  constructor(private readonly now: () => number) {}

  /** Add an owner (a user added in the UI); returns it. */
  add(input: OwnerInput): Owner {
    const at = new Date(this.now()).toISOString();
    const userId = this.#nextUserId++;
    const owner: Owner = {
      id: String(this.#nextId++),
      email: input.email.trim().toLowerCase(),
      type: 'PERSON',
      firstName: input.firstName ?? '',
      lastName: input.lastName ?? '',
      userId,
      userIdIncludingInactive: userId,
      createdAt: at,
      updatedAt: at,
      archived: input.archived === true,
      teams: [],
    };
    this.#owners.set(owner.id, owner);
    return owner;
  }

  /** Deactivate a user: the owner becomes archived (kept for history, not assignable). */
  archive(id: string): void {
    const o = this.#owners.get(id);
    if (!o || o.archived) return;
    o.archived = true;
    o.updatedAt = new Date(this.now()).toISOString();
  }

  /** An owner by id (or by user id), archived or not. */
  get(id: string, by: 'id' | 'userId' = 'id'): Owner | undefined {
    if (by === 'id') return this.#owners.get(id);
    for (const o of this.#owners.values()) if (String(o.userId) === id) return o;
    return undefined;
  }

  /** Whether `id` is an active owner, i.e. a valid `hubspot_owner_id` value. */
  isAssignable(id: string): boolean {
    const o = this.#owners.get(id);
    return o !== undefined && !o.archived;
  }

  /** Owners in id order, filtered as the list endpoint does. */
  list(filter: { archived: boolean; email?: string }): Owner[] {
    const email = filter.email?.trim().toLowerCase();
    return [...this.#owners.values()].filter(
      (o) => o.archived === filter.archived && (email === undefined || o.email === email),
    );
  }

  /** The owners as saved with the sandbox's data. */
  snapshot(): OwnerSnapshot {
    return { owners: this.#owners, nextId: this.#nextId, nextUserId: this.#nextUserId };
  }

  /** Replace every owner with saved ones. */
  load(saved: OwnerSnapshot): void {
    this.#owners.clear();
    for (const [id, o] of saved.owners) this.#owners.set(id, o);
    this.#nextId = saved.nextId;
    this.#nextUserId = saved.nextUserId;
  }

  /** Drop every owner and restart the id counters. */
  clear(): void {
    this.#owners.clear();
    this.#nextId = 71_000_001;
    this.#nextUserId = 9_100_001;
  }
}

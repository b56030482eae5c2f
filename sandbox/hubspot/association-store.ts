import type { Actor, ContactChange, ContactStore } from './contact-store.ts';
import { HubSpotHttpError, errorBody } from './errors.ts';

/**
 * HubSpot-defined association type ids between contacts and companies
 * (https://developers.hubspot.com/docs/api/crm/associations#association-type-id-values).
 * The primary label implies the unlabeled association: a primary pair always reads as both.
 */
export const ASSOCIATION_TYPES = {
  contactToCompanyPrimary: 1,
  companyToContactPrimary: 2,
  contactToCompany: 279,
  companyToContact: 280,
} as const;

/** An association change, as `contact.associationChange` webhooks report it. */
export interface AssociationChange {
  contactId: string;
  companyId: string;
  /** true when the pair is no longer associated at all. */
  removed: boolean;
  /** Whether the pair is (or, when removed, was) the contact's primary company. */
  primary: boolean;
  at: number;
  actor: Actor;
}

/** What a restart needs: contactId → companyId → primary. */
export type AssociationSnapshot = Map<string, Map<string, boolean>>;

/** A contact's association to one company. */
export interface CompanyLink {
  companyId: string;
  primary: boolean;
}

/**
 * Contact ⇄ company associations. A contact has at most one primary company; making another
 * company primary demotes the old one to unlabeled (it stays associated), as HubSpot does.
 * The contact's `associatedcompanyid` follows the primary. Merges move associations to the
 * survivor; archiving either record drops its associations.
 */
export class AssociationStore {
  /** contactId → companyId → primary. */
  readonly #byContact = new Map<string, Map<string, boolean>>();
  readonly #listeners: ((c: AssociationChange) => void)[] = [];

  constructor(
    private readonly contacts: ContactStore,
    private readonly companies: ContactStore,
    private readonly now: () => number,
  ) {
    contacts.onChange((c) => this.#onRecordChange(c, 'contact'));
    companies.onChange((c) => this.#onRecordChange(c, 'company'));
  }

  /** Subscribe to association changes. */
  onChange(listener: (c: AssociationChange) => void): void {
    this.#listeners.push(listener);
  }

  /** Drop every association. */
  clear(): void {
    this.#byContact.clear();
  }

  /** The associations as saved with the sandbox's data. */
  snapshot(): AssociationSnapshot {
    return this.#byContact;
  }

  /** Replace every association with saved ones (no events: nothing changed). */
  load(saved: AssociationSnapshot): void {
    this.#byContact.clear();
    for (const [contactId, m] of saved) this.#byContact.set(contactId, new Map(m));
  }

  /** Companies associated with a contact (primary first). */
  companiesOf(contactId: string): CompanyLink[] {
    const links = [...(this.#byContact.get(contactId) ?? new Map<string, boolean>())];
    return links
      .map(([companyId, primary]) => ({ companyId, primary }))
      .sort((a, b) => +b.primary - +a.primary);
  }

  /** Contacts associated with a company. */
  contactsOf(companyId: string): { contactId: string; primary: boolean }[] {
    const out: { contactId: string; primary: boolean }[] = [];
    for (const [contactId, m] of this.#byContact) {
      const primary = m.get(companyId);
      if (primary !== undefined) out.push({ contactId, primary });
    }
    return out;
  }

  /** Check both records exist; HubSpot answers a missing one with 400 (not 404) in v4 batches. */
  #live(contactId: string, companyId: string): void {
    const missing = !this.contacts.get(contactId)
      ? `contact ${contactId}`
      : !this.companies.get(companyId)
        ? `company ${companyId}`
        : undefined;
    if (missing) {
      throw new HubSpotHttpError(
        400,
        errorBody('VALIDATION_ERROR', `One or more object ids are invalid: ${missing} does not exist.`),
      );
    }
  }

  /**
   * Associate (idempotent). `primary` makes the company the contact's primary and demotes the
   * previous primary; without it an existing primary label is kept.
   */
  associate(contactId: string, companyId: string, primary: boolean, actor: Actor): void {
    this.#live(contactId, companyId);
    const m = this.#byContact.get(contactId) ?? new Map<string, boolean>();
    this.#byContact.set(contactId, m);
    const was = m.get(companyId);
    if (was !== undefined && (was || !primary)) return;
    if (primary) {
      for (const [other, isPrimary] of m) {
        if (!isPrimary) continue;
        m.set(other, false);
        this.#emit({ contactId, companyId: other, removed: false, primary: false, actor });
      }
    }
    m.set(companyId, primary);
    if (primary) this.#setPrimaryProperty(contactId, companyId, actor);
    this.#emit({ contactId, companyId, removed: false, primary, actor });
  }

  /** Remove the primary label only; the pair stays associated (unlabeled). */
  demote(contactId: string, companyId: string, actor: Actor): void {
    const m = this.#byContact.get(contactId);
    if (!m?.get(companyId)) return;
    m.set(companyId, false);
    this.#setPrimaryProperty(contactId, '', actor);
    this.#emit({ contactId, companyId, removed: false, primary: false, actor });
  }

  /** Remove every association type between the pair. */
  remove(contactId: string, companyId: string, actor: Actor): void {
    const m = this.#byContact.get(contactId);
    const was = m?.get(companyId);
    if (!m || was === undefined) return;
    m.delete(companyId);
    if (m.size === 0) this.#byContact.delete(contactId);
    if (was) this.#setPrimaryProperty(contactId, '', actor);
    this.#emit({ contactId, companyId, removed: true, primary: was, actor });
  }

  #setPrimaryProperty(contactId: string, companyId: string, actor: Actor): void {
    const c = this.contacts.get(contactId);
    if (c) this.contacts.setComputed(c, 'associatedcompanyid', companyId, actor);
  }

  #emit(c: Omit<AssociationChange, 'at'>): void {
    const change = { ...c, at: this.now() };
    for (const l of this.#listeners) l(change);
  }

  #onRecordChange(change: ContactChange, side: 'contact' | 'company'): void {
    if (change.kind === 'deletion') {
      // An archived record loses its associations (restoring it does not bring them back here).
      const pairs =
        side === 'contact'
          ? this.companiesOf(change.id).map((l) => [change.id, l.companyId] as const)
          : this.contactsOf(change.id).map((l) => [l.contactId, change.id] as const);
      for (const [contactId, companyId] of pairs) this.remove(contactId, companyId, change.actor);
    }
    if (change.kind !== 'merge') return;
    // The survivor takes over the merged record's associations; a contact keeps its own primary.
    for (const mergedId of change.mergedIds) {
      if (side === 'contact') {
        const moved = this.#byContact.get(mergedId);
        this.#byContact.delete(mergedId);
        const keepsPrimary = this.companiesOf(change.id).some((l) => l.primary);
        for (const [companyId, primary] of moved ?? []) {
          this.associate(change.id, companyId, primary && !keepsPrimary, change.actor);
        }
      } else {
        for (const [contactId, m] of this.#byContact) {
          const primary = m.get(mergedId);
          if (primary === undefined) continue;
          m.delete(mergedId);
          this.associate(contactId, change.id, primary, change.actor);
        }
      }
    }
  }
}

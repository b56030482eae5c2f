import type { IncomingMessage } from 'node:http';
import { fakePeople } from '../common/fake-people.ts';
import { Prng } from '../common/prng.ts';
import { AssociationStore, type AssociationSnapshot } from './association-store.ts';
import { type Actor, type ContactSnapshot, ContactStore } from './contact-store.ts';
import { FaultState } from './faults.ts';
import { RateLimits } from './limits.ts';
import { ListStore, type StoredList } from './list-store.ts';
import { COMPANIES } from './object-types.ts';
import type { ResolvedOptions, SeedOptions } from './options.ts';
import { type OwnerSnapshot, OwnerStore } from './owner-store.ts';
import { type WebhookEvent, WebhookDispatcher } from './webhooks.ts';

/** The user id shown for changes made "in the HubSpot UI". */
export const UI_USER_ID = 9009001;

/** The sandbox's data as saved on disk: contacts, lists and their id counters. */
export interface HubSpotSnapshot {
  contacts: ContactSnapshot;
  /** Absent in files saved before companies existed. */
  companies?: ContactSnapshot;
  associations?: AssociationSnapshot;
  owners?: OwnerSnapshot;
  lists: { lists: Map<string, StoredList>; nextId: number };
  /** crmsync skips an event id it has processed: a reused one would be dropped as a duplicate. */
  webhooks?: { nextEventId: number; unacknowledged?: WebhookEvent[] };
}

/** Everything one sandbox instance holds. */
export class SandboxState {
  readonly contacts: ContactStore;
  readonly companies: ContactStore;
  readonly associations: AssociationStore;
  readonly owners: OwnerStore;
  readonly lists: ListStore;
  readonly webhooks: WebhookDispatcher;
  readonly limits: RateLimits;
  readonly faults = new FaultState();
  readonly revoked = new Set<string>();
  readonly counters = new Map<string, number>();
  readonly #actors = new WeakMap<IncomingMessage, Actor>();

  constructor(readonly opts: ResolvedOptions) {
    this.contacts = new ContactStore(opts.now, opts.portalId);
    this.companies = new ContactStore(opts.now, opts.portalId, COMPANIES);
    this.owners = new OwnerStore(opts.now);
    // hubspot_owner_id takes an active owner's id (INVALID_OWNER_ID otherwise).
    this.contacts.ownerExists = this.companies.ownerExists = (id) => this.owners.isAssignable(id);
    this.lists = new ListStore(this.contacts, opts.now, opts.listProcessingDelayMs);
    this.webhooks = new WebhookDispatcher(opts, this.faults);
    this.contacts.onChange((c) => this.webhooks.onChange(c));
    this.companies.onChange((c) => this.webhooks.onChange(c, 'company'));
    this.associations = new AssociationStore(this.contacts, this.companies, opts.now);
    this.associations.onChange((c) => this.webhooks.onAssociationChange(c));
    this.limits = new RateLimits(opts);
  }

  /** Attribution of a token: the crmsync app, or some other API caller. */
  actorForToken(token: string): Actor {
    if (this.opts.appTokens.has(token)) return { source: 'INTEGRATION', sourceId: String(this.opts.appId) };
    return { source: 'API' };
  }

  /** A human in the HubSpot UI. */
  uiActor(): Actor {
    return { source: 'CRM_UI', sourceId: `userId:${UI_USER_ID}`, userId: UI_USER_ID };
  }

  /** Remember who sent a request. */
  setActor(req: IncomingMessage, actor: Actor): void {
    this.#actors.set(req, actor);
  }

  /** Who sent a request (API by default). */
  actor(req: IncomingMessage): Actor {
    return this.#actors.get(req) ?? { source: 'API' };
  }

  /** Count one API call. */
  count(key: string): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  /** The data a restart needs (a CRM keeps its records; limits, faults and counters are per run). */
  snapshot(): HubSpotSnapshot {
    const records = (c: ContactStore): ContactSnapshot => ({
      contacts: c.contacts,
      mergedInto: c.mergedInto,
      properties: c.properties,
      nextId: c.nextId,
    });
    return {
      contacts: records(this.contacts),
      companies: records(this.companies),
      associations: this.associations.snapshot(),
      owners: this.owners.snapshot(),
      lists: { lists: this.lists.lists, nextId: this.lists.nextId },
      webhooks: { nextEventId: this.webhooks.nextEventId, unacknowledged: this.webhooks.unacknowledged() },
    };
  }

  /** Puts saved data back (no webhook fires: nothing changed, the sandbox only restarted). */
  load(saved: HubSpotSnapshot): void {
    this.contacts.load(saved.contacts);
    if (saved.companies) this.companies.load(saved.companies);
    if (saved.associations) this.associations.load(saved.associations);
    if (saved.owners) this.owners.load(saved.owners);
    this.lists.load(saved.lists);
    if (saved.webhooks) {
      this.webhooks.nextEventId = saved.webhooks.nextEventId;
      this.webhooks.requeue(saved.webhooks.unacknowledged ?? []);
    }
  }

  /** Forget all data, counters, faults and revocations (options stay). */
  reset(): void {
    this.webhooks.clear();
    this.lists.clear();
    this.associations.clear();
    this.contacts.clear();
    this.companies.clear();
    this.owners.clear();
    this.limits.reset();
    this.faults.clear();
    this.revoked.clear();
    this.counters.clear();
  }

  /**
   * Create N realistic contacts as a UI import would (no webhooks are queued for them:
   * seeding is set-up, not a change anyone subscribed to). Returns their ids.
   */
  seed(opts: SeedOptions): string[] {
    const people = fakePeople(opts.contacts, {
      seed: opts.seed ?? 42,
      ...(opts.emailDomainPool ? { emailDomainPool: opts.emailDomainPool } : {}),
    });
    const rng = new Prng((opts.seed ?? 42) ^ 0x5eed);
    const segmentRate = opts.segmentRate ?? 0.3;
    const url = this.webhooks.url;
    this.webhooks.url = undefined;
    const ids: string[] = [];
    try {
      for (const p of people) {
        if (this.contacts.holderOfEmail(p.email)) continue;
        const stage = rng.chance(segmentRate)
          ? rng.pick(['marketingqualifiedlead', 'salesqualifiedlead'] as const)
          : rng.pick(['subscriber', 'lead', 'opportunity', 'customer'] as const);
        const c = this.contacts.create(
          {
            email: p.email,
            firstname: p.firstName,
            lastname: p.lastName,
            company: p.company,
            jobtitle: p.jobTitle,
            phone: p.phone,
            lifecyclestage: stage,
          },
          { source: 'CRM_UI', sourceId: 'IMPORT' },
        );
        ids.push(c.id);
      }
    } finally {
      this.webhooks.url = url;
    }
    return ids;
  }
}

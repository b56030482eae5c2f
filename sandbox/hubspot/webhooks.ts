import type { AssociationChange } from './association-store.ts';
import type { Actor, ContactChange } from './contact-store.ts';
import type { ResolvedOptions } from './options.ts';
import { signV3 } from './webhook-signature.ts';

/** One webhook event as HubSpot POSTs it (v3 app webhooks, `subscriptionType` form). */
export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource?: string;
  sourceId?: string;
  changeFlag?: string;
  propertyName?: string;
  propertyValue?: string;
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
  numberOfPropertiesMoved?: number;
  associationType?: string;
  fromObjectId?: number;
  toObjectId?: number;
  associationRemoved?: boolean;
  isPrimaryAssociation?: boolean;
}

/** Subscription types and their (stable) subscription ids. */
export const SUBSCRIPTIONS: Record<string, number> = {
  'contact.creation': 2_100_001,
  'contact.deletion': 2_100_002,
  'contact.propertyChange': 2_100_003,
  'contact.merge': 2_100_004,
  'contact.restore': 2_100_005,
  'contact.privacyDeletion': 2_100_006,
  'contact.associationChange': 2_100_007,
  'company.creation': 2_100_011,
  'company.deletion': 2_100_012,
  'company.propertyChange': 2_100_013,
  'company.merge': 2_100_014,
  'company.restore': 2_100_015,
};

// HubSpot does not offer these for property change subscriptions (webhooks docs).
const NOT_SUBSCRIBABLE = new Set(['hs_lastmodifieddate', 'lastmodifieddate', 'num_unique_conversion_events']);

interface Pending {
  event: WebhookEvent;
  dueAt: number;
}

/** Faults applied to delivery. */
export interface DeliveryFaults {
  /** Return true to silently drop this event. */
  shouldDrop(): boolean;
}

/**
 * Queues contact, company and association events, batches them (<= 100 per request) after a short window, signs each
 * request with v3, delivers with a concurrency limit, and retries non-2xx answers with
 * exponential backoff (HubSpot retries up to 10 times).
 */
export class WebhookDispatcher {
  url: string | undefined;
  /** Property names subscribed for propertyChange; `undefined` means every property. */
  propertyFilter: Set<string> | undefined;
  /** Enabled subscription types. */
  readonly enabled = new Set(Object.keys(SUBSCRIPTIONS));
  #queue: Pending[] = [];
  #nextEventId = 1;
  /** The id of the next event: saved with the data, so an event id is never reused after a restart. */
  get nextEventId(): number {
    return this.#nextEventId;
  }
  set nextEventId(next: number) {
    this.#nextEventId = next;
  }
  #windowTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #closed = false;
  readonly #waiters: (() => void)[] = [];
  readonly #sending = new Set<Promise<[boolean, number]>>();
  /** Events sent and not yet answered: still owed to the receiver if the process dies now. */
  readonly #unanswered = new Set<Pending>();
  readonly stats = { delivered: 0, failed: 0, dropped: 0, requests: 0, givenUp: 0 };

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly faults: DeliveryFaults,
  ) {
    this.url = opts.webhookUrl;
    if (opts.webhookPropertyNames) this.propertyFilter = new Set(opts.webhookPropertyNames);
  }

  #source(actor: Actor): { changeSource: string; sourceId?: string } {
    const out: { changeSource: string; sourceId?: string } = { changeSource: actor.source };
    if (actor.sourceId !== undefined) out.sourceId = actor.sourceId;
    return out;
  }

  /** Turn a contact (or company) store change into zero or more events and queue them. */
  onChange(change: ContactChange, objectType: 'contact' | 'company' = 'contact'): void {
    const type = `${objectType}.${change.kind}`;
    if (!this.enabled.has(type)) return;
    const base = this.#base(type, change.at, change.id);
    let extra: Partial<WebhookEvent> = {};
    switch (change.kind) {
      case 'creation':
        extra = { changeFlag: 'NEW', ...this.#source(change.actor) };
        break;
      case 'deletion':
        extra = { changeFlag: 'DELETED', ...this.#source(change.actor) };
        break;
      case 'privacyDeletion':
        extra = { changeFlag: 'DELETED', ...this.#source(change.actor) };
        break;
      case 'restore':
        extra = { changeFlag: 'RESTORED', ...this.#source(change.actor) };
        break;
      case 'merge':
        extra = {
          ...this.#source(change.actor),
          primaryObjectId: Number(change.id),
          mergedObjectIds: change.mergedIds.map(Number),
          newObjectId: Number(change.id),
          numberOfPropertiesMoved: change.numberOfPropertiesMoved,
        };
        break;
      case 'propertyChange':
        if (NOT_SUBSCRIBABLE.has(change.propertyName)) return;
        if (this.propertyFilter && !this.propertyFilter.has(change.propertyName)) return;
        extra = {
          propertyName: change.propertyName,
          propertyValue: change.propertyValue,
          ...this.#source(change.actor),
        };
        break;
    }
    this.#enqueue({ ...base, ...extra } as Omit<WebhookEvent, 'eventId'>);
  }

  /**
   * Queue a `contact.associationChange` event (contact → company, as the v3 payload shapes it):
   * on association, removal, and when the primary label moves (the demoted company reports
   * `isPrimaryAssociation: false` with `associationRemoved: false`).
   */
  onAssociationChange(change: AssociationChange): void {
    const type = 'contact.associationChange';
    if (!this.enabled.has(type)) return;
    this.#enqueue({
      ...this.#base(type, change.at, change.contactId),
      ...this.#source(change.actor),
      associationType: 'CONTACT_TO_COMPANY',
      fromObjectId: Number(change.contactId),
      toObjectId: Number(change.companyId),
      associationRemoved: change.removed,
      isPrimaryAssociation: change.primary,
    });
  }

  /** The fields every event of a subscription type carries. */
  #base(type: string, at: number, objectId: string): Omit<WebhookEvent, 'eventId'> {
    return {
      subscriptionId: SUBSCRIPTIONS[type] ?? 0,
      portalId: this.opts.portalId,
      appId: this.opts.appId,
      occurredAt: at,
      subscriptionType: type,
      attemptNumber: 0,
      objectId: Number(objectId),
    };
  }

  #enqueue(event: Omit<WebhookEvent, 'eventId'>): void {
    if (!this.url) return;
    if (this.faults.shouldDrop()) {
      this.stats.dropped++;
      return;
    }
    this.#queue.push({ event: { eventId: this.#nextEventId++, ...event }, dueAt: 0 });
    this.#armWindow();
  }

  #armWindow(): void {
    if (this.#windowTimer || this.#closed) return;
    this.#windowTimer = setTimeout(() => {
      this.#windowTimer = undefined;
      void this.#deliverDue(false);
    }, this.opts.webhookBatchWindowMs);
    this.#windowTimer.unref();
  }

  #armRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#closed) return;
    const next = Math.min(...this.#queue.filter((p) => p.dueAt > 0).map((p) => p.dueAt));
    if (!Number.isFinite(next)) return;
    const delay = Math.max(0, next - this.opts.now());
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#deliverDue(false);
    }, delay);
    this.#retryTimer.unref();
  }

  /**
   * Every event not yet acknowledged by the receiver (queued, waiting for a retry, or sent and not
   * answered), saved with the data: HubSpot keeps retrying a webhook across an outage of the
   * receiver, so a restart must not forget the ones it owes.
   */
  unacknowledged(): WebhookEvent[] {
    return [...this.#queue, ...this.#unanswered].map((p) => p.event);
  }

  /** Queues saved events again (a restart); they go out once a URL is set and the window passes. */
  requeue(events: WebhookEvent[]): void {
    for (const event of events) this.#queue.push({ event, dueAt: 0 });
    this.deliverSoon();
  }

  /** Arms the batching window when events wait (after a restart, or once a URL is set). */
  deliverSoon(): void {
    if (this.#queue.length > 0) this.#armWindow();
  }

  /** Events waiting for delivery (including scheduled retries). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Deliver every pending event now (retries included) and wait for the answers. */
  async flush(): Promise<{ delivered: number; failed: number }> {
    if (this.#windowTimer) clearTimeout(this.#windowTimer);
    this.#windowTimer = undefined;
    return this.#deliverDue(true);
  }

  async #acquire(): Promise<void> {
    while (this.#inFlight >= this.opts.webhookConcurrency) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    this.#inFlight++;
  }

  #release(): void {
    this.#inFlight--;
    this.#waiters.shift()?.();
  }

  async #deliverDue(all: boolean): Promise<{ delivered: number; failed: number }> {
    const now = this.opts.now();
    const due: Pending[] = [];
    const rest: Pending[] = [];
    for (const p of this.#queue) (all || p.dueAt <= now ? due : rest).push(p);
    this.#queue = rest;
    const batches: Pending[][] = [];
    for (let i = 0; i < due.length; i += 100) batches.push(due.slice(i, i + 100));
    // A flush also waits for deliveries the batching window already started, so that
    // "flush resolved" means "the receiver has answered for every event so far".
    const earlier = all ? [...this.#sending] : [];
    const sends = batches.map((b) => this.#track(this.#send(b)));
    const results = await Promise.all([...earlier, ...sends]);
    let delivered = 0;
    let failed = 0;
    for (const [ok, n] of results) {
      if (ok) delivered += n;
      else failed += n;
    }
    this.#armRetry();
    return { delivered, failed };
  }

  #track(p: Promise<[boolean, number]>): Promise<[boolean, number]> {
    this.#sending.add(p);
    void p.finally(() => this.#sending.delete(p));
    return p;
  }

  async #send(batch: Pending[]): Promise<[boolean, number]> {
    const url = this.url;
    if (!url || this.#closed) {
      this.#queue.push(...batch);
      return [false, batch.length];
    }
    for (const p of batch) this.#unanswered.add(p);
    await this.#acquire();
    let ok = false;
    try {
      const body = JSON.stringify(batch.map((p) => p.event));
      const timestamp = this.opts.now();
      this.stats.requests++;
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nonprod)',
          'X-HubSpot-Signature-v3': signV3(this.opts.clientSecret, 'POST', url, body, timestamp),
          'X-HubSpot-Signature-Version': 'v3',
          'X-HubSpot-Request-Timestamp': String(timestamp),
        },
        body,
        // HubSpot gives the receiver five seconds before counting a timeout.
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer().catch(() => undefined);
      ok = res.status >= 200 && res.status < 300;
    } catch {
      ok = false;
    } finally {
      this.#release();
      for (const p of batch) this.#unanswered.delete(p);
    }
    if (ok) {
      this.stats.delivered += batch.length;
      return [true, batch.length];
    }
    this.stats.failed += batch.length;
    const now = this.opts.now();
    for (const p of batch) {
      const attempt = p.event.attemptNumber + 1;
      if (attempt >= this.opts.webhookMaxAttempts) {
        this.stats.givenUp++;
        continue;
      }
      p.event = { ...p.event, attemptNumber: attempt };
      p.dueAt = now + this.opts.webhookRetryBaseMs * 2 ** (attempt - 1);
      this.#queue.push(p);
    }
    return [false, batch.length];
  }

  /** Drop all pending events. */
  clear(): void {
    this.#queue = [];
    if (this.#windowTimer) clearTimeout(this.#windowTimer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#windowTimer = this.#retryTimer = undefined;
  }

  /** Stop timers; pending events are discarded. */
  close(): void {
    this.#closed = true;
    this.clear();
  }
}

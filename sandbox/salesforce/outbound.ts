/**
 * Workflow outbound messages: on every create and update of a Lead, Contact or Account, a
 * notification is queued; up to 100 notifications of one object (one outbound message
 * action) go in one SOAP `notifications` envelope, POSTed to the endpoint and retried with
 * backoff until it answers `notificationsResponse` with `<Ack>true</Ack>`.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_wsdl.htm
 */
import { DeliveryQueue } from './delivery-queue.ts';
import { IdFactory, KEY_PREFIX, makeId } from './ids.ts';
import { findObject } from './schema.ts';
import type { CommittedTransaction } from './store.ts';
import { xmlEscape } from './xml.ts';

/** One queued notification. */
export interface OutboundNotification {
  notificationId: string;
  objectType: string;
  fields: Record<string, unknown>;
}

/** Options of the messenger. */
export interface OutboundOptions {
  orgId: string;
  url: string | undefined;
  windowMs: number;
  auto: boolean;
  now: () => number;
  /** True when an injected fault drops this delivery (it never reaches the receiver). */
  dropped: () => boolean;
}

/** One outbound message action per object, as an admin would set up for crmsync. */
export const ACTION_IDS: Readonly<Record<string, string>> = {
  Lead: makeId(KEY_PREFIX.OutboundAction, 1),
  Contact: makeId(KEY_PREFIX.OutboundAction, 2),
  Account: makeId(KEY_PREFIX.OutboundAction, 3),
};

const ACK_RE = /<(?:[A-Za-z0-9_]+:)?Ack>\s*true\s*<\/(?:[A-Za-z0-9_]+:)?Ack>/;

/** Queues and delivers outbound messages. */
export class OutboundMessenger {
  readonly #queue: DeliveryQueue<OutboundNotification>;
  readonly #ids = new IdFactory();
  #url: string | undefined;
  #baseUrl = 'http://127.0.0.1';

  /**
   * The counter of the next notification id: saved with the org's data, because crmsync skips a
   * notification id it has processed and would drop a reused one as a duplicate.
   */
  get idCounter(): number {
    return this.#ids.counter;
  }
  set idCounter(next: number) {
    this.#ids.counter = next;
  }

  constructor(readonly options: OutboundOptions) {
    this.#url = options.url;
    this.#queue = new DeliveryQueue<OutboundNotification>({
      windowMs: options.windowMs,
      auto: options.auto,
      now: options.now,
      batchSize: 100, // notifications maxOccurs="100" in the WSDL
      groupOf: (n) => n.objectType,
      send: (batch) => this.#send(batch),
      concurrency: 2,
    });
  }

  /** Set (or clear) the endpoint. */
  setUrl(url: string | undefined): void {
    this.#url = url;
  }

  /** The sandbox URL (EnterpriseUrl/PartnerUrl point back at it). */
  setBaseUrl(url: string): void {
    this.#baseUrl = url;
  }

  /** Queue notifications for a committed transaction. */
  onCommit(t: CommittedTransaction): void {
    if (!this.#url) return;
    const items: OutboundNotification[] = [];
    for (const c of t.changes) {
      if (c.changeType !== 'CREATE' && c.changeType !== 'UPDATE') continue;
      if (ACTION_IDS[c.entityName] === undefined) continue;
      items.push({
        notificationId: this.#ids.next(KEY_PREFIX.OutboundNotification),
        objectType: c.entityName,
        fields: c.record,
      });
    }
    this.#queue.push(items);
  }

  /** What is not yet acknowledged (saved with the org's data; see DeliveryQueue). */
  unacknowledged(): OutboundNotification[] {
    return this.#queue.unacknowledged();
  }

  /** Queues saved items again after a restart. */
  requeue(items: OutboundNotification[]): void {
    this.#queue.push(items);
  }

  /** Deliver everything pending now. */
  flush(): Promise<{ delivered: number; failed: number }> {
    return this.#queue.flush();
  }

  /** Pending notifications. */
  get pending(): number {
    return this.#queue.size;
  }

  /** Stop timers. */
  stop(): void {
    this.#queue.stop();
  }

  /** Forget pending notifications. */
  reset(): void {
    this.#queue.reset();
    this.#ids.reset();
  }

  async #send(batch: OutboundNotification[]): Promise<boolean> {
    const url = this.#url;
    if (!url) return false;
    if (this.options.dropped()) return false;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: '""',
        'user-agent': 'Salesforce sandbox (crmsync)',
      },
      body: buildNotificationsEnvelope({
        orgId: this.options.orgId,
        actionId: ACTION_IDS[batch[0]?.objectType ?? 'Lead'] ?? '',
        baseUrl: this.#baseUrl,
        notifications: batch,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return res.status === 200 && ACK_RE.test(text);
  }
}

/** Build the SOAP 1.1 `notifications` request exactly as Salesforce sends it. */
export function buildNotificationsEnvelope(input: {
  orgId: string;
  actionId: string;
  baseUrl: string;
  notifications: OutboundNotification[];
  sessionId?: string;
}): string {
  const org15 = input.orgId.slice(0, 15);
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ' <soapenv:Body>',
    '  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">',
    `   <OrganizationId>${xmlEscape(input.orgId)}</OrganizationId>`,
    `   <ActionId>${xmlEscape(input.actionId)}</ActionId>`,
    input.sessionId
      ? `   <SessionId>${xmlEscape(input.sessionId)}</SessionId>`
      : '   <SessionId xsi:nil="true"/>',
    `   <EnterpriseUrl>${xmlEscape(`${input.baseUrl}/services/Soap/c/64.0/${org15}`)}</EnterpriseUrl>`,
    `   <PartnerUrl>${xmlEscape(`${input.baseUrl}/services/Soap/u/64.0/${org15}`)}</PartnerUrl>`,
  ];
  for (const n of input.notifications) {
    const obj = findObject(n.objectType);
    parts.push('   <Notification>', `    <Id>${n.notificationId}</Id>`);
    parts.push(
      `    <sObject xsi:type="sf:${n.objectType}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">`,
    );
    for (const def of obj?.fields ?? []) {
      const v = n.fields[def.name];
      // Null fields are left out of the message, as in captured messages.
      if (v === null || v === undefined) continue;
      const text = def.type === 'datetime' && typeof v === 'string' ? v.replace('+0000', 'Z') : String(v);
      parts.push(`     <sf:${def.name}>${xmlEscape(text)}</sf:${def.name}>`);
    }
    parts.push('    </sObject>', '   </Notification>');
  }
  parts.push('  </notifications>', ' </soapenv:Body>', '</soapenv:Envelope>');
  return parts.join('\n');
}

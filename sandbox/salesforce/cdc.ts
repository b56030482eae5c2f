/**
 * Change Data Capture as delivered by Event Relay to Amazon EventBridge: one change event per
 * changed Lead/Contact/Account record, with the full ChangeEventHeader, body in the JSON (CometD)
 * shape — CREATE/UNDELETE: all non-empty fields; UPDATE: changed fields plus
 * LastModifiedDate; DELETE: none — compound fields (Name, Address, MailingAddress) nested,
 * wrapped in an EventBridge envelope (`detail-type` `<Entity>ChangeEvent`, `source`
 * `aws.partner/salesforce.com/<orgId>/<relayId>`, `detail.payload`) and POSTed as JSON.
 * https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_event_fields_header.htm
 * https://developer.salesforce.com/docs/platform/event-relay/guide/overview.html
 */
import { randomUUID } from 'node:crypto';
import { DeliveryQueue } from './delivery-queue.ts';
import { type FieldDef, findObject } from './schema.ts';
import type { CommittedTransaction, RecordChange } from './store.ts';

/** Gap and overflow change types (emitted on demand). */
export type GapKind = 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE' | 'GAP_OVERFLOW';

/** The ChangeEventHeader. */
export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  nulledFields: string[];
  diffFields: string[];
  changedFields: string[];
}

/** An EventBridge event as Event Relay puts it on the partner event bus. */
export interface RelayedEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    payload: Record<string, unknown> & { ChangeEventHeader: ChangeEventHeader };
    schemaId: string;
    id: string;
  };
}

/** Options of the relay. */
export interface CdcOptions {
  orgId: string;
  relayId: string;
  url: string | undefined;
  windowMs: number;
  auto: boolean;
  now: () => number;
  dropped: () => boolean;
  awsAccount?: string;
  region?: string;
}

/** Objects with change data capture selected (Setup → Change Data Capture). */
export type CdcEntity = 'Lead' | 'Contact' | 'Account';
const CDC_ENTITIES: ReadonlySet<string> = new Set<CdcEntity>(['Lead', 'Contact', 'Account']);

// Not part of change events (CDC guide: "Not included in change events"). A person's `Name`
// is the compound of FirstName/LastName and travels nested; an Account's Name is a plain field.
const EXCLUDED = new Set(['Id', 'IsDeleted', 'SystemModstamp', 'MasterRecordId']);
const excluded = (def: FieldDef): boolean =>
  EXCLUDED.has(def.name) || (def.name === 'Name' && def.system === true);
/** The empty record id used by overflow events. */
export const EMPTY_RECORD_ID = '000000000000000AAA';

/** Builds change events and delivers them. */
export class CdcRelay {
  readonly #queue: DeliveryQueue<RelayedEvent>;
  #url: string | undefined;
  #commitNumber = 1_100_823_480_000;

  constructor(readonly options: CdcOptions) {
    this.#url = options.url;
    this.#queue = new DeliveryQueue<RelayedEvent>({
      windowMs: options.windowMs,
      auto: options.auto,
      now: options.now,
      batchSize: 1, // an EventBridge API destination receives one event per request
      groupOf: () => 'all',
      send: (batch) => this.#send(batch),
      concurrency: 8,
    });
  }

  /** Set (or clear) the target URL. */
  setUrl(url: string | undefined): void {
    this.#url = url;
  }

  /** Build events for a committed transaction. */
  onCommit(t: CommittedTransaction): void {
    if (!this.#url) return;
    const transactionKey = randomUUID();
    const commitNumber = ++this.#commitNumber;
    const changeOrigin =
      t.origin.kind === 'ui'
        ? ''
        : `com/salesforce/api/rest/${t.origin.apiVersion ?? '64.0'}${t.origin.client ? `;client=${t.origin.client}` : ''}`;
    const events: RelayedEvent[] = [];
    t.changes.forEach((c, i) => {
      if (!CDC_ENTITIES.has(c.entityName)) return;
      const header: ChangeEventHeader = {
        entityName: c.entityName,
        recordIds: [c.recordId],
        changeType: c.changeType,
        changeOrigin,
        transactionKey,
        sequenceNumber: i + 1,
        commitTimestamp: t.commitTimestamp,
        commitNumber,
        commitUser: t.origin.userId,
        nulledFields: [],
        diffFields: [],
        changedFields: [],
      };
      events.push(this.#wrap(header, bodyFor(c, header)));
    });
    this.#queue.push(events);
  }

  /** Emit a gap or overflow event (header and record ids only; receivers must re-read). */
  emitGap(kind: GapKind, entityName: CdcEntity, ids: string[]): void {
    if (!this.#url) return;
    const header: ChangeEventHeader = {
      entityName,
      recordIds: kind === 'GAP_OVERFLOW' ? [EMPTY_RECORD_ID] : ids,
      changeType: kind,
      changeOrigin: '',
      transactionKey: randomUUID(),
      sequenceNumber: 1,
      commitTimestamp: this.options.now(),
      commitNumber: ++this.#commitNumber,
      commitUser: '005000000000000AAA',
      nulledFields: [],
      diffFields: [],
      changedFields: [],
    };
    this.#queue.push([this.#wrap(header, {})]);
  }

  #wrap(header: ChangeEventHeader, body: Record<string, unknown>): RelayedEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': `${header.entityName}ChangeEvent`,
      source: `aws.partner/salesforce.com/${this.options.orgId}/${this.options.relayId}`,
      account: this.options.awsAccount ?? '000000000000',
      time: new Date(header.commitTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region ?? 'us-east-1',
      resources: [],
      detail: {
        payload: { ChangeEventHeader: header, ...body },
        schemaId: `sandbox-${header.entityName}ChangeEvent-v1`,
        id: randomUUID(),
      },
    };
  }

  /** What is not yet acknowledged (saved with the org's data; see DeliveryQueue). */
  unacknowledged(): RelayedEvent[] {
    return this.#queue.unacknowledged();
  }

  /** Queues saved items again after a restart. */
  requeue(items: RelayedEvent[]): void {
    this.#queue.push(items);
  }

  /** Deliver everything pending now. */
  flush(): Promise<{ delivered: number; failed: number }> {
    return this.#queue.flush();
  }

  /** Stop timers. */
  stop(): void {
    this.#queue.stop();
  }

  /** Forget pending events. */
  reset(): void {
    this.#queue.reset();
  }

  async #send(batch: RelayedEvent[]): Promise<boolean> {
    const url = this.#url;
    const event = batch[0];
    if (!url || !event) return false;
    // A dropped delivery is lost, as an event that never reaches the bus.
    if (this.options.dropped()) return true;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 300;
  }
}

function cdcValue(def: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (def.type === 'datetime' && typeof v === 'string') return v.replace('+0000', 'Z');
  return v;
}

/** The change event body for one record change; fills the header's field lists. */
function bodyFor(c: RecordChange, header: ChangeEventHeader): Record<string, unknown> {
  const obj = findObject(c.entityName);
  if (!obj || c.changeType === 'DELETE') return {};
  const body: Record<string, unknown> = {};
  const put = (def: FieldDef, v: unknown): string => {
    if (def.compound) {
      const nested = (body[def.compound.field] as Record<string, unknown> | undefined) ?? {};
      nested[def.compound.component] = cdcValue(def, v);
      body[def.compound.field] = nested;
      return `${def.compound.field}.${def.compound.component}`;
    }
    body[def.name] = cdcValue(def, v);
    return def.name;
  };
  if (c.changeType === 'UPDATE') {
    for (const name of c.changedFields) {
      const def = obj.byLowerName.get(name.toLowerCase());
      if (!def || excluded(def)) continue;
      const label = put(def, c.record[def.name]);
      header.changedFields.push(label);
      if (c.nulledFields.includes(def.name)) header.nulledFields.push(label);
    }
    return body;
  }
  for (const def of obj.fields) {
    if (excluded(def)) continue;
    const v = c.record[def.name];
    if (v === null || v === undefined) continue;
    put(def, v);
  }
  return body;
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChangeNotice, NoticeKind } from '../domain/notice.ts';

/**
 * Parsing of a HubSpot webhook batch (v3 app webhooks) into ChangeNotices.
 * Field reference: https://developers.hubspot.com/docs/api/webhooks
 *
 * - A batch is a JSON array of up to 100 events. Each event is validated on its own, so one bad
 *   event never loses the valid ones next to it.
 * - The type is in `subscriptionType` (real deliveries, SDK examples) or `eventType` (the docs
 *   page): both are accepted. The generic format (`object.creation`, ... with `objectTypeId`) is
 *   accepted for contacts (`0-1`) and companies (`0-2`, C8).
 * - Echo layer 1 (docs/design.md#echo-suppression): changes made by our own app come back with
 *   `changeSource: "INTEGRATION"` (or `API`) and `sourceId` naming our app id; they are dropped.
 * - Several propertyChange events for one contact *at one instant* in a batch (a creation's
 *   properties) become one `updated` notice with the union of changed properties; changes at other
 *   instants get notices of their own, so each notice's `occurredAt` is the time of every property
 *   it names.
 */

/** HubSpot says a batch is "under 100" notifications; anything above is not HubSpot. */
export const MAX_EVENTS_PER_BATCH = 100;
/** HubSpot's object type id for contacts in the generic (`object.*`) format. */
export const CONTACT_OBJECT_TYPE_ID = '0-1';

/** HubSpot ids arrive as JSON numbers (sometimes strings); we carry them as digit strings. */
const hubspotId = z
  .union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[1-9][0-9]{0,18}$/)])
  .transform(String);

/** One webhook event, as far as crmsync reads it; other fields are ignored (and stripped). */
export const webhookEventSchema = z
  .object({
    eventId: hubspotId,
    subscriptionType: z.string().max(100).optional(),
    eventType: z.string().max(100).optional(),
    objectId: hubspotId,
    objectTypeId: z.string().max(20).optional(),
    portalId: hubspotId.optional(),
    appId: hubspotId.optional(),
    occurredAt: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    propertyName: z.string().max(1000).optional(),
    changeSource: z.string().max(100).optional(),
    sourceId: z.union([z.string().max(200), z.number()]).optional(),
    primaryObjectId: hubspotId.optional(),
    mergedObjectIds: z.array(hubspotId).max(1000).optional(),
    newObjectId: hubspotId.optional(),
    /** `contact.associationChange`: which association changed (`CONTACT_TO_COMPANY` is the one C6 follows). */
    associationType: z.string().max(100).optional(),
  })
  .refine((e) => e.subscriptionType !== undefined || e.eventType !== undefined, {
    message: 'an event needs subscriptionType or eventType',
  });
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/** Why an event produced no notice. Each is counted and logged (docs/design.md#structured-logs). */
export type IgnoreReason =
  | 'invalid-event'
  | 'unknown-type'
  | 'unsupported-object'
  | 'echo'
  | 'wrong-portal'
  | 'duplicate';

export interface ParsedBatch {
  notices: ChangeNotice[];
  /** Events received in the batch. */
  received: number;
  /** Events that produced no notice, by reason, with up to 10 example event ids (or indexes) each. */
  ignored: Partial<Record<IgnoreReason, { count: number; examples: string[] }>>;
  /** Property names dropped from `changedFields` because they are not valid HubSpot names. */
  invalidFieldNames: number;
}

export interface ParseOptions {
  /** Our HubSpot app id: changes it made are echoes. */
  appId: string;
  /** When set, events from another portal (HubSpot account) are ignored. */
  portalId?: string;
}

/**
 * HubSpot internal property names are lower-case letters, digits and underscores. Anything else
 * (NUL, RTL marks, `__proto__`) is dropped from `changedFields` rather than passed on as a key.
 */
const PROPERTY_NAME = /^[a-z][a-z0-9_]{0,254}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Action =
  | 'creation'
  | 'propertyChange'
  | 'deletion'
  | 'privacyDeletion'
  | 'restore'
  | 'merge'
  | 'associationChange';
const ACTIONS: Record<string, Action> = {
  creation: 'creation',
  propertyChange: 'propertyChange',
  deletion: 'deletion',
  privacyDeletion: 'privacyDeletion',
  restore: 'restore',
  merge: 'merge',
  associationChange: 'associationChange',
};
const KIND_OF: Record<Exclude<Action, 'merge'>, NoticeKind> = {
  creation: 'created',
  propertyChange: 'updated',
  deletion: 'deleted',
  privacyDeletion: 'deleted',
  restore: 'restored',
  associationChange: 'updated',
};

/**
 * C6, C8: a contact's company association changed. It becomes an `updated` notice of the contact
 * naming `associatedcompanyid` (the property HubSpot keeps equal to the primary company) as changed,
 * so it coalesces with the contact's other changes and the processor compares the primary company
 * with AccountId at the event's time. The mirror `company.associationChange` says the same thing
 * from the company's side and is ignored, as are associations to other objects.
 */
const PRIMARY_COMPANY_PROPERTY = 'associatedcompanyid';
const CONTACT_TO_COMPANY = 'CONTACT_TO_COMPANY';

/** HubSpot's object type id for companies in the generic (`object.*`) format. */
export const COMPANY_OBJECT_TYPE_ID = '0-2';

/** The objects whose events become notices: contacts, and companies (C8). */
type EventObject = 'contact' | 'company';

/**
 * `contact.propertyChange`, `company.propertyChange` / `object.propertyChange` (objectTypeId 0-1
 * or 0-2) → the object and action; else why not.
 */
function actionOf(
  event: WebhookEvent,
): { object: EventObject; action: Action } | 'unknown-type' | 'unsupported-object' {
  const type = event.subscriptionType ?? event.eventType ?? '';
  const dot = type.indexOf('.');
  if (dot < 0) return 'unknown-type';
  const prefix = type.slice(0, dot);
  const action = ACTIONS[type.slice(dot + 1)];
  const object: EventObject | undefined =
    prefix === 'contact' || prefix === 'company'
      ? prefix
      : prefix === 'object' && event.objectTypeId === CONTACT_OBJECT_TYPE_ID
        ? 'contact'
        : prefix === 'object' && event.objectTypeId === COMPANY_OBJECT_TYPE_ID
          ? 'company'
          : undefined;
  if (!object) return 'unsupported-object';
  if (action === 'associationChange') {
    if (object !== 'contact') return 'unknown-type';
    if ((event.associationType ?? CONTACT_TO_COMPANY) !== CONTACT_TO_COMPANY) return 'unsupported-object';
  }
  return action ? { object, action } : 'unknown-type';
}

/** Our app's own write, reported back to us (echo layer 1). */
export function isOwnChange(event: Pick<WebhookEvent, 'changeSource' | 'sourceId'>, appId: string): boolean {
  if (event.sourceId === undefined) return false;
  const source = (event.changeSource ?? '').toUpperCase();
  if (source !== 'INTEGRATION' && source !== 'API') return false;
  // HubSpot writes the app id bare in property history; some deliveries prefix it.
  const id = String(event.sourceId).replace(/^(appId|app|integration):/i, '');
  return id === appId;
}

/**
 * Parses a decoded JSON batch. Never throws on bad events; the caller has already checked that the
 * body is a JSON array of at most MAX_EVENTS_PER_BATCH elements.
 */
export function parseWebhookBatch(items: unknown[], options: ParseOptions): ParsedBatch {
  const result: ParsedBatch = { notices: [], received: items.length, ignored: {}, invalidFieldNames: 0 };
  const ignore = (reason: IgnoreReason, example: string) => {
    const entry = result.ignored[reason] ?? { count: 0, examples: [] };
    result.ignored[reason] = entry;
    entry.count += 1;
    if (entry.examples.length < 10) entry.examples.push(example);
  };
  const seenEventIds = new Set<string>();
  /**
   * Pending `updated` notices per record and time (`contact:<id>@<occurredAt>`), coalesced; with their
   * source `eventId:objectId` keys. Only changes of one instant fold into one notice (a creation's
   * properties, a form's fields): a notice says every field it names changed at its `occurredAt`, and
   * the two-way rule compares those times (docs/design.md#two-way). Folding a property set at creation
   * with an edit of another property a moment later stamped the first with the edit's time, and an older
   * value then beat a newer Salesforce change (reliability finding 23).
   */
  const updates = new Map<
    string,
    { notice: ChangeNotice; eventIds: string[]; fields: Set<string>; fieldsKnown: boolean }
  >();

  items.forEach((item, index) => {
    const parsed = webhookEventSchema.safeParse(item);
    if (!parsed.success) {
      ignore('invalid-event', `#${index}`);
      return;
    }
    const event = parsed.data;
    const parsedType = actionOf(event);
    if (parsedType === 'unknown-type' || parsedType === 'unsupported-object') {
      ignore(parsedType, event.eventId);
      return;
    }
    const { object, action } = parsedType;
    if (
      options.portalId !== undefined &&
      event.portalId !== undefined &&
      event.portalId !== options.portalId
    ) {
      ignore('wrong-portal', event.eventId);
      return;
    }
    if (isOwnChange(event, options.appId)) {
      ignore('echo', event.eventId);
      return;
    }
    // HubSpot may send the same event twice in one batch; the same (eventId, object, type) is one change.
    const dedupeKey = `${event.eventId}:${event.objectId}:${event.subscriptionType ?? event.eventType}:${event.propertyName ?? ''}`;
    if (seenEventIds.has(dedupeKey)) {
      ignore('duplicate', event.eventId);
      return;
    }
    seenEventIds.add(dedupeKey);

    if (action === 'merge') {
      result.notices.push(...mergeNotices(event, object));
      return;
    }
    const kind = KIND_OF[action];
    if (kind !== 'updated') {
      result.notices.push({
        source: 'hubspot',
        objectType: object,
        recordId: event.objectId,
        kind,
        eventId: noticeEventId(event.eventId, event.objectId, action),
        occurredAt: event.occurredAt,
      });
      return;
    }
    const name = action === 'associationChange' ? PRIMARY_COMPANY_PROPERTY : event.propertyName;
    const nameOk = name !== undefined && PROPERTY_NAME.test(name) && !FORBIDDEN_KEYS.has(name);
    if (name !== undefined && !nameOk) result.invalidFieldNames += 1;
    const at = `${object}:${event.objectId}@${event.occurredAt}`;
    const pending = updates.get(at);
    if (!pending) {
      updates.set(at, {
        notice: {
          source: 'hubspot',
          objectType: object,
          recordId: event.objectId,
          kind: 'updated',
          eventId: noticeEventId(event.eventId, event.objectId, action),
          occurredAt: event.occurredAt,
        },
        eventIds: [`${event.eventId}:${event.objectId}`],
        fields: new Set(nameOk ? [name] : []),
        // An unusable name means "some property changed": the processor must compare them all.
        fieldsKnown: nameOk,
      });
      return;
    }
    pending.eventIds.push(`${event.eventId}:${event.objectId}`);
    if (nameOk) pending.fields.add(name);
    else pending.fieldsKnown = false;
  });

  for (const { notice, eventIds, fields, fieldsKnown } of updates.values()) {
    if (eventIds.length > 1) notice.eventId = coalescedEventId(eventIds);
    if (fieldsKnown && fields.size > 0) notice.changedFields = [...fields].sort();
    result.notices.push(notice);
  }
  return result;
}

/**
 * The notice's event id: `hubspot:<eventId>:<objectId>:<action>`. HubSpot says `eventId` "is not
 * guaranteed to be unique", and one change can notify several objects or types under one id; the
 * processor's idempotency keys on this, so the object and the action are part of it.
 */
export function noticeEventId(eventId: string, objectId: string, action: string): string {
  return `hubspot:${eventId}:${objectId}:${action}`;
}

/**
 * A stable, unique id for a notice that stands for several events: the same set of events gives
 * the same id (a redelivered batch dedupes), different sets give different ids.
 */
export function coalescedEventId(eventIds: string[]): string {
  const digest = createHash('sha256')
    .update([...eventIds].sort().join(','))
    .digest('hex')
    .slice(0, 32);
  return `hubspot:c:${digest}`;
}

/**
 * `contact.merge`: every merged-away id gets a `merged` notice pointing at the survivor, and the
 * survivor gets an `updated` notice (properties moved into it). HubSpot's survivor is
 * `newObjectId` when a new record was created by the merge, else `primaryObjectId`.
 */
function mergeNotices(event: WebhookEvent, object: EventObject): ChangeNotice[] {
  const survivor = event.newObjectId ?? event.primaryObjectId ?? event.objectId;
  const losers = new Set(event.mergedObjectIds ?? []);
  if (event.primaryObjectId !== undefined) losers.add(event.primaryObjectId);
  losers.delete(survivor);
  const mergedIds = [...losers].sort();
  const notices: ChangeNotice[] = mergedIds.map((id) => ({
    source: 'hubspot',
    objectType: object,
    recordId: id,
    kind: 'merged',
    eventId: noticeEventId(event.eventId, id, 'merge'),
    occurredAt: event.occurredAt,
    survivorId: survivor,
    mergedIds,
  }));
  notices.push({
    source: 'hubspot',
    objectType: object,
    recordId: survivor,
    kind: 'updated',
    eventId: noticeEventId(event.eventId, survivor, 'merge'),
    occurredAt: event.occurredAt,
  });
  return notices;
}

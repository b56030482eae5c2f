import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { ChangeNotice, NoticeKind, SalesforceObject } from '../domain/notice.ts';
import { isSalesforceId, toSalesforceId18 } from './outbound-ids.ts';

/**
 * Safe parsing of Salesforce outbound messages (SOAP 1.1 `notifications`).
 * WSDL: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_wsdl.htm
 *
 * Safety: the body is capped, a UTF-8 BOM is stripped (real senders and .NET receivers emit one),
 * any DOCTYPE or ENTITY declaration is refused before parsing (no entity expansion: no billion
 * laughs, no XXE), the parser runs with `processEntities: false`, and tag names that would be
 * JavaScript prototype keys are renamed before they reach an object.
 */

/** Largest body accepted: 100 notifications with many fields stay far below this. */
export const MAX_OUTBOUND_BODY_BYTES = 1024 * 1024;
/** The WSDL's `maxOccurs="100"` for Notification. */
export const MAX_NOTIFICATIONS = 100;

export class OutboundMessageError extends Error {
  constructor(readonly reason: 'doctype' | 'malformed-xml' | 'not-notifications' | 'too-many-notifications') {
    super(`outbound message rejected: ${reason}`);
    this.name = 'OutboundMessageError';
  }
}

const RESERVED_NAMES = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: false,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (_name, jpath) => jpath === 'Envelope.Body.notifications.Notification',
  // A field named like a prototype key is renamed, not thrown on, so the rest of the message survives.
  transformTagName: (name) =>
    RESERVED_NAMES.has(name.slice(name.indexOf(':') + 1)) ? `unsafe_${name.replace(':', '_')}` : name,
});

const text = z.string().max(10_000);
const notificationSchema = z.object({
  Id: text,
  sObject: z.record(z.string(), z.unknown()),
});
const envelopeSchema = z.object({
  Envelope: z.object({
    Body: z.object({
      notifications: z.union([
        z.object({
          OrganizationId: text,
          ActionId: text.optional(),
          Notification: z.array(z.unknown()).optional(),
        }),
        // `<notifications></notifications>` parses to an empty string.
        z.literal('').transform(() => ({ OrganizationId: '', ActionId: undefined, Notification: undefined })),
      ]),
    }),
  }),
});

/** One notification, reduced to what a notice needs. */
export interface OutboundNotification {
  notificationId: string;
  objectType: SalesforceObject | 'Account';
  recordId: string;
  kind: Extract<NoticeKind, 'created' | 'updated' | 'deleted'>;
  occurredAt: number;
}

export type SkippedNotification = {
  index: number;
  reason: 'invalid-notification' | 'unsupported-object' | 'invalid-id';
};

export interface ParsedOutboundMessage {
  organizationId: string;
  actionId?: string;
  notifications: OutboundNotification[];
  skipped: SkippedNotification[];
}

/** Strips a leading UTF-8 byte-order mark. */
export function stripBom(body: string): string {
  return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
}

/**
 * Parses a `notifications` envelope. Throws OutboundMessageError for a body that is not a safe,
 * well-formed outbound message; a bad notification inside a good message is skipped (reported),
 * never fatal for its neighbours.
 */
export function parseOutboundMessage(rawBody: string, now: number): ParsedOutboundMessage {
  const body = stripBom(rawBody);
  // XML allows DOCTYPE only in the prolog, but refuse it (and ENTITY) anywhere: Salesforce never sends one.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new OutboundMessageError('doctype');
  if (XMLValidator.validate(body) !== true) throw new OutboundMessageError('malformed-xml');
  let tree: unknown;
  try {
    tree = parser.parse(body);
  } catch {
    throw new OutboundMessageError('malformed-xml');
  }
  const envelope = envelopeSchema.safeParse(tree);
  if (!envelope.success) throw new OutboundMessageError('not-notifications');
  const message = envelope.data.Envelope.Body.notifications;
  const items = message.Notification ?? [];
  if (items.length > MAX_NOTIFICATIONS) throw new OutboundMessageError('too-many-notifications');

  const result: ParsedOutboundMessage = {
    organizationId: message.OrganizationId,
    actionId: message.ActionId,
    notifications: [],
    skipped: [],
  };
  items.forEach((item, index) => {
    const parsed = notificationSchema.safeParse(item);
    if (!parsed.success) {
      result.skipped.push({ index, reason: 'invalid-notification' });
      return;
    }
    const { Id: notificationId, sObject } = parsed.data;
    const objectType = objectTypeOf(sObject['@_type']);
    if (!objectType) {
      result.skipped.push({ index, reason: 'unsupported-object' });
      return;
    }
    const recordId = sObject['Id'];
    if (
      typeof recordId !== 'string' ||
      !isSalesforceId(recordId) ||
      !/^[A-Za-z0-9]{1,40}$/.test(notificationId)
    ) {
      result.skipped.push({ index, reason: 'invalid-id' });
      return;
    }
    result.notifications.push({
      notificationId,
      objectType,
      recordId: toSalesforceId18(recordId),
      kind: kindOf(sObject),
      occurredAt: timeOf(sObject, now),
    });
  });
  return result;
}

/** `xsi:type="sf:Lead"` → Lead; Accounts too (C8). Other objects are not synced. */
function objectTypeOf(type: unknown): SalesforceObject | 'Account' | undefined {
  if (typeof type !== 'string') return undefined;
  const local = type.slice(type.indexOf(':') + 1);
  return local === 'Lead' || local === 'Contact' || local === 'Account' ? local : undefined;
}

function dateOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * Outbound messages do not say what happened. Heuristic (documented in docs/intake.md): a record
 * whose `CreatedDate` equals its `LastModifiedDate` (else `SystemModstamp`) has not been modified
 * since creation → `created`; `IsDeleted` true → `deleted`; otherwise `updated`. Without the
 * dates (the message's field selection leaves them out) it is `updated`; the processor re-reads
 * the record either way, and matches by email before creating anything.
 */
function kindOf(sObject: Record<string, unknown>): OutboundNotification['kind'] {
  if (sObject['IsDeleted'] === 'true') return 'deleted';
  const created = dateOf(sObject['CreatedDate']);
  const modified = dateOf(sObject['LastModifiedDate']) ?? dateOf(sObject['SystemModstamp']);
  return created !== undefined && modified !== undefined && created === modified ? 'created' : 'updated';
}

/** The change time: LastModifiedDate, else SystemModstamp, else CreatedDate, else now. */
function timeOf(sObject: Record<string, unknown>, now: number): number {
  return (
    dateOf(sObject['LastModifiedDate']) ??
    dateOf(sObject['SystemModstamp']) ??
    dateOf(sObject['CreatedDate']) ??
    now
  );
}

/** The notice for a notification; the Notification Id is stable across Salesforce's redeliveries. */
export function toNotice(n: OutboundNotification): ChangeNotice {
  return {
    source: 'salesforce',
    objectType: n.objectType,
    recordId: n.recordId,
    kind: n.kind,
    eventId: `salesforce-om:${n.notificationId}`,
    occurredAt: n.occurredAt,
  };
}

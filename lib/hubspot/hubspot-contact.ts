import type { HubSpotContact } from '../ports.ts';

/** The shape of a contact as `@hubspot/api-client` deserializes it (`SimplePublicObject`). */
export interface HubSpotObjectLike {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, { value: string; timestamp: Date }[]>;
  createdAt: Date;
  updatedAt: Date;
  archived?: boolean;
  objectWriteTraceId?: string;
}

/** Normalizes an email the way crmsync compares them (HubSpot compares case-insensitively). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function epoch(date: Date | undefined, fallback: string | null | undefined): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isNaN(ms)) return ms;
  // Properties carry the same instants as ISO strings (or epoch ms in older payloads).
  if (fallback) {
    const parsed = /^\d+$/.test(fallback) ? Number(fallback) : Date.parse(fallback);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return 0;
}

/** Converts a client object to the port's HubSpotContact; `propertyChangedAt` when history was read. */
export function toHubSpotContact(object: HubSpotObjectLike): HubSpotContact {
  const properties = object.properties ?? {};
  const contact: HubSpotContact = {
    id: object.id,
    properties,
    updatedAt: epoch(object.updatedAt, properties['hs_lastmodifieddate'] ?? properties['lastmodifieddate']),
    createdAt: epoch(object.createdAt, properties['createdate']),
    archived: object.archived ?? false,
  };
  if (object.propertiesWithHistory) {
    const changedAt: Record<string, number> = {};
    for (const [name, versions] of Object.entries(object.propertiesWithHistory)) {
      // HubSpot lists versions newest first; take the max anyway rather than trust the order.
      let latest = Number.NEGATIVE_INFINITY;
      for (const v of versions ?? []) {
        const t = v.timestamp instanceof Date ? v.timestamp.getTime() : Date.parse(String(v.timestamp));
        if (!Number.isNaN(t) && t > latest) latest = t;
      }
      if (Number.isFinite(latest)) changedAt[name] = latest;
    }
    contact.propertyChangedAt = changedAt;
  }
  return contact;
}

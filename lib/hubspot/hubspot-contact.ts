import type { HubSpotContact } from '../ports.ts';

/** The shape of a contact as `@hubspot/api-client` deserializes it (`SimplePublicObject`). */
export interface HubSpotObjectLike {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<
    string,
    { value: string; timestamp: Date; sourceType?: string; sourceId?: string }[]
  >;
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

/**
 * Properties every contact read asks for besides the caller's: who created the record. HubSpot sets
 * `hs_object_source` (`INTEGRATION` for an app, `CRM_UI`, `IMPORT`, …) and, for an app,
 * `hs_object_source_id` (the app id) when the record is created, and never changes them: crmsync
 * recognises the contacts it created by them even when a create's response was lost.
 */
export const SOURCE_PROPERTIES = ['hs_object_source', 'hs_object_source_id'] as const;

/** The caller's properties plus SOURCE_PROPERTIES, each once. */
export function withSourceProperties(properties: string[]): string[] {
  return [...new Set([...properties, ...SOURCE_PROPERTIES])];
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
  const source = properties['hs_object_source'];
  if (source) {
    const sourceId = properties['hs_object_source_id'];
    contact.createdBy = sourceId ? { source, sourceId } : { source };
  }
  if (object.propertiesWithHistory) {
    const changedAt: Record<string, number> = {};
    const changedBy: Record<string, { source: string; sourceId?: string }> = {};
    for (const [name, versions] of Object.entries(object.propertiesWithHistory)) {
      // HubSpot lists versions newest first; take the max anyway rather than trust the order.
      let latest = Number.NEGATIVE_INFINITY;
      for (const v of versions ?? []) {
        const t = v.timestamp instanceof Date ? v.timestamp.getTime() : Date.parse(String(v.timestamp));
        if (Number.isNaN(t) || t <= latest) continue;
        latest = t;
        if (v.sourceType)
          changedBy[name] = v.sourceId
            ? { source: v.sourceType, sourceId: v.sourceId }
            : { source: v.sourceType };
        else delete changedBy[name];
      }
      if (Number.isFinite(latest)) changedAt[name] = latest;
    }
    contact.propertyChangedAt = changedAt;
    contact.propertyChangedBy = changedBy;
  }
  return contact;
}

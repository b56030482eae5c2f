import type { StoredContact } from './contact-store.ts';

/** Properties HubSpot returns for a contact when the request names none. */
export const DEFAULT_CONTACT_PROPERTIES = [
  'createdate',
  'email',
  'firstname',
  'hs_object_id',
  'lastmodifieddate',
  'lastname',
] as const;

/** Properties HubSpot always adds to an explicit `properties` list. */
const ALWAYS = ['createdate', 'hs_object_id', 'lastmodifieddate'] as const;

/** The JSON shape of `SimplePublicObject` (with optional history). */
export interface PublicObject {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<
    string,
    { value: string; timestamp: string; sourceType: string; sourceId?: string; updatedByUserId?: number }[]
  >;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

/** Parse `properties` from a query (`a,b` or repeated) or a body array. */
export function propertyNames(input: string | string[] | null | undefined): string[] | undefined {
  if (input === null || input === undefined) return undefined;
  const list = (Array.isArray(input) ? input : [input]).flatMap((s) => s.split(','));
  const names = list.map((s) => s.trim()).filter((s) => s.length > 0);
  return names.length > 0 ? names : undefined;
}

/** Render a stored contact as HubSpot's public object. */
export function toPublicObject(
  c: StoredContact,
  requested: string[] | undefined,
  withHistory: string[] | undefined = undefined,
): PublicObject {
  const names = requested ? [...new Set([...ALWAYS, ...requested])] : [...DEFAULT_CONTACT_PROPERTIES];
  const properties: Record<string, string | null> = {};
  for (const n of names.sort()) {
    const v = c.values.get(n);
    // HubSpot omits unset default properties but returns null for explicitly requested ones.
    if (v !== undefined) properties[n] = v;
    else if (requested) properties[n] = null;
  }
  const out: PublicObject = {
    id: c.id,
    properties,
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
    archived: c.archived,
  };
  if (c.archivedAt !== undefined) out.archivedAt = new Date(c.archivedAt).toISOString();
  if (withHistory && withHistory.length > 0) {
    const h: NonNullable<PublicObject['propertiesWithHistory']> = {};
    for (const n of withHistory) {
      h[n] = (c.history.get(n) ?? []).map((e) => {
        const row: {
          value: string;
          timestamp: string;
          sourceType: string;
          sourceId?: string;
          updatedByUserId?: number;
        } = {
          value: e.value,
          timestamp: new Date(e.timestamp).toISOString(),
          sourceType: e.sourceType,
        };
        if (e.sourceId !== undefined) row.sourceId = e.sourceId;
        if (e.updatedByUserId !== undefined) row.updatedByUserId = e.updatedByUserId;
        return row;
      });
    }
    out.propertiesWithHistory = h;
  }
  return out;
}

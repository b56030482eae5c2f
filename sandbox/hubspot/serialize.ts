import type { StoredContact } from './contact-store.ts';
import { CONTACTS, type ObjectKind } from './object-types.ts';

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

/** Render a stored contact (or company, with `kind`) as HubSpot's public object. */
export function toPublicObject(
  c: StoredContact,
  requested: string[] | undefined,
  withHistory: string[] | undefined = undefined,
  kind: ObjectKind = CONTACTS,
): PublicObject {
  const names = requested
    ? [...new Set([...kind.alwaysProperties, ...requested])]
    : [...kind.defaultProperties];
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

import type { StoredContact } from './contact-store.ts';
import { validationError } from './errors.ts';
import type { PropertyDefinition } from './properties.ts';

/** One search filter (CRM search API). */
export interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: unknown;
  values?: unknown[];
  highValue?: unknown;
}

/** A search sort: `"prop"`, `"-prop"` or `{ propertyName, direction }`. */
export type SearchSort = string | { propertyName: string; direction?: string };

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

function isNumeric(def: PropertyDefinition | undefined): boolean {
  return def?.type === 'number' || def?.type === 'datetime' || def?.type === 'date';
}

/** Search accepts epoch milliseconds or ISO strings for date properties. */
function toNumber(raw: unknown, def: PropertyDefinition | undefined): number {
  const s = String(raw);
  if (def?.type === 'datetime' || def?.type === 'date') {
    const n = Number(s);
    return Number.isFinite(n) && /^-?\d+$/.test(s) ? n : Date.parse(s);
  }
  return Number(s);
}

function compare(a: string, b: unknown, def: PropertyDefinition | undefined): number {
  if (isNumeric(def)) return toNumber(a, def) - toNumber(b, def);
  const x = a.toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function tokenMatch(value: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  if (p.includes('*')) {
    const re = new RegExp(
      `^${p
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return re.test(v) || v.split(/[\s,;]+/).some((t) => re.test(t));
  }
  return v === p || v.split(/[\s@.,;:_\-/]+/).some((t) => t === p);
}

/** Check filters against the property table; HubSpot answers 400 for unknown operators. */
export function validateFilters(filters: SearchFilter[], props: Map<string, PropertyDefinition>): void {
  for (const f of filters) {
    if (!OPERATORS.has(f.operator)) {
      throw validationError(`Invalid operator ${String(f.operator)} for property ${f.propertyName}`);
    }
    if (!props.has(f.propertyName)) {
      throw validationError(
        `There was a problem with the request. Property ${f.propertyName} does not exist`,
      );
    }
  }
}

/** Evaluate one filter. */
export function matchFilter(c: StoredContact, f: SearchFilter, def: PropertyDefinition | undefined): boolean {
  const v = f.propertyName === 'hs_object_id' ? c.id : c.values.get(f.propertyName);
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return v !== undefined;
    case 'NOT_HAS_PROPERTY':
      return v === undefined;
    case 'EQ':
      return v !== undefined && compare(v, f.value, def) === 0;
    case 'NEQ':
      return v === undefined || compare(v, f.value, def) !== 0;
    case 'LT':
      return v !== undefined && compare(v, f.value, def) < 0;
    case 'LTE':
      return v !== undefined && compare(v, f.value, def) <= 0;
    case 'GT':
      return v !== undefined && compare(v, f.value, def) > 0;
    case 'GTE':
      return v !== undefined && compare(v, f.value, def) >= 0;
    case 'BETWEEN':
      return v !== undefined && compare(v, f.value, def) >= 0 && compare(v, f.highValue, def) <= 0;
    case 'IN':
      return v !== undefined && (f.values ?? []).some((x) => compare(v, x, def) === 0);
    case 'NOT_IN':
      return v === undefined || !(f.values ?? []).some((x) => compare(v, x, def) === 0);
    case 'CONTAINS_TOKEN':
      return v !== undefined && tokenMatch(v, String(f.value ?? ''));
    case 'NOT_CONTAINS_TOKEN':
      return v === undefined || !tokenMatch(v, String(f.value ?? ''));
    default:
      return false;
  }
}

/** Sort comparator for search results; ties break on id ascending like HubSpot. */
export function sorter(
  sorts: SearchSort[],
  props: Map<string, PropertyDefinition>,
): (a: StoredContact, b: StoredContact) => number {
  const keys = sorts.map((s) => {
    if (typeof s === 'string') {
      return s.startsWith('-') ? { name: s.slice(1), desc: true } : { name: s, desc: false };
    }
    return {
      name: s.propertyName,
      desc: String(s.direction ?? 'ASCENDING')
        .toUpperCase()
        .startsWith('DESC'),
    };
  });
  return (a, b) => {
    for (const k of keys) {
      const def = props.get(k.name);
      const va = k.name === 'hs_object_id' ? a.id : a.values.get(k.name);
      const vb = k.name === 'hs_object_id' ? b.id : b.values.get(k.name);
      let r = 0;
      if (va === undefined && vb === undefined) r = 0;
      else if (va === undefined) r = 1;
      else if (vb === undefined) r = -1;
      else r = compare(va, vb, def);
      if (r !== 0) return k.desc ? -r : r;
    }
    return Number(a.id) - Number(b.id);
  };
}

/**
 * Evaluating a parsed SOQL query over stored records: WHERE conditions (case-insensitive strings,
 * ids compared as 18 characters, dates as instants), ORDER BY, and the ids an `Id IN (...)` names.
 */
import { to18 } from './ids.ts';
import type { FieldDef } from './schema.ts';
import type { Cond, ParsedQuery, Value } from './soql.ts';
import { parseDateTime } from './values.ts';

function toComparable(def: FieldDef, v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (def.type === 'datetime') return typeof v === 'string' ? parseDateTime(v) : null;
  if (def.type === 'id' || def.type === 'reference')
    return typeof v === 'string' ? to18(v).toLowerCase() : null;
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return null;
}

function literal(def: FieldDef, v: Value): string | number | boolean | null {
  if (v === null) return null;
  if (typeof v === 'object') return 'dateTime' in v ? v.dateTime : v.date;
  if (typeof v === 'string') return def.type === 'datetime' ? parseDateTime(v) : v.toLowerCase();
  return v;
}

const IN_SETS = new WeakMap<Cond, Set<string | number | boolean | null>>();

/** The comparable values of an IN list, computed once per parsed query. */
function inSet(cond: Extract<Cond, { op: 'in' }>): Set<string | number | boolean | null> {
  let set = IN_SETS.get(cond);
  if (!set) {
    set = new Set(cond.values.map((v) => literal(cond.field, v)));
    IN_SETS.set(cond, set);
  }
  return set;
}

/**
 * Record ids the condition restricts to (`Id IN (...)` or `Id = '...'`, possibly ANDed with
 * more), so such queries read those records instead of scanning; undefined when unrestricted.
 */
export function candidateIds(cond: Cond | undefined): string[] | undefined {
  if (!cond) return undefined;
  if (cond.op === 'in' && !cond.negate && cond.field.name === 'Id') {
    return cond.values.filter((v): v is string => typeof v === 'string');
  }
  if (cond.op === 'cmp' && cond.cmp === '=' && cond.field.name === 'Id' && typeof cond.value === 'string')
    return [cond.value];
  if (cond.op === 'and') return candidateIds(cond.left) ?? candidateIds(cond.right);
  return undefined;
}

/** Evaluate a condition on a record's fields. */
export function matches(cond: Cond, fields: Record<string, unknown>): boolean {
  switch (cond.op) {
    case 'and':
      return matches(cond.left, fields) && matches(cond.right, fields);
    case 'or':
      return matches(cond.left, fields) || matches(cond.right, fields);
    case 'not':
      return !matches(cond.inner, fields);
    case 'in': {
      const a = toComparable(cond.field, fields[cond.field.name]);
      const hit = inSet(cond).has(a);
      return cond.negate ? !hit : hit;
    }
    case 'like': {
      const a = fields[cond.field.name];
      return typeof a === 'string' && cond.pattern.test(a);
    }
    case 'cmp': {
      const a = toComparable(cond.field, fields[cond.field.name]);
      const b = literal(cond.field, cond.value);
      if (cond.cmp === '=') return a === b;
      if (cond.cmp === '!=') return a !== b;
      if (a === null || b === null) return false;
      if (cond.cmp === '<') return a < b;
      if (cond.cmp === '<=') return a <= b;
      if (cond.cmp === '>') return a > b;
      return a >= b;
    }
  }
}

/** Sort comparator for ORDER BY. */
export function compareBy(
  orderBy: ParsedQuery['orderBy'],
): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  return (a, b) => {
    for (const o of orderBy) {
      const x = toComparable(o.field, a[o.field.name]);
      const y = toComparable(o.field, b[o.field.name]);
      if (x === y) continue;
      if (x === null) return o.nullsLast ? 1 : -1;
      if (y === null) return o.nullsLast ? -1 : 1;
      const r = x < y ? -1 : 1;
      return o.desc ? -r : r;
    }
    return 0;
  };
}

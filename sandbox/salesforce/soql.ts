/**
 * The SOQL subset crmsync needs: `SELECT f[, f] | COUNT() FROM Lead|Contact|Account
 * [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST][, ...]] [LIMIT n] [OFFSET n]`, where
 * cond combines `f = | != | < | <= | > | >= value`, `f [NOT] IN (values)`, `f LIKE 'x%'`
 * with AND / OR / NOT and parentheses. Values: 'strings' (with \' escapes), numbers,
 * true/false, null, datetime literals (2024-01-01T00:00:00Z) and dates (2024-01-01).
 * String comparisons are case-insensitive, as in Salesforce.
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm
 */
import { SalesforceApiError } from './errors.ts';
import { to18 } from './ids.ts';
import { type FieldDef, type ObjectDef, findObject } from './schema.ts';
import { parseDateTime } from './values.ts';

type Value = string | number | boolean | null | { dateTime: number } | { date: string };

/** A parsed condition tree. */
export type Cond =
  | { op: 'and' | 'or'; left: Cond; right: Cond }
  | { op: 'not'; inner: Cond }
  | { op: 'cmp'; field: FieldDef; cmp: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Value }
  | { op: 'in'; field: FieldDef; negate: boolean; values: Value[] }
  | { op: 'like'; field: FieldDef; pattern: RegExp };

/** A parsed query. */
export interface ParsedQuery {
  object: ObjectDef;
  fields: FieldDef[];
  count: boolean;
  where?: Cond;
  orderBy: { field: FieldDef; desc: boolean; nullsLast: boolean }[];
  limit?: number;
  offset?: number;
}

interface Tok {
  kind: 'word' | 'str' | 'num' | 'punct' | 'dt';
  text: string;
  pos: number;
}

function malformed(message: string): SalesforceApiError {
  return new SalesforceApiError(400, 'MALFORMED_QUERY', message);
}

function tokenize(q: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let s = '';
      let j = i + 1;
      for (; j < q.length && q[j] !== "'"; j++) {
        if (q[j] === '\\' && j + 1 < q.length) {
          j++;
          const e = q[j] as string;
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        } else s += q[j];
      }
      if (j >= q.length) throw malformed(`line 1:${i} mismatched character '<EOF>' expecting '''`);
      toks.push({ kind: 'str', text: s, pos: i });
      i = j + 1;
      continue;
    }
    const dt = /^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d))?/.exec(q.slice(i));
    if (dt) {
      toks.push({ kind: 'dt', text: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(q.slice(i));
    if (num) {
      toks.push({ kind: 'num', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(q.slice(i));
    if (word) {
      toks.push({ kind: 'word', text: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    const p = /^(!=|<>|<=|>=|[=<>(),])/.exec(q.slice(i));
    if (p) {
      toks.push({ kind: 'punct', text: p[0] === '<>' ? '!=' : p[0], pos: i });
      i += p[0].length;
      continue;
    }
    throw malformed(`line 1:${i} no viable alternative at character '${c}'`);
  }
  return toks;
}

/** Parse a SOQL string; errors are MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE like the API's. */
export function parseSoql(soql: string): ParsedQuery {
  // SOQL statements are limited to 100,000 characters.
  if (soql.length > 100_000) throw malformed('SOQL statements cannot be longer than 100000 characters');
  const toks = tokenize(soql);
  let i = 0;
  const peek = (): Tok | undefined => toks[i];
  const isWord = (w: string): boolean => {
    const t = toks[i];
    return t?.kind === 'word' && t.text.toUpperCase() === w;
  };
  const expectWord = (w: string): void => {
    if (!isWord(w)) throw malformed(`unexpected token: ${peek()?.text ?? '<EOF>'}`);
    i++;
  };
  const expectPunct = (p: string): void => {
    const t = peek();
    if (t?.kind !== 'punct' || t.text !== p) throw malformed(`unexpected token: ${t?.text ?? '<EOF>'}`);
    i++;
  };
  if (!isWord('SELECT')) throw malformed(`unexpected token: ${peek()?.text ?? '<EOF>'}`);
  i++;
  const rawFields: Tok[] = [];
  let count = false;
  if (isWord('COUNT') && toks[i + 1]?.text === '(' && toks[i + 2]?.text === ')') {
    count = true;
    i += 3;
  } else {
    for (;;) {
      const t = peek();
      if (t?.kind !== 'word' || t.text.toUpperCase() === 'FROM')
        throw malformed(`unexpected token: ${t?.text ?? '<EOF>'}`);
      rawFields.push(t);
      i++;
      if (peek()?.text === ',') {
        i++;
        continue;
      }
      break;
    }
  }
  expectWord('FROM');
  const objTok = peek();
  if (objTok?.kind !== 'word') throw malformed(`unexpected token: ${objTok?.text ?? '<EOF>'}`);
  i++;
  const object = findObject(objTok.text);
  if (!object) {
    throw new SalesforceApiError(
      400,
      'INVALID_TYPE',
      `\n${soql}\n${' '.repeat(objTok.pos)}^\nERROR at Row:1:Column:${objTok.pos + 1}\nsObject type '${objTok.text}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const field = (t: Tok): FieldDef => {
    const def = object.byLowerName.get(t.text.toLowerCase());
    if (!def) {
      throw new SalesforceApiError(
        400,
        'INVALID_FIELD',
        `\n${soql}\n${' '.repeat(t.pos)}^\nERROR at Row:1:Column:${t.pos + 1}\nNo such column '${t.text}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return def;
  };
  const fields: FieldDef[] = [];
  for (const t of rawFields) {
    const def = field(t);
    if (!fields.includes(def)) fields.push(def);
  }

  const located = (code: string, t: Tok, text: string): SalesforceApiError =>
    new SalesforceApiError(
      400,
      code,
      `\n${soql}\n${' '.repeat(t.pos)}^\nERROR at Row:1:Column:${t.pos + 1}\n${text}`,
    );
  // Literals must match the field type: quoted datetimes, booleans or numbers are refused,
  // as are unquoted values for text fields — a classic client bug worth catching locally.
  const wrongType = (def: FieldDef, t: Tok): SalesforceApiError => {
    const kind = SOQL_KIND[def.type];
    const quoted = kind === 'string' || kind === 'id';
    return located(
      'INVALID_FIELD',
      t,
      `value of filter criterion for field '${def.name}' must be of type ${kind === 'id' ? 'id' : kind} and ${quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`,
    );
  };
  const value = (def: FieldDef): Value => {
    const t = peek();
    if (!t) throw malformed('unexpected token: <EOF>');
    i++;
    const kind = SOQL_KIND[def.type];
    if (t.kind === 'word') {
      const u = t.text.toUpperCase();
      if (u === 'NULL') return null;
      if (u === 'TRUE' || u === 'FALSE') {
        if (kind !== 'boolean') throw wrongType(def, t);
        return u === 'TRUE';
      }
      throw malformed(`unexpected token: ${t.text}`);
    }
    if (t.kind === 'str') {
      if (kind === 'id') {
        if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(t.text)) {
          throw located('INVALID_QUERY_FILTER_OPERATOR', t, `invalid ID field: ${t.text}`);
        }
        return normalizeIdValue(t.text);
      }
      if (kind !== 'string') throw wrongType(def, t);
      return t.text;
    }
    if (t.kind === 'num') {
      if (kind !== 'double') throw wrongType(def, t);
      return Number(t.text);
    }
    // Datetime and date literals.
    const hasTime = t.text.includes('T');
    if (kind === 'dateTime' && hasTime) return { dateTime: parseDateTime(t.text) };
    if (kind === 'date' && !hasTime) return { date: t.text };
    throw wrongType(def, t);
  };

  const primary = (): Cond => {
    if (isWord('NOT')) {
      i++;
      return { op: 'not', inner: primary() };
    }
    if (peek()?.text === '(') {
      i++;
      const c = orExpr();
      expectPunct(')');
      return c;
    }
    const ft = peek();
    if (ft?.kind !== 'word') throw malformed(`unexpected token: ${ft?.text ?? '<EOF>'}`);
    i++;
    const def = field(ft);
    let negate = false;
    if (isWord('NOT')) {
      i++;
      negate = true;
      if (!isWord('IN')) throw malformed(`unexpected token: ${peek()?.text ?? '<EOF>'}`);
    }
    if (isWord('IN')) {
      i++;
      expectPunct('(');
      const values: Value[] = [];
      for (;;) {
        values.push(value(def));
        if (peek()?.text === ',') {
          i++;
          continue;
        }
        break;
      }
      expectPunct(')');
      return { op: 'in', field: def, negate, values };
    }
    if (isWord('LIKE')) {
      i++;
      const t = peek();
      if (t?.kind !== 'str') throw malformed(`unexpected token: ${t?.text ?? '<EOF>'}`);
      i++;
      const re = t.text
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*')
        .replace(/_/g, '.');
      return { op: 'like', field: def, pattern: new RegExp(`^${re}$`, 'is') };
    }
    const opTok = peek();
    if (opTok?.kind !== 'punct' || !['=', '!=', '<', '<=', '>', '>='].includes(opTok.text)) {
      throw malformed(`unexpected token: ${opTok?.text ?? '<EOF>'}`);
    }
    i++;
    return { op: 'cmp', field: def, cmp: opTok.text as '=', value: value(def) };
  };
  const andExpr = (): Cond => {
    let left = primary();
    while (isWord('AND')) {
      i++;
      left = { op: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): Cond => {
    let left = andExpr();
    while (isWord('OR')) {
      i++;
      left = { op: 'or', left, right: andExpr() };
    }
    return left;
  };

  const q: ParsedQuery = { object, fields, count, orderBy: [] };
  if (isWord('WHERE')) {
    i++;
    q.where = orExpr();
  }
  if (isWord('ORDER')) {
    i++;
    expectWord('BY');
    for (;;) {
      const t = peek();
      if (t?.kind !== 'word') throw malformed(`unexpected token: ${t?.text ?? '<EOF>'}`);
      i++;
      const def = field(t);
      let desc = false;
      if (isWord('ASC')) i++;
      else if (isWord('DESC')) {
        i++;
        desc = true;
      }
      // Default: nulls first for ASC, last for DESC.
      let nullsLast = desc;
      if (isWord('NULLS')) {
        i++;
        if (isWord('FIRST')) nullsLast = false;
        else if (isWord('LAST')) nullsLast = true;
        else throw malformed(`unexpected token: ${peek()?.text ?? '<EOF>'}`);
        i++;
      }
      q.orderBy.push({ field: def, desc, nullsLast });
      if (peek()?.text === ',') {
        i++;
        continue;
      }
      break;
    }
  }
  if (isWord('LIMIT')) {
    i++;
    const t = peek();
    if (t?.kind !== 'num') throw malformed(`unexpected token: ${t?.text ?? '<EOF>'}`);
    i++;
    q.limit = Number(t.text);
  }
  if (isWord('OFFSET')) {
    i++;
    const t = peek();
    if (t?.kind !== 'num') throw malformed(`unexpected token: ${t?.text ?? '<EOF>'}`);
    i++;
    q.offset = Number(t.text);
    // OFFSET is capped at 2,000 rows by the platform.
    if (q.offset > 2000)
      throw new SalesforceApiError(400, 'NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000');
  }
  if (i < toks.length) throw malformed(`unexpected token: ${toks[i]?.text}`);
  return q;
}

const SOQL_KIND: Record<FieldDef['type'], 'string' | 'id' | 'boolean' | 'double' | 'date' | 'dateTime'> = {
  id: 'id',
  reference: 'id',
  string: 'string',
  textarea: 'string',
  email: 'string',
  phone: 'string',
  url: 'string',
  picklist: 'string',
  boolean: 'boolean',
  datetime: 'dateTime',
  date: 'date',
  double: 'double',
  int: 'double',
  currency: 'double',
};

function normalizeIdValue(s: string): string {
  return /^[a-zA-Z0-9]{15}$/.test(s) || /^[a-zA-Z0-9]{18}$/.test(s) ? to18(s) : s;
}

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

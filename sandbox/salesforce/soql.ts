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
import { malformed, type Tok, tokenize } from './soql-tokens.ts';
import { parseDateTime } from './values.ts';

/** A literal value of a condition. */
export type Value = string | number | boolean | null | { dateTime: number } | { date: string };

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

/** How SOQL types a literal for each field type (what a WHERE value must look like). */
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

/** A 15- or 18-character id literal compares as its 18-character form. */
function normalizeIdValue(s: string): string {
  return /^[a-zA-Z0-9]{15}$/.test(s) || /^[a-zA-Z0-9]{18}$/.test(s) ? to18(s) : s;
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

import type { ContactStore, StoredContact } from './contact-store.ts';
import { validationError } from './errors.ts';
import type { PropertyDefinition } from './properties.ts';
import { propertyNames, toPublicObject } from './serialize.ts';

/**
 * HubSpot's search limits (https://developers.hubspot.com/docs/api/crm/search#limitations): 200
 * results per page, 10,000 results per query (paging past them answers 400), and at most 5 filter
 * groups of at most 6 filters each, 18 filters in all.
 */
export const SEARCH_PAGE_LIMIT = 200;
export const SEARCH_TOTAL_CAP = 10_000;
export const MAX_FILTER_GROUPS = 5;
export const MAX_FILTERS_PER_GROUP = 6;
export const MAX_FILTERS = 18;

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

/** A multiple-checkbox property (e.g. `hs_additional_emails`): its value is `;`-separated options. */
function isMultiValue(def: PropertyDefinition | undefined): boolean {
  return def?.type === 'enumeration' && def.fieldType === 'checkbox';
}

/**
 * Evaluate one filter. On a multiple-checkbox property EQ/IN match when any one of its values does
 * (and NEQ/NOT_IN when none does): a search with `hs_additional_emails EQ <email>` finds the contact
 * holding that email among others (https://github.com/HubSpot/hubspot-api-nodejs/issues/24).
 */
export function matchFilter(c: StoredContact, f: SearchFilter, def: PropertyDefinition | undefined): boolean {
  const v = f.propertyName === 'hs_object_id' ? c.id : c.values.get(f.propertyName);
  if (v !== undefined && isMultiValue(def) && ['EQ', 'NEQ', 'IN', 'NOT_IN'].includes(f.operator)) {
    const wanted = f.operator === 'EQ' || f.operator === 'NEQ' ? [f.value] : (f.values ?? []);
    const hit = v.split(';').some((one) => wanted.some((x) => compare(one, x, def) === 0));
    return f.operator === 'EQ' || f.operator === 'IN' ? hit : !hit;
  }
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

/** A sort key of one contact: a number for numeric and date properties, else lower-case text. */
type SortValue = number | string | undefined;

function sortValue(c: StoredContact, name: string, def: PropertyDefinition | undefined): SortValue {
  const v = name === 'hs_object_id' ? c.id : c.values.get(name);
  if (v === undefined) return undefined;
  return isNumeric(def) ? toNumber(v, def) : v.toLowerCase();
}

/**
 * Sorts search matches; ties break on id ascending like HubSpot. Each contact's keys are computed
 * once (not per comparison), so a search over tens of thousands of contacts stays fast.
 */
export function sortMatches(
  matches: StoredContact[],
  sorts: SearchSort[],
  props: Map<string, PropertyDefinition>,
): StoredContact[] {
  const keys = sortKeys(sorts);
  const rows = matches.map((c) => ({
    c,
    id: Number(c.id),
    values: keys.map((k) => sortValue(c, k.name, props.get(k.name))),
  }));
  rows.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const va = a.values[i];
      const vb = b.values[i];
      let r = 0;
      if (va === undefined && vb === undefined) r = 0;
      else if (va === undefined) r = 1;
      else if (vb === undefined) r = -1;
      else if (typeof va === 'number' && typeof vb === 'number') r = va - vb;
      else r = String(va) < String(vb) ? -1 : String(va) > String(vb) ? 1 : 0;
      if (r !== 0) return keys[i]!.desc ? -r : r;
    }
    return a.id - b.id;
  });
  return rows.map((r) => r.c);
}

function sortKeys(sorts: SearchSort[]): { name: string; desc: boolean }[] {
  return sorts.map((s) => {
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
}

/** A search request body, as the route parsed it. */
export interface SearchRequest {
  filterGroups?: { filters: SearchFilter[] }[];
  sorts?: SearchSort[];
  query?: string;
  properties?: string[];
  limit?: number;
  after?: string | number;
}

/**
 * Refuses a request over HubSpot's filter limits with its 400 VALIDATION_ERROR. The category and body
 * shape are HubSpot's; the message text is ours (HubSpot's documentation does not quote it).
 */
export function checkFilterLimits(groups: { filters: unknown[] }[]): void {
  if (groups.length > MAX_FILTER_GROUPS) {
    throw validationError(
      `Too many filter groups: ${groups.length}. A search accepts at most ${MAX_FILTER_GROUPS} filterGroups.`,
      { context: { maxFilterGroups: [String(MAX_FILTER_GROUPS)] } },
    );
  }
  groups.forEach((g, i) => {
    if (g.filters.length > MAX_FILTERS_PER_GROUP) {
      throw validationError(
        `Too many filters in filterGroups[${i}]: ${g.filters.length}. A filter group accepts at most ${MAX_FILTERS_PER_GROUP} filters.`,
        { context: { maxFiltersPerGroup: [String(MAX_FILTERS_PER_GROUP)] } },
      );
    }
  });
  const total = groups.reduce((n, g) => n + g.filters.length, 0);
  if (total > MAX_FILTERS) {
    throw validationError(
      `Too many filters: ${total}. A search accepts at most ${MAX_FILTERS} filters across all filterGroups.`,
      { context: { maxFilters: [String(MAX_FILTERS)] } },
    );
  }
}

function matchesQuery(c: StoredContact, query: string, fields: readonly string[]): boolean {
  return fields.some((n) =>
    (n === 'hs_object_id' ? c.id : (c.values.get(n) ?? '')).toLowerCase().includes(query),
  );
}

/**
 * `POST /crm/v3/objects/contacts/search`. Paging is by offset, as in HubSpot: `paging.next.after` is
 * handed out while results remain, even when it points at or past the 10,000th result; asking for a
 * page there answers 400, so a client that pages on blindly fails exactly as it would against HubSpot.
 */
export function searchContacts(store: ContactStore, body: SearchRequest): Record<string, unknown> {
  const limit = body.limit ?? 10;
  if (limit > SEARCH_PAGE_LIMIT)
    throw validationError(`limit must be less than or equal to ${SEARCH_PAGE_LIMIT}`);
  const after = body.after === undefined || body.after === '' ? 0 : Number(body.after);
  if (!Number.isInteger(after) || after < 0) throw validationError(`Invalid after: ${String(body.after)}`);
  const groups = body.filterGroups ?? [];
  checkFilterLimits(groups);
  validateFilters(
    groups.flatMap((g) => g.filters),
    store.properties,
  );
  if (after >= SEARCH_TOTAL_CAP) {
    throw validationError(
      `Search results are limited to ${SEARCH_TOTAL_CAP} records per query; the page at after=${after} is beyond them. Narrow the query (for example by a later hs_lastmodifieddate) instead of paging on.`,
      { context: { maxResults: [String(SEARCH_TOTAL_CAP)] } },
    );
  }
  const sorted = cachedResults(store, { groups, sorts: body.sorts ?? [], query: body.query ?? '' }, () => {
    const query = body.query?.trim().toLowerCase();
    const matches: StoredContact[] = [];
    for (const c of store.contacts.values()) {
      if (c.archived) continue;
      if (
        groups.length > 0 &&
        !groups.some((g) => g.filters.every((f) => matchFilter(c, f, store.properties.get(f.propertyName))))
      )
        continue;
      if (query && !matchesQuery(c, query, store.kind.queryProperties)) continue;
      matches.push(c);
    }
    return sortMatches(matches, body.sorts ?? [], store.properties);
  });
  const end = Math.min(after + limit, sorted.length, SEARCH_TOTAL_CAP);
  const names = propertyNames(body.properties);
  const out: Record<string, unknown> = {
    total: sorted.length,
    results: sorted.slice(after, end).map((c) => toPublicObject(c, names, undefined, store.kind)),
  };
  if (end < sorted.length) out['paging'] = { next: { after: String(end) } };
  return out;
}

/**
 * The sorted results of recent queries, per store, valid until the next contact change: paging a
 * query through tens of thousands of contacts then costs one evaluation, not one per page. Every
 * change the store makes is emitted (`onChange`), and the contact count covers a `clear()`; so a
 * cached answer is always the one a fresh evaluation would give, as HubSpot's live index does.
 */
const resultCaches = new WeakMap<ContactStore, { version: number; entries: Map<string, StoredContact[]> }>();
const CACHED_QUERIES = 8;

function cachedResults(
  store: ContactStore,
  query: unknown,
  evaluate: () => StoredContact[],
): StoredContact[] {
  let cache = resultCaches.get(store);
  if (!cache) {
    const created = { version: 0, entries: new Map<string, StoredContact[]>() };
    store.onChange(() => {
      created.version++;
      created.entries.clear();
    });
    resultCaches.set(store, created);
    cache = created;
  }
  const key = `${cache.version}:${store.contacts.size}:${JSON.stringify(query)}`;
  const hit = cache.entries.get(key);
  if (hit) return hit;
  const result = evaluate();
  if (cache.entries.size >= CACHED_QUERIES) cache.entries.clear();
  cache.entries.set(key, result);
  return result;
}

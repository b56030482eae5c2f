/**
 * Composite helpers: `@{referenceId.field}` substitution in subrequest URLs and bodies, and
 * the subrequest result used when an allOrNone transaction is halted.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
 */

/** The result of a subrequest skipped or undone because another one failed. */
export function halted(referenceId: string): Record<string, unknown> {
  return {
    body: [
      {
        errorCode: 'PROCESSING_HALTED',
        message: 'The transaction was rolled back since another operation in the same transaction failed.',
      },
    ],
    httpHeaders: {},
    httpStatusCode: 400,
    referenceId,
  };
}

/** Subrequest response headers as Salesforce spells them (`Location`). */
export function headerCase(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k === 'location' ? 'Location' : k] = v;
  return out;
}

const REF_RE = /@\{([A-Za-z0-9_]+)\.([A-Za-z0-9_.[\]]+)\}/g;

/** Replace `@{ref.path}` in a string with values of earlier subrequest results. */
export function resolveRefs(s: string, refs: Map<string, unknown>): string {
  return s.replace(REF_RE, (whole, ref: string, path: string) => {
    let v: unknown = refs.get(ref);
    // `a.b[0].c` → a, b, 0, c (the `.` and `[]` operators of the Composite reference syntax).
    for (const part of path
      .replace(/\[(\d+)\]/g, '.$1')
      .split('.')
      .filter(Boolean)) {
      if (v && typeof v === 'object') v = (v as Record<string, unknown>)[part];
      else return whole;
    }
    return v === undefined ? whole : String(v);
  });
}

/** `resolveRefs` over every string of a JSON body. */
export function resolveRefsDeep(v: unknown, refs: Map<string, unknown>): unknown {
  if (typeof v === 'string') return resolveRefs(v, refs);
  if (Array.isArray(v)) return v.map((x) => resolveRefsDeep(x, refs));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefsDeep(x, refs)]));
  }
  return v;
}

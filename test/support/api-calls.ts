/**
 * API calls as the sandboxes count them (`counters()`: calls per `METHOD /path-template`), split into
 * reads and writes per CRM, so a test can assert "one batch of 200 took at most 2 HubSpot reads".
 */
export interface ApiCalls {
  hubspot: { reads: number; writes: number; other: number; rateLimited: number };
  salesforce: { reads: number; writes: number; other: number };
}

/** A counter source: both sandboxes' `counters()`. */
export interface CounterSource {
  hubspot(): Record<string, number>;
  salesforce(): Record<string, number>;
}

// Contacts and companies (C2–C9); associations v4 reads and writes; owners (read-only).
const HUBSPOT_READ = [
  /^POST \/crm\/v3\/objects\/(contacts|companies)\/(batch\/read|search)$/,
  /^GET \/crm\/v3\/objects\/(contacts|companies)/,
  /^POST \/crm\/v4\/associations\/[^ ]+\/batch\/read$/,
  /^GET \/crm\/v3\/owners/,
];
const HUBSPOT_WRITE = [
  /^POST \/crm\/v3\/objects\/(contacts|companies)\/batch\/(create|update|upsert|archive)$/,
  /^(POST|PATCH|DELETE) \/crm\/v3\/objects\/(contacts|companies)(\/\{[^}]+\})?$/,
  /^POST \/crm\/v3\/objects\/(contacts|companies)\/merge$/,
  /^POST \/crm\/v4\/associations\/[^ ]+\/batch\/(create|archive|labels\/archive|associate\/default)$/,
];
// Composite is only used for reads by the adapter (several SOQL queries in one call).
const SALESFORCE_READ = [
  /^GET .*\/(query|queryAll)(\/\{locator\})?$/,
  /^POST .*\/composite$/,
  /^(GET|POST) .*\/composite\/sobjects\/\{type\}$/,
  /^GET .*\/sobjects\/\{type\}\/\{id\}$/,
];
const SALESFORCE_WRITE = [
  /^(POST|PATCH|DELETE) .*\/composite\/sobjects$/,
  /^(POST|PATCH|DELETE) .*\/sobjects\/\{type\}(\/\{id\})?$/,
];

function split(counters: Record<string, number>, read: RegExp[], write: RegExp[]) {
  let reads = 0;
  let writes = 0;
  let other = 0;
  for (const [key, n] of Object.entries(counters)) {
    if (key.startsWith('429 ')) continue;
    if (read.some((r) => r.test(key))) reads += n;
    else if (write.some((r) => r.test(key))) writes += n;
    else other += n;
  }
  return { reads, writes, other };
}

/** The sandboxes' counters now, classified. */
export function apiCalls(source: CounterSource): ApiCalls {
  const hs = source.hubspot();
  const rateLimited = Object.entries(hs)
    .filter(([k]) => k.startsWith('429 '))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    hubspot: { ...split(hs, HUBSPOT_READ, HUBSPOT_WRITE), rateLimited },
    salesforce: split(source.salesforce(), SALESFORCE_READ, SALESFORCE_WRITE),
  };
}

/** `after - before`, per CRM and kind. */
export function diffCalls(before: ApiCalls, after: ApiCalls): ApiCalls {
  return {
    hubspot: {
      reads: after.hubspot.reads - before.hubspot.reads,
      writes: after.hubspot.writes - before.hubspot.writes,
      other: after.hubspot.other - before.hubspot.other,
      rateLimited: after.hubspot.rateLimited - before.hubspot.rateLimited,
    },
    salesforce: {
      reads: after.salesforce.reads - before.salesforce.reads,
      writes: after.salesforce.writes - before.salesforce.writes,
      other: after.salesforce.other - before.salesforce.other,
    },
  };
}

/** Measures the API calls made while `fn` runs. */
export async function measureCalls<T>(
  source: CounterSource,
  fn: () => Promise<T>,
): Promise<{ result: T; calls: ApiCalls }> {
  const before = apiCalls(source);
  const result = await fn();
  return { result, calls: diffCalls(before, apiCalls(source)) };
}

import { z } from 'zod';
import { CrmSyncError, PermanentSyncError } from '../errors.ts';
import { ApiRequestError } from './request-error.ts';
import type { AdminServices } from './services.ts';

/**
 * The operator's JSON API (`/api/*`) as framework-agnostic handlers: a request-ish input in,
 * `{status, body}` out. One table, two hosts: the local HTTP server (`lib/local/http-server.ts`) and
 * the admin Lambda behind API Gateway (`lib/lambda/admin-api.ts`) each map their request onto it.
 */

/** What a handler reads from a request. */
export interface ApiRequest {
  /** Path parameters, by the `{name}` in the route's path. */
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  /** The parsed JSON body (`{}` when empty); read only by the routes that take one. */
  json(): Promise<unknown>;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ApiRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(req: ApiRequest): Promise<ApiResponse>;
}

const sideSchema = z.enum(['hubspot', 'salesforce']);
/** The playground also edits a HubSpot company and a Salesforce Account (C7). */
const playgroundSideSchema = z.enum(['hubspot', 'salesforce', 'company', 'account']);
/** Says what was sent and what a list id looks like (the CLI prints the server's message as is). */
const notAListId = (issue: { input?: unknown }) =>
  `${JSON.stringify(issue.input)} is not a HubSpot list id: list ids are digits, e.g. 42. \`crmsync segment list\` shows the active lists and their ids; null (\`crmsync segment clear\`) clears the segment.`;
/** `POST /api/settings/companies`: C1 on or off. */
const companySyncSchema = z.strictObject({ enabled: z.boolean() });
const selectSchema = z.strictObject({
  listId: z
    .string({ error: notAListId })
    .regex(/^[0-9]{1,20}$/, { error: notAListId })
    .nullable(),
});
const createSegmentSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  property: z.string().regex(/^[a-z][a-z0-9_]{0,99}$/),
  values: z.array(z.string().min(1).max(100)).min(1).max(50),
});
const importSchema = z.strictObject({
  objects: z
    .array(z.enum(['Lead', 'Contact', 'Account']))
    .min(1)
    .max(3)
    .default(['Lead', 'Contact']),
});
const editSchema = z.strictObject({
  fields: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/), z.string().max(1000)),
});

/** Answers that reflect live state must not be cached by the browser. */
const noStore = { 'cache-control': 'no-store' };

/** A bounded integer from the query, else the default. */
function queryInt(query: URLSearchParams, name: string, fallback: number, max: number): number {
  return Math.min(max, Math.max(1, Number(query.get(name) ?? fallback) || fallback));
}

const route = (method: ApiRoute['method'], path: string, handle: ApiRoute['handle']): ApiRoute => ({
  method,
  path,
  handle,
});

/** The `/api/*` routes over the stack's services (the playground's only where there are sandboxes). */
export function apiRoutes(services: AdminServices): ApiRoute[] {
  const companyTraceResponse = async (
    object: 'company' | 'account',
    id: string | undefined,
  ): Promise<ApiResponse> => {
    const trace = await services.companyTrace(object, id ?? '');
    if (!trace) {
      const what = object === 'company' ? 'HubSpot company (digits)' : 'Salesforce Account (001…)';
      return { status: 404, body: { error: `no ${what} ${id}` } };
    }
    return { status: 200, body: trace, headers: noStore };
  };
  const routes = [
    route('GET', '/api/status', async () => ({
      status: 200,
      body: await services.status(),
      headers: noStore,
    })),
    route('GET', '/api/fields', async () => ({ status: 200, body: services.fields(), headers: noStore })),
    route('GET', '/api/records/search', async ({ query }) => {
      const q = (query.get('q') ?? '').trim();
      if (!q) return { status: 400, body: { error: 'give q: an email or a record id' } };
      return { status: 200, body: { query: q, hits: await services.searchRecords(q) }, headers: noStore };
    }),
    // Companies and accounts (C-rules) before `{side}`: the first route that matches answers.
    route('GET', '/api/records/company/{id}', ({ params }) => companyTraceResponse('company', params.id)),
    route('GET', '/api/records/account/{id}', ({ params }) => companyTraceResponse('account', params.id)),
    route('GET', '/api/records/{side}/{id}', async ({ params }) => {
      const side = sideSchema.safeParse(params.side);
      if (!side.success) return { status: 404, body: { error: 'side is hubspot or salesforce' } };
      const trace = await services.recordTrace(side.data, params.id ?? '');
      if (!trace) return { status: 404, body: { error: `no ${side.data} record ${params.id}` } };
      return { status: 200, body: trace, headers: noStore };
    }),
    route('POST', '/api/records/{side}/{id}/sync', async ({ params }) => {
      const side = sideSchema.safeParse(params.side);
      if (!side.success) return { status: 404, body: { error: 'side is hubspot or salesforce' } };
      return { status: 202, body: await services.syncNow(side.data, params.id ?? '') };
    }),
    route('POST', '/api/resync', async () => ({ status: 202, body: await services.startResync() })),
    route('POST', '/api/import', async (req) => {
      const body = importSchema.parse(await req.json());
      return { status: 202, body: await services.import.start(body.objects) };
    }),
    route('GET', '/api/import', async () => ({
      status: 200,
      body: await services.import.progress(),
      headers: noStore,
    })),
    route('GET', '/api/dlq', async ({ query }) => {
      const messages = await services.dlq.list(queryInt(query, 'max', 20, 100));
      return { status: 200, body: { messages }, headers: noStore };
    }),
    route('POST', '/api/dlq/redrive', async () => ({
      status: 200,
      body: { moved: await services.dlq.redrive() },
    })),
    route('GET', '/api/segments', async () => {
      const [lists, current] = await Promise.all([
        services.segments.listActive(),
        services.segments.current(),
      ]);
      return { status: 200, body: { lists, current }, headers: noStore };
    }),
    route('POST', '/api/segments/select', async (req) => {
      const body = selectSchema.parse(await req.json());
      return { status: 200, body: { settings: await services.segments.select(body.listId) } };
    }),
    route('POST', '/api/settings/companies', async (req) => {
      const body = companySyncSchema.parse(await req.json());
      return { status: 200, body: { settings: await services.settings.setCompanySync(body.enabled) } };
    }),
    route('POST', '/api/segments', async (req) => {
      const body = createSegmentSchema.parse(await req.json());
      return { status: 201, body: { list: await services.segments.create(body) } };
    }),
  ];
  return services.playground ? [...routes, ...playgroundRoutes(services.playground)] : routes;
}

/** The sandboxes' record editor (local stack only). */
function playgroundRoutes(playground: NonNullable<AdminServices['playground']>): ApiRoute[] {
  return [
    route('GET', '/api/playground/{side}', async ({ params, query }) => {
      const side = playgroundSideSchema.parse(params.side);
      const records = await playground.samples(side, queryInt(query, 'limit', 8, 50));
      return { status: 200, body: { records }, headers: noStore };
    }),
    route('POST', '/api/playground/{side}/{id}', async (req) => {
      const side = playgroundSideSchema.parse(req.params.side);
      const body = editSchema.parse(await req.json());
      // The dashboard waits for a decision made after this instant: take it before the edit.
      const editedAt = Date.now();
      const record = await playground.edit(side, req.params.id ?? '', body.fields);
      return { status: 200, body: { record, editedAt } };
    }),
  ];
}

/**
 * The answer for an error a handler threw, or undefined for an unexpected one (the host logs it and
 * answers 500): invalid input is 400, a sync error a user must fix 422, another known error 400.
 */
export function apiErrorResponse(error: unknown): ApiResponse | undefined {
  if (error instanceof z.ZodError) {
    // The message itself says what is wrong, field by field: a bare "invalid request" leaves the
    // caller (the CLI prints `error` as is) guessing while the schema knows the reason.
    const issues = error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return { status: 400, body: { error: issues.join('; '), issues } };
  }
  if (error instanceof ApiRequestError) return { status: error.status, body: { error: error.message } };
  if (error instanceof PermanentSyncError)
    return { status: 422, body: { error: error.message, category: error.category } };
  if (error instanceof CrmSyncError) return { status: 400, body: { error: error.message, kind: error.name } };
  return undefined;
}

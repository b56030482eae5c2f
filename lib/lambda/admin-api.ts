import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ApiResponse, type ApiRoute, apiErrorResponse } from '../admin/routes.ts';
import type { Log } from '../observability/observability.ts';

/**
 * The admin API's routes behind API Gateway (HTTP API, payload 2.0, route `ANY /api/{proxy+}` with
 * AWS_IAM authorization): the event becomes the `ApiRequest` the local server also builds, and the
 * same route table answers (docs/design.md#operating).
 */

/** The route for a method and path, with its `{name}` parameters; undefined when none matches. */
export function matchRoute(
  routes: readonly ApiRoute[],
  method: string,
  path: string,
): { route: ApiRoute; params: Record<string, string> } | { pathKnown: boolean } {
  const parts = path.split('/').filter(Boolean);
  let pathKnown = false;
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((p, i) => {
      const part = parts[i] ?? '';
      if (p.startsWith('{') && p.endsWith('}')) {
        params[p.slice(1, -1)] = decodeURIComponent(part);
        return part.length > 0;
      }
      return p === part;
    });
    if (!fits) continue;
    pathKnown = true;
    if (route.method === method) return { route, params };
  }
  return { pathKnown };
}

const json = (answer: ApiResponse): APIGatewayProxyStructuredResultV2 => ({
  statusCode: answer.status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...(answer.headers ?? {}) },
  body: JSON.stringify(answer.body),
  isBase64Encoded: false,
});

/** Answers one API Gateway event from the route table; an unexpected error is logged and answers 500. */
export async function handleAdminEvent(
  event: APIGatewayProxyEventV2,
  routes: readonly ApiRoute[],
  log: Log,
): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method.toUpperCase();
  const match = matchRoute(routes, method, event.rawPath);
  if (!('route' in match)) {
    return match.pathKnown
      ? json({ status: 405, body: { error: `${method} is not allowed here` } })
      : json({ status: 404, body: { error: `nothing at ${event.rawPath}` } });
  }
  const body =
    event.body === undefined || event.body === ''
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  try {
    return json(
      await match.route.handle({
        params: match.params,
        query: new URLSearchParams(event.rawQueryString ?? ''),
        json: async () => {
          if (!body) return {};
          try {
            return JSON.parse(body) as unknown;
          } catch {
            throw new SyntaxError('request body is not valid JSON');
          }
        },
      }),
    );
  } catch (error) {
    if (error instanceof SyntaxError) return json({ status: 400, body: { error: error.message } });
    const known = apiErrorResponse(error);
    if (known) return json(known);
    log.error('admin request failed', {
      route: match.route.path,
      error: error instanceof Error ? error.message : String(error),
    });
    return json({
      status: 500,
      body: { error: 'internal error (see the admin function logs in CloudWatch)' },
    });
  }
}

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpResult, RawHttpRequest } from '../http/http.ts';
import { lowerCaseHeaders } from '../http/http.ts';

/**
 * API Gateway HTTP API (payload format 2.0) ⇄ our framework-agnostic HTTP shapes.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */

/**
 * The request as the caller sent it. The URL is rebuilt from the `host` header, `rawPath` and
 * `rawQueryString` (HubSpot signs the full URL it called). Behind a custom domain with a base-path
 * mapping, `rawPath` lacks the mapping key: set `publicBaseUrl` to the URL prefix HubSpot uses.
 */
export function toRawHttpRequest(event: APIGatewayProxyEventV2, publicBaseUrl?: string): RawHttpRequest {
  const headers = lowerCaseHeaders(event.headers ?? {});
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const proto = headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'https';
  const host = headers['host'] ?? event.requestContext.domainName;
  const base = publicBaseUrl ? publicBaseUrl.replace(/\/+$/, '') : `${proto}://${host}`;
  const body =
    event.body === undefined
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  return { method: event.requestContext.http.method, url: `${base}${event.rawPath}${query}`, headers, body };
}

/** Our result as API Gateway's structured response. */
export function toApiGatewayResult(result: HttpResult): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: result.statusCode,
    headers: result.headers,
    body: result.body,
    isBase64Encoded: false,
  };
}

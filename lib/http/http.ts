/**
 * Framework-agnostic HTTP shapes shared by the intake handlers, the Lambda adapters
 * (`lib/lambda/api-gateway.ts`) and the local stack's HTTP server. The intake code sees only these,
 * so it runs the same behind API Gateway and behind the local server.
 */

/** An HTTP request as it reached us, body untouched (signatures are computed on the raw body). */
export interface RawHttpRequest {
  method: string;
  /** The full URL as the caller used it (scheme, host, path, query), e.g. `https://x.example/hubspot?a=1`. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The body as text (UTF-8). */
  body: string;
}

/** What a handler answers. */
export interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

/** Builds a JSON response. */
export function jsonResult(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Lower-cases header names (Node and API Gateway may hand us mixed case); later duplicates win. */
export function lowerCaseHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/** Byte length of a UTF-8 string, for size caps (a string's `.length` counts UTF-16 units). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

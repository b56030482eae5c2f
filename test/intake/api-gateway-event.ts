import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A realistic HTTP API (payload 2.0) event. */
export function apiGatewayEvent(opts: {
  body: string;
  base64?: boolean;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  method?: string;
}): APIGatewayProxyEventV2 {
  const path = opts.path ?? '/hubspot/webhook';
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: opts.query ?? '',
    headers: {
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'x-forwarded-proto': 'https',
      ...(opts.headers ?? {}),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: opts.method ?? 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '54.174.0.1',
        userAgent: 'HubSpot Connect 2.0',
      },
      requestId: 'req-1',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '29/Nov/2026:04:40:00 +0000',
      timeEpoch: 1_764_390_000_000,
    },
    body: opts.base64 ? Buffer.from(opts.body, 'utf8').toString('base64') : opts.body,
    isBase64Encoded: opts.base64 ?? false,
  };
}

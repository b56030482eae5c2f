import { createHmac } from 'node:crypto';

/**
 * HubSpot request signature v3
 * (https://developers.hubspot.com/docs/api/webhooks/validating-requests): base64 of
 * HMAC-SHA256(clientSecret, method + uri + body + timestamp).
 */
export function signV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: number,
): string {
  return createHmac('sha256', clientSecret)
    .update(method + uri + body + String(timestamp))
    .digest('base64');
}

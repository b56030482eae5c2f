import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verification of HubSpot's `X-HubSpot-Signature-v3` request signature.
 * https://developers.hubspot.com/docs/api/webhooks/validating-requests
 *
 * v3 = base64(HMAC-SHA256(clientSecret, method + uri + rawBody + timestamp)), where `uri` is the
 * full URL HubSpot called with a fixed set of percent-escapes decoded, and `timestamp` is the
 * `X-HubSpot-Request-Timestamp` header (epoch ms). HubSpot tells receivers to reject timestamps
 * older than 5 minutes. v1/v2 signatures carry no timestamp (replayable forever) and v1 does not
 * cover the URL, so a request that carries only those is refused.
 *
 * We do not use `@hubspot/api-client`'s `Signature.isValid`: it compares with `===` (not
 * timing-safe) and accepts timestamps from the future.
 */

/** HubSpot's window for the request timestamp. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60 * 1000;
/** Tolerated clock skew for timestamps ahead of our clock. */
export const MAX_FUTURE_SKEW_MS = 30 * 1000;

export type SignatureFailure =
  | 'missing-signature'
  | 'legacy-signature-only'
  | 'missing-timestamp'
  | 'invalid-timestamp'
  | 'expired-timestamp'
  | 'future-timestamp'
  | 'signature-mismatch';

export type SignatureCheck =
  | { ok: true; timestamp: number; signature: string }
  | { ok: false; reason: SignatureFailure };

/**
 * The percent-escapes HubSpot says to decode in the URI before signing (its docs' table). Other
 * escapes (e.g. `%20`, `%26`) stay as sent; the `?` starting the query string is literal already.
 */
const DECODED_ESCAPES: Record<string, string> = {
  '3A': ':',
  '2F': '/',
  '3F': '?',
  '40': '@',
  '21': '!',
  '24': '$',
  '27': "'",
  '28': '(',
  '29': ')',
  '2A': '*',
  '2C': ',',
  '3B': ';',
};

/** Applies HubSpot's URI decoding rule to the URL it called. */
export function hubspotSignatureUri(url: string): string {
  return url.replace(
    /%([0-9A-Fa-f]{2})/g,
    (sequence, hex: string) => DECODED_ESCAPES[hex.toUpperCase()] ?? sequence,
  );
}

/** Computes the v3 signature (base64) for a request. Exported for tests, the sandbox and the bench. */
export function computeSignatureV3(input: {
  clientSecret: string;
  method: string;
  url: string;
  body: string;
  timestamp: string | number;
}): string {
  const source =
    input.method.toUpperCase() + hubspotSignatureUri(input.url) + input.body + String(input.timestamp);
  return createHmac('sha256', input.clientSecret).update(source, 'utf8').digest('base64');
}

/**
 * Verifies a request's v3 signature and timestamp window. Header names are lower case.
 * Never throws; the caller maps a failure to 401 with the reason in the log (not in the body).
 */
export function verifySignatureV3(input: {
  clientSecret: string;
  method: string;
  url: string;
  body: string;
  headers: Record<string, string | undefined>;
  now: number;
}): SignatureCheck {
  const signature = input.headers['x-hubspot-signature-v3'];
  if (!signature) {
    return {
      ok: false,
      reason: input.headers['x-hubspot-signature'] ? 'legacy-signature-only' : 'missing-signature',
    };
  }
  const timestampText = input.headers['x-hubspot-request-timestamp'];
  if (!timestampText) return { ok: false, reason: 'missing-timestamp' };
  if (!/^\d{1,16}$/.test(timestampText)) return { ok: false, reason: 'invalid-timestamp' };
  const timestamp = Number(timestampText);
  if (input.now - timestamp > MAX_SIGNATURE_AGE_MS) return { ok: false, reason: 'expired-timestamp' };
  if (timestamp - input.now > MAX_FUTURE_SKEW_MS) return { ok: false, reason: 'future-timestamp' };

  const expected = Buffer.from(
    computeSignatureV3({
      clientSecret: input.clientSecret,
      method: input.method,
      url: input.url,
      body: input.body,
      timestamp: timestampText,
    }),
    'utf8',
  );
  const given = Buffer.from(signature.trim(), 'utf8');
  // timingSafeEqual throws on different lengths; a length difference reveals nothing secret
  // (every valid signature is 44 base64 characters), so compare lengths first.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature-mismatch' };
  }
  return { ok: true, timestamp, signature: signature.trim() };
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The per-deployment token that authenticates Salesforce outbound messages. Salesforce signs
 * nothing and the organization id in the message is not secret (web-to-lead forms carry it), so
 * the endpoint URL configured in the outbound message carries an unguessable token as its last
 * path segment: `https://<api>/webhooks/salesforce/<token>` (docs/intake.md#salesforce-outbound-messages).
 */

/** A new token: 32 random bytes, base64url (URL-safe, 43 characters). */
export function generateOutboundToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The token the caller presented: the last path segment of the URL it called, if any. */
export function presentedOutboundToken(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
  const last = path.split('/').filter(Boolean).at(-1);
  return last ? decodeURIComponent(last) : undefined;
}

/**
 * Whether the URL carries the expected token. Constant time in the token: both sides are hashed
 * to 32 bytes first, so neither the content nor the length leaks through timing. An empty
 * expected token never matches (an unset secret must not open the endpoint).
 */
export function outboundTokenMatches(url: string, expected: string): boolean {
  const presented = presentedOutboundToken(url);
  if (!expected || presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

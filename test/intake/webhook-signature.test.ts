import { readFileSync } from 'node:fs';
import { Signature } from '@hubspot/api-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../lib/hubspot/webhook-replay.ts';
import {
  MAX_SIGNATURE_AGE_MS,
  computeSignatureV3,
  hubspotSignatureUri,
  verifySignatureV3,
} from '../../lib/hubspot/webhook-signature.ts';

interface Vector {
  id: string;
  version: string;
  clientSecret: string;
  method?: string;
  uri?: string;
  requestBody: string;
  timestamp?: string;
  expected: string;
}
const vectors = (
  JSON.parse(
    readFileSync(new URL('../fixtures/hubspot/signature-vectors.json', import.meta.url), 'utf8'),
  ) as { vectors: Vector[] }
).vectors;
const v3 = vectors.filter((v) => v.version === 'v3');
const legacy = vectors.filter((v) => v.version !== 'v3');

const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const url = 'https://www.example.com/webhook_uri';

describe('HubSpot v3 signature: published test vectors', () => {
  it('has the v3 vectors to check against', () => {
    expect(v3.length).toBeGreaterThanOrEqual(2);
  });

  for (const vector of v3) {
    it(`computes HubSpot's published signature (${vector.id})`, () => {
      const signature = computeSignatureV3({
        clientSecret: vector.clientSecret,
        method: vector.method ?? 'POST',
        url: vector.uri ?? '',
        body: vector.requestBody,
        timestamp: vector.timestamp ?? '',
      });
      expect(signature).toBe(vector.expected);
    });

    it(`accepts the vector's request inside the window and refuses it once expired (${vector.id})`, () => {
      const ts = Number(vector.timestamp);
      const request = {
        clientSecret: vector.clientSecret,
        method: vector.method ?? 'POST',
        url: vector.uri ?? '',
        body: vector.requestBody,
        headers: {
          'x-hubspot-signature-v3': vector.expected,
          'x-hubspot-request-timestamp': vector.timestamp,
        },
      };
      expect(verifySignatureV3({ ...request, now: ts + 1000 })).toEqual({
        ok: true,
        timestamp: ts,
        signature: vector.expected,
      });
      expect(verifySignatureV3({ ...request, now: ts + MAX_SIGNATURE_AGE_MS + 1 })).toEqual({
        ok: false,
        reason: 'expired-timestamp',
      });
    });
  }

  for (const vector of legacy) {
    it(`refuses a request that carries only a ${vector.version} signature (${vector.id})`, () => {
      const check = verifySignatureV3({
        clientSecret: vector.clientSecret,
        method: vector.method ?? 'POST',
        url: vector.uri ?? url,
        body: vector.requestBody,
        headers: { 'x-hubspot-signature': vector.expected, 'x-hubspot-signature-version': vector.version },
        now: 1_700_000_000_000,
      });
      expect(check).toEqual({ ok: false, reason: 'legacy-signature-only' });
    });
  }
});

describe('HubSpot v3 signature: cross-check with @hubspot/api-client', () => {
  it("agrees with the official client's Signature.isValid on random bodies, URLs and secrets", () => {
    const now = Date.now(); // the official client reads the wall clock; only used for its window
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constantFrom(
          'https://a.example/webhook',
          'https://a.example/hooks/hubspot?x=1&y=two',
          'https://b.example:8443/p/a%20th',
        ),
        fc.string({ minLength: 1, maxLength: 40 }),
        (body, u, clientSecret) => {
          const signature = computeSignatureV3({
            clientSecret,
            method: 'POST',
            url: u,
            body,
            timestamp: now,
          });
          const official = Signature.isValid({
            signatureVersion: 'v3',
            signature,
            clientSecret,
            requestBody: body,
            url: u,
            method: 'POST',
            timestamp: now,
          });
          expect(official).toBe(true);
          const ours = verifySignatureV3({
            clientSecret,
            method: 'POST',
            url: u,
            body,
            headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(now) },
            now,
          });
          expect(ours.ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a signature the official client also refuses (one flipped body character)', () => {
    const now = Date.now();
    const body = '[{"eventId":1,"objectId":2}]';
    const signature = computeSignatureV3({ clientSecret: secret, method: 'POST', url, body, timestamp: now });
    const tampered = body.replace('2', '3');
    expect(
      Signature.isValid({
        signatureVersion: 'v3',
        signature,
        clientSecret: secret,
        requestBody: tampered,
        url,
        method: 'POST',
        timestamp: now,
      }),
    ).toBe(false);
    const ours = verifySignatureV3({
      clientSecret: secret,
      method: 'POST',
      url,
      body: tampered,
      headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(now) },
      now,
    });
    expect(ours).toEqual({ ok: false, reason: 'signature-mismatch' });
  });
});

describe('HubSpot v3 signature: failures', () => {
  const now = 1_764_000_000_000;
  const body = '[]';
  const sign = (timestamp: number, opts: { secret?: string; u?: string } = {}) =>
    computeSignatureV3({
      clientSecret: opts.secret ?? secret,
      method: 'POST',
      url: opts.u ?? url,
      body,
      timestamp,
    });
  const verify = (headers: Record<string, string | undefined>, u = url) =>
    verifySignatureV3({ clientSecret: secret, method: 'POST', url: u, body, headers, now });

  it('refuses a request without any signature', () => {
    expect(verify({})).toEqual({ ok: false, reason: 'missing-signature' });
  });
  it('refuses a v3 signature without a timestamp', () => {
    expect(verify({ 'x-hubspot-signature-v3': sign(now) })).toEqual({
      ok: false,
      reason: 'missing-timestamp',
    });
  });
  it('refuses a non-numeric timestamp', () => {
    expect(
      verify({ 'x-hubspot-signature-v3': sign(now), 'x-hubspot-request-timestamp': 'wrong_timestamp' }),
    ).toEqual({
      ok: false,
      reason: 'invalid-timestamp',
    });
  });
  it('refuses a timestamp older than 5 minutes, accepts one just inside', () => {
    const old = now - MAX_SIGNATURE_AGE_MS - 1;
    expect(
      verify({ 'x-hubspot-signature-v3': sign(old), 'x-hubspot-request-timestamp': String(old) }),
    ).toEqual({
      ok: false,
      reason: 'expired-timestamp',
    });
    const edge = now - MAX_SIGNATURE_AGE_MS;
    expect(
      verify({ 'x-hubspot-signature-v3': sign(edge), 'x-hubspot-request-timestamp': String(edge) }).ok,
    ).toBe(true);
  });
  it('refuses a timestamp from the future beyond the allowed skew', () => {
    const future = now + 60_000;
    expect(
      verify({ 'x-hubspot-signature-v3': sign(future), 'x-hubspot-request-timestamp': String(future) }),
    ).toEqual({
      ok: false,
      reason: 'future-timestamp',
    });
  });
  it('refuses a signature made with another secret', () => {
    expect(
      verify({
        'x-hubspot-signature-v3': sign(now, { secret: 'other' }),
        'x-hubspot-request-timestamp': String(now),
      }),
    ).toEqual({ ok: false, reason: 'signature-mismatch' });
  });
  it('refuses a signature of another length without throwing', () => {
    expect(verify({ 'x-hubspot-signature-v3': 'abc', 'x-hubspot-request-timestamp': String(now) })).toEqual({
      ok: false,
      reason: 'signature-mismatch',
    });
    expect(
      verify({ 'x-hubspot-signature-v3': 'é'.repeat(44), 'x-hubspot-request-timestamp': String(now) }),
    ).toEqual({
      ok: false,
      reason: 'signature-mismatch',
    });
  });
  it('refuses a signature computed for another URL (the URL is signed)', () => {
    const signature = sign(now, { u: 'https://evil.example/webhook_uri' });
    expect(
      verify({ 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(now) }),
    ).toEqual({
      ok: false,
      reason: 'signature-mismatch',
    });
  });
});

describe('HubSpot v3 signature: URI decoding', () => {
  it('decodes exactly the escapes HubSpot lists, leaving others (e.g. %20) as sent', () => {
    expect(
      hubspotSignatureUri('https://x.example/a%3Ab%2Fc%3Fd%40e%21f%24g%27h%28i%29j%2Ak%2Cl%3Bm%20n%26o'),
    ).toBe("https://x.example/a:b/c?d@e!f$g'h(i)j*k,l;m%20n%26o");
    expect(hubspotSignatureUri('https://x.example/?q=%3a')).toBe('https://x.example/?q=:');
  });
  it('accepts a request whose URL arrives encoded when HubSpot signed the decoded form', () => {
    const now = 1_764_000_000_000;
    const decoded = 'https://x.example/hook?ids=1,2&at=a@b';
    const signature = createDecodedSignature(decoded, now);
    const check = verifySignatureV3({
      clientSecret: secret,
      method: 'POST',
      url: 'https://x.example/hook?ids=1%2C2&at=a%40b',
      body: '[]',
      headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(now) },
      now,
    });
    expect(check.ok).toBe(true);
  });
});

function createDecodedSignature(decodedUrl: string, timestamp: number): string {
  // What HubSpot does: sign method + decoded URI + body + timestamp.
  return computeSignatureV3({ clientSecret: secret, method: 'POST', url: decodedUrl, body: '[]', timestamp });
}

describe('replay guard', () => {
  it('refuses the same (signature, timestamp) within the window, forgets it after', () => {
    const guard = new ReplayGuard();
    const t = 1_764_000_000_000;
    expect(guard.remember('sig-a', t, t)).toBe(true);
    expect(guard.remember('sig-a', t, t + 1000)).toBe(false);
    expect(guard.remember('sig-b', t, t + 1000)).toBe(true);
    expect(guard.remember('sig-a', t, t + MAX_SIGNATURE_AGE_MS + 60_000)).toBe(true);
  });
  it('stays bounded under a flood', () => {
    const guard = new ReplayGuard(100);
    for (let i = 0; i < 1000; i += 1) guard.remember(`sig-${i}`, 1, 1);
    expect(guard.size).toBe(100);
  });
  it('lets a forgotten signature through again (request not queued, HubSpot retries)', () => {
    const guard = new ReplayGuard();
    expect(guard.remember('s', 5, 5)).toBe(true);
    guard.forget('s', 5);
    expect(guard.remember('s', 5, 6)).toBe(true);
  });
});

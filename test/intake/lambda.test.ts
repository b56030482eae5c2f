import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { toApiGatewayResult, toRawHttpRequest } from '../../lib/lambda/api-gateway.ts';
import { parseLambdaEnv } from '../../lib/lambda/env.ts';
import { lazyOnce } from '../../lib/lambda/lazy.ts';
import { type SecretSource, SecretsCache, parseCrmSecrets } from '../../lib/lambda/secrets.ts';
import { apiGatewayEvent } from './api-gateway-event.ts';

describe('API Gateway HTTP API adapter', () => {
  it('rebuilds the full URL HubSpot called from host, rawPath and rawQueryString', () => {
    const req = toRawHttpRequest(apiGatewayEvent({ body: '[]', query: 'a=1&b=%3A' }));
    expect(req.url).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/hubspot/webhook?a=1&b=%3A');
    expect(req.method).toBe('POST');
  });
  it('decodes a base64 body to the exact UTF-8 text (signatures are over the raw body)', () => {
    const body = '[{"name":"Zoë 😀 \u05D0"}]';
    expect(toRawHttpRequest(apiGatewayEvent({ body, base64: true })).body).toBe(body);
  });
  it('lower-cases header names and honours a public base URL behind a custom domain', () => {
    const req = toRawHttpRequest(
      apiGatewayEvent({ body: '', headers: { 'X-HubSpot-Signature-v3': 'sig' } }),
      'https://hooks.example.com/crm/',
    );
    expect(req.headers['x-hubspot-signature-v3']).toBe('sig');
    expect(req.url).toBe('https://hooks.example.com/crm/hubspot/webhook');
  });
  it('maps a result to the structured response', () => {
    expect(toApiGatewayResult({ statusCode: 401, body: 'x' })).toEqual({
      statusCode: 401,
      body: 'x',
      headers: undefined,
      isBase64Encoded: false,
    });
  });
});

describe('Lambda environment', () => {
  const base = { CRMSYNC_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/changes' };

  it('names each missing variable and how to fix it', () => {
    let error: unknown;
    try {
      parseLambdaEnv(['queueUrl', 'secretArn', 'tableName'], {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text).toContain('CRMSYNC_QUEUE_URL: is not set');
    expect(text).toContain('CRMSYNC_SECRET_ARN: is not set');
    expect(text).toContain('CRMSYNC_TABLE_NAME: is not set');
  });
  it('names a malformed variable', () => {
    expect(() => parseLambdaEnv(['queueUrl'], { CRMSYNC_QUEUE_URL: 'not a url' })).toThrow(
      /CRMSYNC_QUEUE_URL/,
    );
  });
  it('treats an empty string as not set', () => {
    expect(() => parseLambdaEnv(['secretArn'], { ...base, CRMSYNC_SECRET_ARN: '' })).toThrow(
      /CRMSYNC_SECRET_ARN: is not set/,
    );
  });
  it('resolves the default config path next to the handler (LAMBDA_TASK_ROOT)', () => {
    const env = parseLambdaEnv(['queueUrl'], { ...base, LAMBDA_TASK_ROOT: '/var/task' });
    expect(env.configPath).toBe('/var/task/crmsync.config.json');
    expect(env.queueUrl).toBe(base.CRMSYNC_QUEUE_URL);
    expect(parseLambdaEnv([], { CRMSYNC_CONFIG_PATH: '/etc/crmsync.json' }).configPath).toBe(
      '/etc/crmsync.json',
    );
  });
});

describe('secrets', () => {
  const text = JSON.stringify({ hubspotClientSecret: 'cs-123456', hubspotAccessToken: 'pat-na1-abcdef' });
  class CountingSource implements SecretSource {
    reads = 0;
    fail = 0;
    constructor(private readonly value: string) {}
    async getSecretString(): Promise<string> {
      this.reads += 1;
      if (this.fail > 0) {
        this.fail -= 1;
        throw new Error('AccessDeniedException');
      }
      return this.value;
    }
  }

  it('reads once per cold start, again after the TTL, and not after a failure', async () => {
    let now = 0;
    const source = new CountingSource(text);
    const cache = new SecretsCache(source, 'arn:secret', { ttlMs: 1000, now: () => now });
    source.fail = 1;
    await expect(cache.get()).rejects.toThrow('AccessDeniedException');
    expect((await cache.get()).require('hubspotClientSecret')).toBe('cs-123456');
    await cache.get();
    expect(source.reads).toBe(2);
    now = 1001;
    await cache.get();
    expect(source.reads).toBe(3);
  });

  it('never shows a value when printed, serialized or when JSON is invalid', () => {
    const secrets = parseCrmSecrets(text, 'arn:secret');
    for (const shown of [JSON.stringify({ secrets }), inspect(secrets), String(secrets)]) {
      expect(shown).not.toContain('cs-123456');
      expect(shown).not.toContain('pat-na1');
    }
    let message = '';
    try {
      parseCrmSecrets('{"hubspotClientSecret": "cs-123456" oops', 'arn:secret');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('not valid JSON');
    expect(message).not.toContain('cs-123456');
  });

  it('names a missing key without any value', () => {
    const secrets = parseCrmSecrets(JSON.stringify({ hubspotAccessToken: 'pat-na1-abcdef' }), 'arn:secret');
    expect(() => secrets.require('hubspotClientSecret')).toThrow(
      /hubspotClientSecret: is missing from the secret/,
    );
  });
});

describe('lazyOnce', () => {
  it('builds once for concurrent callers and retries after a failed build', async () => {
    let builds = 0;
    const get = lazyOnce(async () => {
      builds += 1;
      if (builds === 1) throw new Error('cold start failed');
      return builds;
    });
    await expect(get()).rejects.toThrow('cold start failed');
    const [a, b] = await Promise.all([get(), get()]);
    expect([a, b, builds]).toEqual([2, 2, 2]);
  });
});

import { inspect } from 'node:util';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';

/**
 * CRM credentials from one Secrets Manager secret (a JSON object), read once per cold start and
 * cached. The values never reach a log line: the Secrets object redacts itself in JSON and
 * `util.inspect`, and parse errors never quote the secret text.
 */

/** The secret's JSON shape. Every key is optional here; `require` names a missing one clearly. */
export const crmSecretsSchema = z.looseObject({
  hubspotAccessToken: z.string().min(1).optional(),
  hubspotClientSecret: z.string().min(1).optional(),
  /** HubSpot OAuth app (instead of a private-app token): its refresh token and client id; the client secret is hubspotClientSecret. */
  hubspotRefreshToken: z.string().min(1).optional(),
  hubspotClientId: z.string().min(1).optional(),
  salesforceInstanceUrl: z.url().optional(),
  salesforceAccessToken: z.string().min(1).optional(),
  salesforceRefreshToken: z.string().min(1).optional(),
  salesforceClientId: z.string().min(1).optional(),
  salesforceClientSecret: z.string().min(1).optional(),
  /** OAuth host for the refresh: https://login.salesforce.com (default), https://test.salesforce.com or a My Domain URL. */
  salesforceLoginUrl: z.url().optional(),
});
export type CrmSecretValues = z.infer<typeof crmSecretsSchema>;
export type CrmSecretName = Exclude<keyof CrmSecretValues, number | symbol> & string;

/** Where secret text comes from: Secrets Manager in AWS; tests and the local stack pass their own. */
export interface SecretSource {
  /** The secret's string value. */
  getSecretString(secretId: string): Promise<string>;
}

/** Reads secrets with the AWS SDK (`GetSecretValue`). */
export function secretsManagerSource(client: SecretsManagerClient): SecretSource {
  return {
    async getSecretString(secretId) {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (out.SecretString === undefined)
        throw new ConfigError(secretId, [
          {
            path: 'SecretString',
            value: undefined,
            message: 'the secret has no string value',
            fix: 'store the credentials as a JSON object (SecretString)',
          },
        ]);
      return out.SecretString;
    },
  };
}

/** Parsed credentials. Read with `get`/`require`; prints as `[redacted]`. */
export class CrmSecrets {
  readonly #values: CrmSecretValues;
  readonly #source: string;

  constructor(values: CrmSecretValues, source: string) {
    this.#values = values;
    this.#source = source;
  }

  get<K extends CrmSecretName>(name: K): CrmSecretValues[K] {
    return this.#values[name];
  }

  /** The value, or a ConfigError naming the missing key (and never any value). */
  require<K extends CrmSecretName>(name: K): NonNullable<CrmSecretValues[K]> {
    const value = this.#values[name];
    if (value === undefined || value === null) {
      throw new ConfigError(this.#source, [
        {
          path: name,
          value: undefined,
          message: 'is missing from the secret',
          fix: `add "${name}" to the secret's JSON`,
        },
      ]);
    }
    return value as NonNullable<CrmSecretValues[K]>;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'CrmSecrets [redacted]';
  }
}

/** Parses secret text; errors name the secret and the key, never the text. */
export function parseCrmSecrets(text: string, secretId: string): CrmSecrets {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input: do not pass it on.
    throw new ConfigError(secretId, [
      {
        path: '(secret)',
        value: undefined,
        message: 'is not valid JSON',
        fix: 'store the credentials as a JSON object',
      },
    ]);
  }
  const parsed = crmSecretsSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      secretId,
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(secret)',
        value: undefined,
        message: issue.code === 'invalid_type' ? `expected ${issue.expected}` : 'has an invalid value',
        fix: 'fix the secret JSON (see docs/intake.md)',
      })),
    );
  }
  return new CrmSecrets(parsed.data, secretId);
}

/**
 * A per-container cache: the first call reads the secret, later calls reuse it until `ttlMs`
 * passes (so a rotated secret is picked up without a redeploy). A failed read is not cached.
 */
export class SecretsCache {
  #entry: { at: number; value: Promise<CrmSecrets> } | undefined;

  constructor(
    private readonly source: SecretSource,
    private readonly secretId: string,
    private readonly options: { ttlMs?: number; now?: () => number } = {},
  ) {}

  get(): Promise<CrmSecrets> {
    const now = (this.options.now ?? Date.now)();
    const ttl = this.options.ttlMs ?? 15 * 60 * 1000;
    if (this.#entry && now - this.#entry.at < ttl) return this.#entry.value;
    const value = this.source
      .getSecretString(this.secretId)
      .then((text) => parseCrmSecrets(text, this.secretId));
    const entry = { at: now, value };
    this.#entry = entry;
    value.catch(() => {
      if (this.#entry === entry) this.#entry = undefined;
    });
    return value;
  }
}

import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { ConfigError, CrmAuthError } from '../errors.ts';
import { type Clock, systemClock } from '../rate-limit/clock.ts';
import { hubSpotErrorMessage, isHubSpotApiError } from './hubspot-errors.ts';

/**
 * HubSpot OAuth for a public app (https://developers.hubspot.com/docs/api/oauth/tokens): access
 * tokens expire after 30 minutes (`expires_in`), and the app's refresh token, client id and client
 * secret get a new one from `POST /oauth/v1/token`. A private-app token never expires and needs
 * none of this.
 */
export interface HubSpotOAuthSettings {
  refreshToken: string;
  /** The app's client id (HubSpot app > Auth). */
  clientId: string;
  /** The app's client secret (the same one signs its webhooks). */
  clientSecret: string;
}

/**
 * OAuth settings from optional credentials (secret keys or environment variables): none without a
 * refresh token; a ConfigError naming every missing companion when the token comes without the
 * client id or secret, since HubSpot's token endpoint requires both.
 */
export function hubspotOAuthSettings(
  values: { refreshToken?: string; clientId?: string; clientSecret?: string },
  names: { source: string; clientIdName: string; clientSecretName: string },
): HubSpotOAuthSettings | undefined {
  if (!values.refreshToken) return undefined;
  const missing = [
    ...(values.clientId ? [] : [names.clientIdName]),
    ...(values.clientSecret ? [] : [names.clientSecretName]),
  ];
  if (missing.length > 0 || !values.clientId || !values.clientSecret) {
    throw new ConfigError(
      names.source,
      missing.map((path) => ({
        path,
        value: undefined,
        message: 'is missing: a HubSpot refresh token needs the OAuth app client id and client secret',
        fix: `set ${path} from your HubSpot app's Auth tab`,
      })),
    );
  }
  return { refreshToken: values.refreshToken, clientId: values.clientId, clientSecret: values.clientSecret };
}

/** The token endpoint's answer, as the client deserializes it; checked because we rely on it. */
const tokenResponse = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  expiresIn: z.number().positive(),
});

/** Asks HubSpot for a new access token with the refresh token. */
export type TokenExchange = (
  settings: HubSpotOAuthSettings,
) => Promise<{ accessToken: string; refreshToken?: string; expiresIn: number }>;

/**
 * The token exchange through `@hubspot/api-client`'s OAuth API (form-encoded POST /oauth/v1/token).
 * It has its own Client: the token request authenticates with the client id and secret, not with
 * the (possibly expired) bearer token the API client carries.
 */
export function hubspotTokenExchange(baseUrl: string): TokenExchange {
  const client = new Client({ basePath: baseUrl, numberOfApiCallRetries: 0 });
  return async (settings) => {
    const answer = await client.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      settings.clientId,
      settings.clientSecret,
      settings.refreshToken,
    );
    return tokenResponse.parse(answer);
  };
}

export interface HubSpotAccessTokensOptions {
  settings: HubSpotOAuthSettings;
  exchange: TokenExchange;
  /** A token to start with (its expiry is unknown: it is used until HubSpot refuses it). */
  accessToken?: string;
  clock?: Clock;
  /** Renew this long before the token expires (default 5 minutes), so no call races the expiry. */
  renewBeforeMs?: number;
  /** Called after each renewal (for a log line; the token is deliberately not passed). */
  onRefresh?: () => void;
}

/**
 * The current OAuth access token of a HubSpot app. `current()` renews before expiry;
 * `renewAfterRejection()` renews after a 401 (a token revoked, or expired while the process was
 * frozen). Concurrent callers share one renewal. A failed renewal is a CrmAuthError saying what to
 * fix when HubSpot refused the refresh token or the client; a network failure is passed on as is
 * (the adapter retries it as transient).
 */
export class HubSpotAccessTokens {
  readonly #settings: HubSpotOAuthSettings;
  readonly #exchange: TokenExchange;
  readonly #clock: Clock;
  readonly #renewBeforeMs: number;
  readonly #onRefresh: (() => void) | undefined;
  #token: string | undefined;
  #expiresAt = Number.POSITIVE_INFINITY;
  #renewing: Promise<string> | undefined;

  constructor(opts: HubSpotAccessTokensOptions) {
    this.#settings = { ...opts.settings };
    this.#exchange = opts.exchange;
    this.#clock = opts.clock ?? systemClock;
    this.#renewBeforeMs = opts.renewBeforeMs ?? 5 * 60_000;
    this.#onRefresh = opts.onRefresh;
    this.#token = opts.accessToken;
  }

  /** The token the next call should carry; renewed first when missing or about to expire. */
  async current(): Promise<string> {
    if (this.#token !== undefined && this.#clock() < this.#expiresAt - this.#renewBeforeMs)
      return this.#token;
    return this.#renew();
  }

  /** HubSpot refused `rejected` (401): renew, unless another caller already replaced it. */
  async renewAfterRejection(rejected: string | undefined): Promise<void> {
    if (this.#token !== undefined && rejected !== this.#token) return;
    await this.#renew();
  }

  #renew(): Promise<string> {
    this.#renewing ??= this.#fetch().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #fetch(): Promise<string> {
    const requestedAt = this.#clock();
    let answer: Awaited<ReturnType<TokenExchange>>;
    try {
      answer = await this.#exchange(this.#settings);
    } catch (error) {
      throw refreshFailure(error);
    }
    this.#token = answer.accessToken;
    this.#expiresAt = requestedAt + answer.expiresIn * 1000;
    // HubSpot answers with the refresh token it was given; adopt a new one if it ever rotates.
    if (answer.refreshToken) this.#settings.refreshToken = answer.refreshToken;
    this.#onRefresh?.();
    return answer.accessToken;
  }
}

/**
 * A refused refresh (4xx: BAD_REFRESH_TOKEN when the app was uninstalled or the token revoked,
 * BAD_CLIENT_ID / BAD_CLIENT_SECRET for the wrong app) will not change on retry: a CrmAuthError. A 5xx
 * or network failure might: passed on unchanged, so the adapter treats it as transient.
 */
function refreshFailure(error: unknown): unknown {
  if (error instanceof z.ZodError) {
    return new CrmAuthError(
      'hubspot',
      'HubSpot OAuth token refresh answered without an access token or expiry: check the token endpoint (hubspot.baseUrl).',
      { cause: error },
    );
  }
  if (!isHubSpotApiError(error) || error.code >= 500 || error.code === 429) return error;
  return new CrmAuthError(
    'hubspot',
    `HubSpot OAuth token refresh failed (${error.code}): ${hubSpotErrorMessage(error.body) || 'refused'}. Check hubspotRefreshToken (revoked, or the app uninstalled? reinstall it for a new one) and hubspotClientId / hubspotClientSecret (the app's Auth tab) in the secret, or HUBSPOT_REFRESH_TOKEN, HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET in live mode.`,
    { cause: error },
  );
}

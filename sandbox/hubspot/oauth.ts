import { randomBytes, randomUUID } from 'node:crypto';
import { readRawBody, sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import { HubSpotHttpError, errorBody } from './errors.ts';
import type { SandboxState } from './state.ts';

/**
 * HubSpot OAuth for public apps, as the sandbox plays it
 * (https://developers.hubspot.com/docs/api/oauth/tokens): an install gives the app a refresh
 * token; `POST /oauth/v1/token` (form-encoded, `grant_type=refresh_token`, `client_id`,
 * `client_secret`, `refresh_token`) answers `{ token_type, refresh_token, access_token, expires_in }`
 * with an access token that lives 30 minutes on the sandbox's clock; an expired one is refused
 * with HubSpot's 401 `EXPIRED_AUTHENTICATION`. Any other bearer token is a private-app token and
 * works as before (the sandbox does not know which tokens a real portal issued).
 */

/** The sandbox app's OAuth client id (its client secret is the sandbox's `clientSecret`). */
export const DEV_CLIENT_ID = 'sandbox-dev-client-id-0000';
/** HubSpot access tokens of public apps expire after 30 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 1800;

/** The token endpoint's error body: HubSpot answers OAuth failures with a `status` code of its own. */
interface OAuthErrorBody {
  status: string;
  message: string;
  correlationId: string;
  requestId: string;
}

/** Tokens issued by one sandbox: refresh tokens of installs, access tokens with their expiry. */
export class OAuthServer {
  readonly #refreshTokens = new Set<string>();
  readonly #accessTokens = new Map<string, number>();
  #issued = 0;

  constructor(private readonly s: SandboxState) {}

  /** An install of the app in this portal: a new refresh token (what the authorization-code flow yields). */
  install(): { clientId: string; clientSecret: string; refreshToken: string } {
    const refreshToken = `na1-${randomUUID()}`;
    this.#refreshTokens.add(refreshToken);
    return { clientId: DEV_CLIENT_ID, clientSecret: this.s.opts.clientSecret, refreshToken };
  }

  /** How many access tokens were issued (refreshes), for tests. */
  get issued(): number {
    return this.#issued;
  }

  /** Answers a token request: `[status, body]`. */
  token(form: URLSearchParams): [number, unknown] {
    const fail = (status: string, message: string): [number, OAuthErrorBody] => [
      400,
      { status, message, correlationId: randomUUID(), requestId: randomUUID() },
    ];
    if (form.get('grant_type') !== 'refresh_token')
      return fail(
        'BAD_GRANT_TYPE',
        'grant_type must be refresh_token (the sandbox has no authorization codes)',
      );
    if (form.get('client_id') !== DEV_CLIENT_ID) return fail('BAD_CLIENT_ID', 'missing or invalid client id');
    if (form.get('client_secret') !== this.s.opts.clientSecret)
      return fail('BAD_CLIENT_SECRET', 'missing or invalid client secret');
    const refreshToken = form.get('refresh_token') ?? '';
    if (!this.#refreshTokens.has(refreshToken) || this.s.revoked.has(refreshToken))
      return fail('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
    const accessToken = `CKD${randomBytes(24).toString('base64url')}`;
    this.#accessTokens.set(accessToken, this.s.opts.now() + ACCESS_TOKEN_TTL_SECONDS * 1000);
    // Changes made with the app's tokens are the app's (`changeSource: INTEGRATION`): echoes.
    this.s.opts.appTokens.add(accessToken);
    this.#issued++;
    return [
      200,
      {
        token_type: 'bearer',
        refresh_token: refreshToken,
        access_token: accessToken,
        expires_in: ACCESS_TOKEN_TTL_SECONDS,
      },
    ];
  }

  /** HubSpot's 401 for an access token this sandbox issued that has expired; undefined otherwise. */
  rejectExpired(token: string): HubSpotHttpError | undefined {
    const expiresAt = this.#accessTokens.get(token);
    const now = this.s.opts.now();
    if (expiresAt === undefined || now < expiresAt) return undefined;
    return new HubSpotHttpError(
      401,
      errorBody(
        'EXPIRED_AUTHENTICATION',
        `The OAuth token used to make this call expired ${ago(now - expiresAt)} ago.`,
        { context: { 'expire time': [new Date(expiresAt).toISOString()] } },
      ),
    );
  }
}

/** HubSpot's wording: "expired 0 second(s) ago", "5 minute(s) ago", "5 hour(s) ago". */
function ago(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} second(s)`;
  if (s < 3600) return `${Math.floor(s / 60)} minute(s)`;
  if (s < 86_400) return `${Math.floor(s / 3600)} hour(s)`;
  return `${Math.floor(s / 86_400)} day(s)`;
}

const servers = new WeakMap<SandboxState, OAuthServer>();

/** The OAuth server of a sandbox (kept beside its state; tokens live in memory only). */
export function oauthServer(s: SandboxState): OAuthServer {
  let server = servers.get(s);
  if (!server) {
    server = new OAuthServer(s);
    servers.set(s, server);
  }
  return server;
}

/** `POST /oauth/v1/token` (no bearer token: the client authenticates with its id and secret). */
export function registerOAuthRoutes(router: Router, s: SandboxState): void {
  router.on('POST', '/oauth/v1/token', async (ctx) => {
    const type = ctx.req.headers['content-type'] ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      throw new HubSpotHttpError(
        415,
        errorBody('VALIDATION_ERROR', 'The token endpoint takes application/x-www-form-urlencoded'),
      );
    }
    const form = new URLSearchParams((await readRawBody(ctx.req)).toString('utf8'));
    s.count(ctx.template);
    const [status, body] = oauthServer(s).token(form);
    sendJson(ctx.res, status, body);
  });
}

/** `POST /__sandbox/oauth/install`: install the app (a new refresh token) for a local run or a test. */
export function registerOAuthControlRoutes(router: Router, s: SandboxState): void {
  router.on('POST', '/__sandbox/oauth/install', (ctx) => {
    sendJson(ctx.res, 200, oauthServer(s).install());
  });
}

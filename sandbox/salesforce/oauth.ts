/**
 * `POST /services/oauth2/token`: the OAuth 2.0 token endpoint, enough for jsforce's session
 * refresh (`refresh_token` grant) and server-to-server `client_credentials`, so tests can
 * revoke an access token and watch the client re-authenticate.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 *
 * `GET /services/oauth2/userinfo` and the identity URL (`/id/<orgId>/<userId>`) the token answer
 * names: who the session runs as. Every API token of the sandbox is the integration user's.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRawBody, sendJson } from '../common/index.ts';
import { invalidSession } from './errors.ts';
import { INTEGRATION_USER_ID } from './store.ts';

/** What the token endpoint needs from the sandbox. */
export interface OAuthState {
  orgId: string;
  baseUrl: () => string;
  revoked: Set<string>;
  /** Count of tokens issued (for assertions). */
  issued: string[];
}

/** Handle `POST /services/oauth2/token` (form-encoded). */
export async function handleToken(
  state: OAuthState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const form = new URLSearchParams((await readRawBody(req, 64 * 1024)).toString('utf8'));
  const grant = form.get('grant_type');
  const fail = (error: string, description: string): void =>
    sendJson(res, 400, { error, error_description: description });
  if (grant === 'refresh_token') {
    const rt = form.get('refresh_token');
    if (!rt || state.revoked.has(rt)) return fail('invalid_grant', 'expired access/refresh token');
  } else if (grant === 'client_credentials' || grant === 'password') {
    if (!form.get('client_id') || !form.get('client_secret'))
      return fail('invalid_client', 'invalid client credentials');
  } else {
    return fail('unsupported_grant_type', 'grant type not supported');
  }
  // Access tokens look like `<orgId15>!<opaque>`, as Salesforce session ids do.
  const accessToken = `${state.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
  state.issued.push(accessToken);
  const base = state.baseUrl();
  sendJson(res, 200, {
    access_token: accessToken,
    signature: randomBytes(32).toString('base64'),
    scope: 'api refresh_token',
    instance_url: base,
    id: `${base}/id/${state.orgId}/${INTEGRATION_USER_ID}`,
    token_type: 'Bearer',
    issued_at: String(Date.now()),
  });
}

/** The identity URL's path, as the token answer's `id` gives it. */
export const IDENTITY_RE = /^\/id\/[A-Za-z0-9]{15,18}\/[A-Za-z0-9]{15,18}$/;

/**
 * UserInfo / identity: the bearer token's user (`user_id`, `organization_id`, the identity URL as
 * `sub` and `id`). A missing or revoked token gets the 401 every API resource answers; the identity
 * URL also takes the token as `oauth_token` in the query, as jsforce's `identity()` sends it.
 */
export function handleIdentity(state: OAuthState, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const header = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec((req.headers.authorization ?? '').trim());
  const token = header?.[1] ?? url.searchParams.get('oauth_token') ?? undefined;
  if (!token || state.revoked.has(token)) {
    const e = invalidSession();
    sendJson(res, e.status, e.toRestBody(), { 'www-authenticate': 'Token' });
    return;
  }
  const base = state.baseUrl();
  const id = `${base}/id/${state.orgId}/${INTEGRATION_USER_ID}`;
  sendJson(res, 200, {
    sub: id,
    id,
    user_id: INTEGRATION_USER_ID,
    organization_id: state.orgId,
    preferred_username: 'crmsync.integration@sandbox.example.com',
    name: 'crmsync Integration',
    user_type: 'STANDARD',
    active: true,
  });
}

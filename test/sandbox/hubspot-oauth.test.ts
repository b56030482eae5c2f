import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_CLIENT_ID, type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';

const MIN = 60_000;
let clock = Date.UTC(2026, 3, 1, 8, 0, 0);
let sandbox: HubSpotSandbox;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, now: () => clock });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

/** The token request as HubSpot documents it: a form-encoded POST, no bearer token. */
async function tokenRequest(
  fields: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.url}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function refreshFields(refreshToken: string): Record<string, string> {
  return {
    grant_type: 'refresh_token',
    client_id: DEV_CLIENT_ID,
    client_secret: sandbox.clientSecret,
    refresh_token: refreshToken,
  };
}

describe('HubSpot sandbox: OAuth tokens of a public app', () => {
  it('POST /oauth/v1/token answers HubSpot’s shape with a 30-minute access token', async () => {
    const install = sandbox.oauthInstall();
    expect(install).toMatchObject({ clientId: DEV_CLIENT_ID, clientSecret: sandbox.clientSecret });
    const { status, body } = await tokenRequest(refreshFields(install.refreshToken));
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(body).toMatchObject({
      token_type: 'bearer',
      refresh_token: install.refreshToken,
      expires_in: 1800,
    });
    expect(sandbox.counters()['POST /oauth/v1/token']).toBe(1);
  });

  it('the access token works until it expires, then gets HubSpot’s 401 EXPIRED_AUTHENTICATION', async () => {
    const { body } = await tokenRequest(refreshFields(sandbox.oauthInstall().refreshToken));
    const client = new Client({
      accessToken: String(body['access_token']),
      basePath: sandbox.url,
      numberOfApiCallRetries: 0,
    });
    await client.crm.contacts.basicApi.getPage(1);
    clock += 29 * MIN;
    await client.crm.contacts.basicApi.getPage(1);
    clock += 3 * MIN;
    const error = (await client.crm.contacts.basicApi.getPage(1).catch((e: unknown) => e)) as {
      code: number;
      body: { status: string; category: string; message: string };
    };
    expect(error.code).toBe(401);
    expect(error.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION' });
    expect(error.body.message).toBe('The OAuth token used to make this call expired 2 minute(s) ago.');
  });

  it('a private-app token (not issued here) never expires', async () => {
    const client = new Client({
      accessToken: 'pat-na1-private',
      basePath: sandbox.url,
      numberOfApiCallRetries: 0,
    });
    clock += 24 * 60 * MIN;
    await expect(client.crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
  });

  it('refuses an unknown or revoked refresh token, a wrong client and another grant with a 400', async () => {
    const { refreshToken } = sandbox.oauthInstall();
    expect(await tokenRequest(refreshFields('na1-unknown'))).toMatchObject({
      status: 400,
      body: { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' },
    });
    expect((await tokenRequest({ ...refreshFields(refreshToken), client_id: 'other' })).body).toMatchObject({
      status: 'BAD_CLIENT_ID',
    });
    expect((await tokenRequest({ ...refreshFields(refreshToken), client_secret: 'x' })).body).toMatchObject({
      status: 'BAD_CLIENT_SECRET',
    });
    expect(
      (await tokenRequest({ ...refreshFields(refreshToken), grant_type: 'authorization_code' })).status,
    ).toBe(400);
    sandbox.revokeToken(refreshToken);
    expect((await tokenRequest(refreshFields(refreshToken))).body).toMatchObject({
      status: 'BAD_REFRESH_TOKEN',
    });
  });
});

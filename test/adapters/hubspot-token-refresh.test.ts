import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveCredentials } from '../../lib/cli/commands/dev.ts';
import { ConfigError, CrmAuthError } from '../../lib/errors.ts';
import { createHubSpotConnection } from '../../lib/hubspot/hubspot-client.ts';
import { HubSpotCrm } from '../../lib/hubspot/hubspot-crm.ts';
import type { HubSpotOAuthSettings } from '../../lib/hubspot/hubspot-oauth.ts';
import { buildCrmDependencies } from '../../lib/lambda/sync-dependencies.ts';
import { RateLimiter } from '../../lib/rate-limit/index.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { jsonSecret, lambdaEnv, recordingLog } from '../support/lambda-env.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';
import { fakeTime } from './fake-time.ts';

const MIN = 60_000;
const TOKEN = 'POST /oauth/v1/token';
const CREATE = 'POST /crm/v3/objects/contacts/batch/create';

let sandbox: HubSpotSandbox;
/** The sandbox's clock: the test moves it; the adapter's clock is separate so they can disagree. */
let hubspotNow = Date.UTC(2026, 3, 2, 9, 0, 0);

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, now: () => hubspotNow });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

function count(key: string): number {
  return sandbox.counters()[key] ?? 0;
}

/** A HubSpotCrm as the dependency builders make it; `refreshes` counts the `onRefresh` calls. */
function adapter(opts: { accessToken?: string; oauth?: HubSpotOAuthSettings }) {
  const time = fakeTime(hubspotNow);
  const limiter = new RateLimiter({
    crm: 'hubspot',
    maxRequestsPer10s: 1000,
    dailyLimit: 100_000,
    dailyShare: 0.5,
    clock: time.clock,
    sleep: time.sleep,
  });
  let refreshes = 0;
  const connection = createHubSpotConnection({
    ...opts,
    baseUrl: sandbox.url,
    clock: time.clock,
    onRefresh: () => refreshes++,
  });
  const crm = new HubSpotCrm({ ...connection, limiter, maxAttempts: 3 });
  return { crm, limiter, time, refreshes: () => refreshes };
}

function oauthApp(): HubSpotOAuthSettings {
  const install = sandbox.oauthInstall();
  return {
    refreshToken: install.refreshToken,
    clientId: install.clientId,
    clientSecret: install.clientSecret,
  };
}

describe('HubSpot OAuth app: access tokens renewed with the refresh token', () => {
  it('without an access token, the first call fetches one with the refresh token', async () => {
    const id = await sandbox.userCreateContact({ email: 'first@example.com' });
    const { crm, refreshes } = adapter({ oauth: oauthApp() });
    expect((await crm.readContacts([id], ['email'])).map((c) => c.id)).toEqual([id]);
    expect(count(TOKEN)).toBe(1);
    expect(refreshes()).toBe(1);
  });

  it('renews before expiry: 26 minutes on, the next call gets a new token first and is never refused', async () => {
    const id = await sandbox.userCreateContact({ email: 'early@example.com' });
    const { crm, time, limiter } = adapter({ oauth: oauthApp() });
    await crm.readContacts([id], ['email']);
    time.advance(26 * MIN);
    hubspotNow += 26 * MIN;
    // The old token is still valid at HubSpot (30 minutes), so only the renewal window explains a refresh.
    await crm.readContacts([id], ['email']);
    expect(count(TOKEN)).toBe(2);
    time.advance(10 * MIN);
    hubspotNow += 10 * MIN;
    await crm.readContacts([id], ['email']);
    expect(count(TOKEN)).toBe(2);
    expect(limiter.counters().retries).toBe(0);
  });

  it('on a 401 (token expired while our clock says otherwise) renews and replays: a create is applied once', async () => {
    const { crm, refreshes } = adapter({ oauth: oauthApp() });
    await crm.readContacts(['1'], ['email']);
    // HubSpot's clock runs 31 minutes ahead of ours: the token we hold has expired there.
    hubspotNow += 31 * MIN;
    const outcomes = await crm.createContacts([{ ref: 'c1', properties: { email: 'replay@example.com' } }]);
    expect(outcomes).toMatchObject([{ ref: 'c1', ok: true }]);
    expect(count(CREATE)).toBe(1);
    expect(refreshes()).toBe(2);
    const found = await crm.findContactsByEmail(['replay@example.com'], ['email']);
    expect(found).toHaveLength(1);
  });

  it('calls refused together share one renewal', async () => {
    const id = await sandbox.userCreateContact({ email: 'together@example.com' });
    const { crm, refreshes } = adapter({ oauth: oauthApp() });
    await crm.readContacts([id], ['email']);
    hubspotNow += 31 * MIN;
    const reads = await Promise.all([1, 2, 3].map(() => crm.readContacts([id], ['email'])));
    expect(reads.map((r) => r.length)).toEqual([1, 1, 1]);
    expect(refreshes()).toBe(2);
    expect(count(TOKEN)).toBe(2);
  });

  it('a revoked refresh token is a CrmAuthError saying what to fix, not retried as transient', async () => {
    const app = oauthApp();
    sandbox.revokeToken(app.refreshToken);
    const { crm, limiter } = adapter({ oauth: app });
    const error = await crm.readContacts(['1'], ['email']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmAuthError);
    const message = (error as Error).message;
    expect(message).toMatch(/HubSpot OAuth token refresh failed \(400\): missing or invalid refresh token/);
    expect(message).toMatch(/hubspotRefreshToken/);
    expect(message).toMatch(/HUBSPOT_REFRESH_TOKEN/);
    expect(limiter.counters().retries).toBe(0);
  });

  it('a private-app token keeps working as before: no token endpoint, no expiry', async () => {
    const id = await sandbox.userCreateContact({ email: 'private@example.com' });
    const { crm } = adapter({ accessToken: 'pat-na1-private-app' });
    hubspotNow += 24 * 60 * MIN;
    expect(await crm.readContacts([id], ['email'])).toHaveLength(1);
    expect(count(TOKEN)).toBe(0);
  });

  it('neither an access token nor an OAuth app is a ConfigError at construction', () => {
    expect(() => createHubSpotConnection({ baseUrl: sandbox.url })).toThrow(ConfigError);
  });
});

describe('live mode credentials (crmsync dev --live) for a HubSpot OAuth app', () => {
  const base = { SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com', SALESFORCE_ACCESS_TOKEN: 'sf' };

  it('with HUBSPOT_REFRESH_TOKEN, HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET the access token is optional', () => {
    const live = liveCredentials({
      ...base,
      HUBSPOT_REFRESH_TOKEN: 'rt',
      HUBSPOT_CLIENT_ID: 'id',
      HUBSPOT_CLIENT_SECRET: 'secret',
    });
    expect(live.hubspotAccessToken).toBeUndefined();
    expect(live.hubspotOAuth).toEqual({ refreshToken: 'rt', clientId: 'id', clientSecret: 'secret' });
  });

  it('without a refresh token HUBSPOT_ACCESS_TOKEN is still required', () => {
    expect(() => liveCredentials(base)).toThrow(/HUBSPOT_ACCESS_TOKEN/);
    expect(liveCredentials({ ...base, HUBSPOT_ACCESS_TOKEN: 'pat' }).hubspotOAuth).toBeUndefined();
  });

  it('a refresh token without the client id and secret is a ConfigError naming both', () => {
    expect(() => liveCredentials({ ...base, HUBSPOT_REFRESH_TOKEN: 'rt' })).toThrow(
      /HUBSPOT_CLIENT_ID[\s\S]*HUBSPOT_CLIENT_SECRET/,
    );
  });
});

describe('Lambda dependencies (buildCrmDependencies) with a HubSpot OAuth app in the secret', () => {
  let stack: TestStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack();
    env = lambdaEnv(stack);
  });
  afterAll(() => stack?.close());

  it('builds a HubSpotCrm that gets its token from the refresh token and logs the refresh without it', async () => {
    const hs = stack.hubspotSandbox;
    const id = await hs.userCreateContact({ email: 'lambda-oauth@example.com' });
    const install = hs.oauthInstall();
    const { log, lines } = recordingLog();
    const deps = await buildCrmDependencies({
      env,
      dynamoClient: stack.dynamo.client,
      log,
      secretSource: jsonSecret({
        hubspotRefreshToken: install.refreshToken,
        hubspotClientId: install.clientId,
        hubspotClientSecret: install.clientSecret,
        salesforceInstanceUrl: stack.salesforceSandbox.url,
        salesforceAccessToken: 'crmsync-local-session',
      }),
    });
    expect((await deps.hubspot.readContacts([id], ['email'])).map((c) => c.id)).toEqual([id]);
    expect(lines.map((l) => l.message)).toEqual(['info hubspot access token refreshed']);
    expect(JSON.stringify(lines)).not.toContain(install.refreshToken);
    expect(JSON.stringify(lines)).not.toContain('CKD'); // sandbox access tokens start with CKD
    await deps.flushUsage();
  });

  it('a refresh token without hubspotClientId fails the cold start with a ConfigError naming the key', async () => {
    const error = await buildCrmDependencies({
      env,
      dynamoClient: stack.dynamo.client,
      secretSource: jsonSecret({
        hubspotRefreshToken: 'na1-x',
        hubspotClientSecret: 'secret',
        salesforceInstanceUrl: stack.salesforceSandbox.url,
        salesforceAccessToken: 'crmsync-local-session',
      }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/hubspotClientId/);
  });
});

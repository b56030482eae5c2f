import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveCredentials } from '../../lib/cli/commands/dev.ts';
import { ConfigError, CrmAuthError } from '../../lib/errors.ts';
import { buildCrmDependencies } from '../../lib/lambda/sync-dependencies.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import {
  createSalesforceConnection,
  type SalesforceRefreshSettings,
} from '../../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../../lib/salesforce/salesforce-crm.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { jsonSecret, lambdaEnv, recordingLog } from '../support/lambda-env.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';
import { roomySalesforceLimiter } from './fake-time.ts';

const INITIAL = 'sf-initial-access-token';
const REFRESH_TOKEN = 'sf-refresh-token';
const V = '/services/data/v{version}';
const PATCH_COLLECTION = `PATCH ${V}/composite/sobjects`;
const POST_COLLECTION = `POST ${V}/composite/sobjects`;

let sandbox: SalesforceSandbox;

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, autoDeliver: false });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

/** The sandbox serves the OAuth token endpoint on its own URL, so it is also the login URL. */
function refreshSettings(): SalesforceRefreshSettings {
  return {
    refreshToken: REFRESH_TOKEN,
    clientId: 'crmsync-app',
    clientSecret: 'app-secret',
    loginUrl: sandbox.url,
  };
}

/** A SalesforceCrm as the dependency builders make it; `refreshes` counts the `onRefresh` calls. */
function adapter(opts: { accessToken?: string; refresh?: SalesforceRefreshSettings }) {
  const limiter = roomySalesforceLimiter();
  const refreshes: string[] = [];
  const connection = createSalesforceConnection({
    instanceUrl: sandbox.url,
    clientName: 'crmsync',
    ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
    ...(opts.refresh ? { refresh: opts.refresh } : {}),
    onRefresh: ({ instanceUrl }) => refreshes.push(instanceUrl),
  });
  const crm = new SalesforceCrm({ connection, limiter, clientName: 'crmsync' });
  return { crm, connection, limiter, refreshes };
}

function count(key: string): number {
  return sandbox.counters()[key] ?? 0;
}

describe('Salesforce session refresh (jsforce OAuth refresh-token flow)', () => {
  it('after the access token is revoked, a read and then a write succeed by refreshing the session', async () => {
    const leadId = await sandbox.userCreate('Lead', {
      LastName: 'Refresh',
      Company: 'Co',
      Email: 'r@example.com',
    });
    const { crm, connection, limiter, refreshes } = adapter({
      accessToken: INITIAL,
      refresh: refreshSettings(),
    });
    sandbox.revokeToken(INITIAL);

    const read = await crm.readRecords('Lead', [leadId], ['LastName']);
    expect(read.map((r) => r.id)).toEqual([leadId]);
    expect(refreshes).toEqual([sandbox.url]);
    expect(connection.accessToken).not.toBe(INITIAL);

    // The refreshed session expires too: the write is refused once, refreshed, replayed and applied once.
    sandbox.revokeToken(connection.accessToken!);
    const updated = await crm.updateRecords('Lead', [
      { ref: 'u1', id: leadId, fields: { Title: 'After refresh' } },
    ]);
    expect(updated).toMatchObject([{ ref: 'u1', ok: true, id: leadId }]);
    expect(sandbox.getRecord(leadId)?.['Title']).toBe('After refresh');
    expect(count(PATCH_COLLECTION)).toBe(1);
    expect(refreshes).toHaveLength(2);
    // jsforce replays inside the call: the limiter saw no failure and retried nothing.
    expect(limiter.counters().retries).toBe(0);
  });

  it('a create (not idempotent) refused for the session is applied exactly once after the refresh', async () => {
    const { crm, refreshes } = adapter({ accessToken: INITIAL, refresh: refreshSettings() });
    sandbox.revokeToken(INITIAL);
    const outcomes = await crm.createRecords('Lead', [
      { ref: 'c1', fields: { LastName: 'New', Company: 'Co', Email: 'new@example.com' } },
    ]);
    expect(outcomes).toMatchObject([{ ref: 'c1', ok: true }]);
    expect(count(POST_COLLECTION)).toBe(1);
    expect(refreshes).toHaveLength(1);
  });

  it('without an access token, the first call gets one with the refresh token', async () => {
    const leadId = await sandbox.userCreate('Lead', { LastName: 'NoToken', Company: 'Co' });
    const { crm, refreshes } = adapter({ refresh: refreshSettings() });
    const read = await crm.readRecords('Lead', [leadId], ['LastName']);
    expect(read.map((r) => r.fields['LastName'])).toEqual(['NoToken']);
    expect(refreshes).toHaveLength(1);
  });

  it('without a refresh token, a revoked session is a CrmAuthError naming what to configure', async () => {
    const { crm, limiter } = adapter({ accessToken: INITIAL });
    sandbox.revokeToken(INITIAL);
    const error = await crm
      .readRecords('Lead', ['00Q000000000001AAA'], ['LastName'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmAuthError);
    const message = (error as Error).message;
    expect(message).toMatch(/INVALID_SESSION_ID/);
    expect(message).toMatch(/salesforceRefreshToken and salesforceClientId/);
    expect(message).toMatch(/SALESFORCE_REFRESH_TOKEN and SALESFORCE_CLIENT_ID/);
    expect(limiter.counters().retries).toBe(0);
  });

  it('a revoked refresh token is a CrmAuthError (not retried as transient), naming the refresh settings', async () => {
    const { crm, limiter, refreshes } = adapter({ accessToken: INITIAL, refresh: refreshSettings() });
    sandbox.revokeToken(INITIAL);
    sandbox.revokeToken(REFRESH_TOKEN);
    const error = await crm
      .readRecords('Lead', ['00Q000000000001AAA'], ['LastName'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmAuthError);
    expect((error as Error).message).toMatch(/session refresh failed.*expired access\/refresh token/);
    expect((error as Error).message).toMatch(/salesforceRefreshToken/);
    expect(limiter.counters().retries).toBe(0);
    expect(refreshes).toHaveLength(0);
  });

  it('neither an access token nor a refresh token is a ConfigError at construction', () => {
    expect(() => createSalesforceConnection({ instanceUrl: sandbox.url, clientName: 'crmsync' })).toThrow(
      ConfigError,
    );
  });
});

describe('live mode credentials (crmsync dev --live)', () => {
  const base = { HUBSPOT_ACCESS_TOKEN: 'hs', SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com' };

  it('with SALESFORCE_REFRESH_TOKEN and SALESFORCE_CLIENT_ID the access token is optional', () => {
    const live = liveCredentials({
      ...base,
      SALESFORCE_REFRESH_TOKEN: 'rt',
      SALESFORCE_CLIENT_ID: 'id',
      SALESFORCE_CLIENT_SECRET: 'secret',
      SALESFORCE_LOGIN_URL: 'https://test.salesforce.com',
    });
    expect(live.salesforceAccessToken).toBeUndefined();
    expect(live.salesforceRefresh).toEqual({
      refreshToken: 'rt',
      clientId: 'id',
      clientSecret: 'secret',
      loginUrl: 'https://test.salesforce.com',
    });
  });

  it('without a refresh token SALESFORCE_ACCESS_TOKEN is still required', () => {
    expect(() => liveCredentials(base)).toThrow(/SALESFORCE_ACCESS_TOKEN/);
  });

  it('a refresh token without SALESFORCE_CLIENT_ID, or a login URL with a path, is a ConfigError', () => {
    expect(() => liveCredentials({ ...base, SALESFORCE_REFRESH_TOKEN: 'rt' })).toThrow(
      /SALESFORCE_CLIENT_ID/,
    );
    expect(() =>
      liveCredentials({
        ...base,
        SALESFORCE_REFRESH_TOKEN: 'rt',
        SALESFORCE_CLIENT_ID: 'id',
        SALESFORCE_LOGIN_URL: 'https://test.salesforce.com/services/oauth2/token',
      }),
    ).toThrow(/SALESFORCE_LOGIN_URL/);
  });
});

describe('Lambda dependencies (buildCrmDependencies) with a refresh token in the secret', () => {
  let stack: TestStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack();
    env = lambdaEnv(stack);
  });
  afterAll(() => stack?.close());

  it('builds a SalesforceCrm that gets its session from the refresh token and logs the refresh without it', async () => {
    const sf = stack.salesforceSandbox;
    const leadId = await sf.userCreate('Lead', { LastName: 'Lambda', Company: 'Co' });
    const { log, lines } = recordingLog();
    const deps = await buildCrmDependencies({
      env,
      dynamoClient: stack.dynamo.client,
      log,
      secretSource: jsonSecret({
        hubspotAccessToken: SANDBOX_APP_TOKEN,
        salesforceInstanceUrl: sf.url,
        salesforceRefreshToken: REFRESH_TOKEN,
        salesforceClientId: 'crmsync-app',
        salesforceClientSecret: 'app-secret',
        salesforceLoginUrl: sf.url,
      }),
    });
    const read = await deps.salesforce.readRecords('Lead', [leadId], ['LastName']);
    expect(read.map((r) => r.id)).toEqual([leadId]);
    expect(lines.map((l) => l.message)).toEqual(['info salesforce session refreshed']);
    expect(JSON.stringify(lines)).not.toMatch(/!/); // sandbox access tokens are `<orgId>!<opaque>`
    expect(JSON.stringify(lines)).not.toContain(REFRESH_TOKEN);
    await deps.flushUsage();
  });

  it('a refresh token without salesforceClientId fails the cold start with a ConfigError naming the key', async () => {
    const error = await buildCrmDependencies({
      env,
      dynamoClient: stack.dynamo.client,
      secretSource: jsonSecret({
        hubspotAccessToken: SANDBOX_APP_TOKEN,
        salesforceInstanceUrl: stack.salesforceSandbox.url,
        salesforceRefreshToken: REFRESH_TOKEN,
      }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/salesforceClientId/);
  });
});

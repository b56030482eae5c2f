import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';

/** The app token the sandbox accepts in these tests. */
export const SANDBOX_APP_TOKEN = 'pat-na1-crmsync-app';

/**
 * A HubSpot sandbox for one test file, started once and reset before each test, with a
 * `@hubspot/api-client` Client on it that never retries (every status the sandbox answers surfaces).
 * Rate limits are raised out of the way. Call at the top of a test file; read `sandbox()` / `client()`
 * inside the tests.
 */
export function useHubSpotSandboxClient(): { sandbox: () => HubSpotSandbox; client: () => Client } {
  let sandbox: HubSpotSandbox | undefined;
  let client: Client | undefined;
  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({
      port: 0,
      appTokens: [SANDBOX_APP_TOKEN],
      limits: { burstPer10s: 100_000, searchPerSecond: 100_000 },
    });
    client = new Client({ accessToken: SANDBOX_APP_TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => sandbox?.reset());
  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error(
        'the HubSpot sandbox is not started: call useHubSpotSandboxClient() at the top of the file',
      );
    return value;
  };
  return { sandbox: () => started(sandbox), client: () => started(client) };
}

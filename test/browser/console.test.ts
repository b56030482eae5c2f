import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole } from '../../lib/cli/commands/console.ts';
import { resolveTarget } from '../../lib/cli/stack-target.ts';
import type { LocalHttpServer } from '../../lib/local/http-server.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { startSigV4Proxy, TEST_AWS, testAwsEnv } from '../support/sigv4-proxy.ts';
import { chromiumExecutable } from './chromium.ts';

/**
 * `crmsync console` in headless Chromium against a stand-in for a deployed stack: the local stack's
 * API behind a proxy that refuses any request whose SigV4 signature it cannot recompute with the
 * test credentials (API Gateway's AWS_IAM). The page's every /api call must go through the console,
 * signed. The screenshot goes to test-results/console.png, or docs/console.png with UPDATE_SCREENSHOT=1.
 */
const SCREENSHOT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  process.env.UPDATE_SCREENSHOT === '1' ? '../../docs/console.png' : '../../test-results/console.png',
);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];

let stack: LocalStack;
let proxy: Awaited<ReturnType<typeof startSigV4Proxy>>;
let consoleServer: LocalHttpServer;
let browser: Browser;
let page: Page;
const savedEnv = { ...process.env };
const externalRequests: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  const chromiumPath = (await chromiumExecutable()).executablePath;
  stack = await startLocalStack({
    port: 0,
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: null,
    demo: { hubspotContacts: 40, leads: 20, contacts: 10, salesforceOnlyLeads: 4, seed: 42 },
    schedules: false,
    queue: { batchingWindowMs: 200 },
    log: silentLog,
  });
  await stack.flush();
  proxy = await startSigV4Proxy(stack.url);
  // The console signs with the standard credential chain: here, the environment.
  Object.assign(process.env, testAwsEnv());
  consoleServer = await startConsole(
    await resolveTarget({ url: proxy.url, sign: true, region: TEST_AWS.region }),
    0,
  );
  browser = await chromium.launch({ executablePath: chromiumPath, args: ARGS, headless: true });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('request', (req) => {
    if (!req.url().startsWith(consoleServer.url)) externalRequests.push(req.url());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${consoleServer.url}/`);
  await page.locator('#conn.ok').waitFor({ timeout: 30_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await consoleServer?.close();
  await proxy?.close();
  await stack?.close();
  process.env = savedEnv;
});

describe('crmsync console (the dashboard for a deployed stack) in Chromium', () => {
  it('shows the stack and region in the header, with every /api call signed and accepted', async () => {
    await expect
      .poll(() => page.locator('#env-stack').textContent())
      .toBe(`${new URL(proxy.url).host} · eu-west-1`);
    expect(proxy.passed).toEqual(
      expect.arrayContaining(['GET /api/status', 'GET /api/fields', 'GET /api/segments']),
    );
    expect(proxy.refused).toEqual([]);
  });

  it('sync now from the record page queues the record and shows the decision made for it', async () => {
    const status = (await (await fetch(`${stack.url}/api/status`)).json()) as { segment: { id: string } };
    const [member] = await stack.store.listMembers(status.segment.id);
    await page.locator('#search-q').fill(member!);
    await page.locator('#search-form button[type=submit]').click();
    await page.locator('#trace:not([hidden])').waitFor({ timeout: 30_000 });
    await page.locator('#trace-sync').click();
    await page
      .locator('#trace-sync-msg', { hasText: /Synced now: (synced|noop)/ })
      .waitFor({ timeout: 60_000 });
    expect(proxy.passed).toContain(`POST /api/records/hubspot/${member}/sync`);
    expect(proxy.refused).toEqual([]);
  });

  it('made no request beyond the console and threw no script error; saves the screenshot', async () => {
    expect(externalRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});

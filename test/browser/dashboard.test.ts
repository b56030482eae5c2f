import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lib/observability/observability.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import type { RecordTrace } from '../../lib/local/services.ts';
import { chromiumExecutable } from './chromium.ts';

/**
 * The dashboard in headless Chromium, driven by playwright-core: a user edits a contact in
 * the playground and watches it sync, reads its decision trace, runs a resync and sees its progress.
 * The screenshot goes to test-results/dashboard.png; with UPDATE_SCREENSHOT=1 it replaces the README's
 * (docs/dashboard.png), so a test run leaves the work tree clean. The browser is CHROMIUM_PATH, Debian's
 * `chromium`, or the one the `@sparticuz/chromium` dev dependency ships (./chromium.ts): `npm ci` is enough.
 */

const SCREENSHOT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  process.env.UPDATE_SCREENSHOT === '1' ? '../../docs/dashboard.png' : '../../test-results/dashboard.png',
);
/** Flags for a headless run in a container, with no calls home. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** The sync runs for real in the background (webhooks, batching window, processor): give it time, never sleep. */
const SYNC_TIMEOUT = 45_000;

/** Waits for `selector` to show `text`; on a timeout, the error says what it showed instead. */
async function waitForText(
  selector: string,
  text: string | RegExp,
  timeout = SYNC_TIMEOUT,
  explain?: () => Promise<string>,
): Promise<void> {
  try {
    await page.locator(selector, { hasText: text }).first().waitFor({ timeout });
  } catch (error) {
    const shown = await page
      .locator(selector)
      .first()
      .textContent()
      .catch(() => null);
    const context = explain ? `\n${await explain().catch((e: unknown) => String(e))}` : '';
    throw new Error(
      `${selector} did not show ${String(text)} within ${timeout} ms; it shows: ${JSON.stringify(shown)}${context}`,
      {
        cause: error,
      },
    );
  }
}

/** A record's decisions, newest first, for a failure message. */
async function traceSummary(side: 'hubspot' | 'salesforce', id: string): Promise<string> {
  const trace = (await (await fetch(`${stack.url}/api/records/${side}/${id}`)).json()) as RecordTrace;
  return trace.decisions
    .map(
      (d) =>
        `${d.at} ${d.outcome} ${d.recordKey} ${d.reason ?? ''} ${JSON.stringify(d.detail ?? {}).slice(0, 200)}`,
    )
    .join('\n');
}

let stack: LocalStack;
let browser: Browser;
let page: Page;
const externalRequests: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  const chromiumPath = (await chromiumExecutable()).executablePath;
  stack = await startLocalStack({
    port: 0,
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: null,
    demo: { hubspotContacts: 120, leads: 60, contacts: 20, salesforceOnlyLeads: 10, seed: 42 },
    schedules: false,
    queue: { batchingWindowMs: 200 },
    log: silentLog,
  });
  // The first run resyncs the demo segment (links by email); let it finish so the playground offers linked records.
  await stack.flush();
  browser = await chromium.launch({ executablePath: chromiumPath, args: ARGS, headless: true });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('request', (req) => {
    if (!req.url().startsWith(stack.url) && !req.url().startsWith('data:')) externalRequests.push(req.url());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${stack.url}/`);
  await page.locator('#conn.ok').waitFor({ timeout: 10_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('sync-health dashboard in Chromium', () => {
  it('shows the demo segment and offers only active segments in "Limit syncs"', async () => {
    await page.locator('#seg-type', { hasText: 'Active (dynamic)' }).waitFor();
    const options = await page.getByLabel('Limit syncs to').locator('option').allTextContents();
    expect(options[0]).toContain('No segment');
    expect(options.some((o) => o.includes(stack.demo!.segment.name))).toBe(true);
  });

  it('counts no resync notice as a change, and never shows a latency over 0 samples', async () => {
    // The first-run resync's own notices are not changes. It creates one Account (the demo's Hooli,
    // C4) and sets its Contact's AccountId (C6): their CDC echoes are dropped at intake, but outbound
    // messages carry no change origin and arrive as the two changes measured (in sync by the merge).
    await waitForText('#chart-summary', '(2 samples).');
    expect(await page.locator('#chart-summary').textContent()).not.toContain('(0 samples)');
  });

  it('R4 from the dashboard: a contact moved into the segment by an edit is synced by that edit (membership confirmed at the moment of the change), created in Salesforce', async () => {
    // The demo's last contacts have no Salesforce twin and start outside the segment.
    const outsider = stack.demo!.hubspotIds.at(-1)!;
    await page.getByLabel('Email or record id').fill(outsider);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: /Edit .* in the playground/ }).click();
    await page.waitForFunction(
      (id) =>
        (
          globalThis as unknown as { document: { getElementById(id: string): { value: string } | null } }
        ).document.getElementById('play-record')?.value === id,
      outsider,
    );
    await page.getByLabel('Lifecycle stage').selectOption('marketingqualifiedlead');
    await page.getByRole('button', { name: 'Save as a user' }).click();
    // The processor confirms the membership of an edit on the segment's filter property with HubSpot,
    // so the edit that makes it join syncs it; nothing is left for the next refresh to find.
    await stack.flush();
    expect((await stack.refreshSegment()).joined).toBe(0);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('#trace-list li.synced').first().waitFor({ timeout: SYNC_TIMEOUT });
    await waitForText('#trace-link', 'In the segment');
    const pair = (await stack.store.getPairsByHubSpotIds([outsider])).get(outsider);
    expect(pair?.salesforceType).toBe('Lead');
    expect(stack.salesforceSandbox!.getRecord(pair!.salesforceId)).toBeDefined();
  });

  it('says "Synced" when another write already carried the value and the edit\'s own notice has nothing left to do', async () => {
    // The race the processor can produce: an earlier batch (e.g. a concurrent notice about the same
    // pair) wrote the value, so the edit's own notice is a no-op. Played deterministically: crmsync's
    // own write puts the title in Salesforce first (its echo is dropped), then the user saves it in HubSpot.
    await page.getByLabel('HubSpot contact').check();
    const record = page.getByLabel('Record', { exact: true });
    const second = await record.locator('option').nth(1).getAttribute('value');
    await record.selectOption(second!);
    const hubspotId = await record.inputValue();
    const pair = (await stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
    expect(pair).toBeDefined();
    const title = `Already There ${hubspotId}`;
    const [written] = await stack.salesforce.updateRecords(pair!.salesforceType, [
      { ref: 'pre', id: pair!.salesforceId, fields: { Title: title } },
    ]);
    expect(written?.ok).toBe(true);

    await page.getByLabel('Job title').fill(title);
    await page.getByRole('button', { name: 'Save as a user' }).click();
    await waitForText(
      '#play-msg',
      /^Synced to Salesforce in [\d.]+ (ms|s): Title now holds the saved value\./,
    );
    await waitForText('#play-sf', title);
    // Once the edit's own notice is processed, both sides still hold the user's title.
    await stack.flush();
    expect(stack.salesforceSandbox!.getRecord(pair!.salesforceId)?.Title).toBe(title);
    const trace = (await (
      await fetch(`${stack.url}/api/records/hubspot/${hubspotId}`)
    ).json()) as RecordTrace;
    expect(trace.hubspot?.properties.jobtitle).toBe(title);
    expect(trace.fields?.find((f) => f.salesforce === 'Title')?.inSync).toBe(true);
  });

  it('edits a HubSpot contact in the playground, sees it synced to Salesforce and its trace', async () => {
    await page.getByLabel('HubSpot contact').check();
    const record = page.getByLabel('Record', { exact: true });
    await record.locator('option').first().waitFor({ state: 'attached' });
    await record.selectOption((await record.locator('option').first().getAttribute('value'))!);
    const hubspotId = await record.inputValue();
    const title = `Chief Playground Officer ${hubspotId}`;
    await page.getByLabel('Job title').fill(title);
    await page.getByRole('button', { name: 'Save as a user' }).click();

    // "Synced" is judged by the values on the other side, whichever batch carried the write (a
    // concurrent notice about the same pair may have, leaving the edit's own notice a no-op).
    await waitForText(
      '#play-msg',
      /^Synced to Salesforce in [\d.]+ (ms|s): Title now holds the saved value\./,
      SYNC_TIMEOUT,
      () => traceSummary('hubspot', hubspotId),
    );
    await waitForText('#play-sf', title);
    const pair = (await stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
    expect(pair).toBeDefined();
    expect(stack.salesforceSandbox!.getRecord(pair!.salesforceId)?.Title).toBe(title);
    await page.locator('#trace-list li.synced').first().waitFor();
    expect(await page.locator('#trace-h').textContent()).toContain(hubspotId);

    // The same trace, found through the record search by id.
    await page.getByLabel('Email or record id').fill(hubspotId);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('#trace-h', { hasText: `hubspot ${hubspotId}` }).waitFor();
    await waitForText('#trace-sf', title);
  });

  it('C7: shows company sync and its links, edits a Salesforce account in the playground and sees the HubSpot company follow', async () => {
    await waitForText('#seg-companies', /^On: 5 company ⇄ account links$/);
    await page.getByLabel('Salesforce account').check();
    const record = page.getByLabel('Record', { exact: true });
    await record.locator('option', { hasText: 'Globex Corporation' }).waitFor({ state: 'attached' });
    const accountId = stack.demo!.companies!.accounts['Globex Corporation']!;
    await record.selectOption(accountId);
    await page.getByLabel('Billing city').fill('Springfield');
    await page.getByRole('button', { name: 'Save as a user' }).click();
    await waitForText('#play-msg', /^Synced to HubSpot in [\d.]+ (ms|s): City now holds the saved value\./);
    await waitForText('#play-hs', 'Springfield');
    const [company] = await stack.hubspot.readCompanies(
      [stack.demo!.companies!.companies['Globex Corporation']!],
      ['city'],
    );
    expect(company?.properties['city']).toBe('Springfield');
    // Its trace: the company ⇄ account link and the decisions with their rule ids.
    await page.locator('#trace-h', { hasText: `account ${accountId}` }).waitFor();
    await waitForText('#trace-link', /^Linked: HubSpot company \d+ ⇄ Salesforce Account /);
    await waitForText('#trace-list', /C7: account/);
  });

  it('edits a HubSpot company in the playground and sees the Salesforce account follow (C7)', async () => {
    await page.getByLabel('HubSpot company').check();
    const record = page.getByLabel('Record', { exact: true });
    const companyId = stack.demo!.companies!.companies['Northwind Traders']!;
    await record.locator(`option[value="${companyId}"]`).waitFor({ state: 'attached' });
    await record.selectOption(companyId);
    await page.getByLabel('Phone').fill('+1 555 0199');
    await page.getByRole('button', { name: 'Save as a user' }).click();
    await waitForText(
      '#play-msg',
      /^Synced to Salesforce in [\d.]+ (ms|s): Phone now holds the saved value\./,
    );
    const accountId = stack.demo!.companies!.accounts['Northwind Traders']!;
    expect(stack.salesforceSandbox!.getRecord(accountId)?.Phone).toBe('+1 555 0199');
  });

  it('creates an active segment from the dashboard and limits syncs to it (R1, R4), then back to the demo segment', async () => {
    await page.getByText('Create a new segment').click();
    await page.getByLabel('Name', { exact: true }).fill('Customers only');
    await page.getByLabel('MQL').uncheck();
    await page.getByLabel('SQL').uncheck();
    await page.getByLabel('Customer').check();
    await page.getByRole('button', { name: 'Create active segment' }).click();
    await waitForText('#seg-msg', 'Created active segment "Customers only"');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitForText('#seg-msg', 'Segment applied');
    await waitForText('#seg-name', 'Customers only');
    const settings = await stack.status();
    expect(settings.segment?.name).toBe('Customers only');
    expect(settings.segment?.processingType).toBe('DYNAMIC');

    await page.getByLabel('Limit syncs to').selectOption(stack.demo!.segment.listId);
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitForText('#seg-name', stack.demo!.segment.name);
  });

  it('runs a resync from the button and shows its progress to the end', async () => {
    await page.getByRole('button', { name: 'Resync segment' }).click();
    await waitForText('#resync-msg', /Resync (running|done)/);
    await waitForText('#resync-msg', 'Resync done');
    const max = Number(await page.locator('#resync-progress').getAttribute('max'));
    expect(max).toBeGreaterThan(1);
    // Progress reaches the end once the processor has finished every resync notice.
    await page.waitForFunction(
      () => {
        const el = (
          globalThis as unknown as {
            document: { getElementById(id: string): { value: number; max: number } | null };
          }
        ).document.getElementById('resync-progress');
        return el !== null && el.value >= el.max;
      },
      undefined,
      { timeout: SYNC_TIMEOUT },
    );
  });

  it('is keyboard-reachable and labelled, made no external request and threw no script error; saves the screenshot', async () => {
    // Every form control has an accessible name.
    const unnamed = await page
      .locator('input:not([type=hidden]), select, button')
      .evaluateAll(
        (els) =>
          els.filter(
            (el) =>
              !(el as unknown as { labels?: unknown[] }).labels?.length &&
              !(el as unknown as { textContent: string }).textContent.trim() &&
              !(el as unknown as { getAttribute(n: string): string | null }).getAttribute('aria-label'),
          ).length,
      );
    expect(unnamed).toBe(0);
    // From a fresh load, the first Tab reaches the skip link, and the keyboard reaches the segment chooser.
    const fresh = await browser.newPage();
    await fresh.goto(`${stack.url}/`);
    await fresh.keyboard.press('Tab');
    expect(
      await fresh.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { className: string } | null } }).document
            .activeElement?.className,
      ),
    ).toBe('skip');
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await fresh.keyboard.press('Tab');
      reached = await fresh
        .getByLabel('Limit syncs to')
        .evaluate(
          (el) =>
            el ===
            (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
        );
    }
    expect(reached).toBe(true);
    await fresh.close();
    expect(externalRequests).toEqual([]);
    expect(pageErrors).toEqual([]);

    await page.locator('#c-synced').scrollIntoViewIfNeeded();
    await page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});

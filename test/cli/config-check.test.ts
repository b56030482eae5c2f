import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../lib/cli/commands/config.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import { demoSegmentRequest, type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';

const example = JSON.parse(
  readFileSync(new URL('../../crmsync.config.example.json', import.meta.url), 'utf8'),
);

/** Runs `crmsync config check <file>` and captures what it prints. */
async function check(config: unknown, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'crmsync-config-'));
  const file = join(dir, 'crmsync.config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation((...a) => void out.push(a.join(' ')));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await run(['check', file]);
    return { code, text: out.join('\n') };
  } finally {
    process.env = saved;
    log.mockRestore();
    err.mockRestore();
  }
}

async function createList(
  sandbox: HubSpotSandbox,
  name: string,
  processingType: 'MANUAL' | 'SNAPSHOT' | 'DYNAMIC',
) {
  // The demo segment's lifecycle-stage filter; a MANUAL list has none.
  const { filterBranch, ...rest } = demoSegmentRequest(name);
  const body =
    processingType === 'MANUAL' ? { ...rest, processingType } : { ...rest, filterBranch, processingType };
  const res = await fetch(`${sandbox.url}/crm/v3/lists`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SANDBOX_APP_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { list: { listId: string } }).list.listId;
}

describe('crmsync config check', () => {
  let sandbox: HubSpotSandbox;
  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ port: 0, appTokens: [SANDBOX_APP_TOKEN] });
  });
  afterAll(() => sandbox?.close());

  const withSegment = (listId: string) => ({
    ...example,
    hubspot: { ...example.hubspot, inclusionSegmentId: listId, baseUrl: sandbox.url },
  });

  it('says the example is valid, and that the segment was not checked without a HubSpot token', async () => {
    const { code, text } = await check(example, { HUBSPOT_ACCESS_TOKEN: '' });
    expect(code).toBe(0);
    expect(text).toMatch(/is valid: 12 field mappings/);
    expect(text).toContain(
      'Company sync is off by default (C1); 5 Account field mappings apply once it is turned on; owners sync by email (O1).',
    );
    expect(text).toMatch(/not checked against HubSpot: set HUBSPOT_ACCESS_TOKEN/);
  });

  it('C6: with salesforceObject "ContactIfAccount" it says what a new contact becomes', async () => {
    const { code, text } = await check(
      { ...example, creation: { ...example.creation, salesforceObject: 'ContactIfAccount' } },
      { HUBSPOT_ACCESS_TOKEN: '' },
    );
    expect(code).toBe(0);
    expect(text).toContain(
      'new contacts become Salesforce Contacts under the account of their primary company when it is linked, else Leads.',
    );
  });

  it('R1: refuses a MANUAL list as the segment, naming the list, its type and what to do', async () => {
    const listId = await createList(sandbox, 'Trade show badge scans', 'MANUAL');
    const { code, text } = await check(withSegment(listId), { HUBSPOT_ACCESS_TOKEN: SANDBOX_APP_TOKEN });
    expect(code).toBe(1);
    expect(text).toContain(`list ${listId} ("Trade show badge scans") is a MANUAL list`);
    expect(text).toMatch(/active \(DYNAMIC\) list/);
    expect(text).toMatch(/crmsync segment list/);
  });

  it('R1: refuses a SNAPSHOT list and a list that does not exist', async () => {
    const listId = await createList(sandbox, 'Q3 snapshot', 'SNAPSHOT');
    expect((await check(withSegment(listId), { HUBSPOT_ACCESS_TOKEN: SANDBOX_APP_TOKEN })).text).toMatch(
      /is a SNAPSHOT list/,
    );
    const missing = await check(withSegment('987654'), { HUBSPOT_ACCESS_TOKEN: SANDBOX_APP_TOKEN });
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(/list 987654 does not exist/);
  });

  it('R1: accepts an active (DYNAMIC) list and names it', async () => {
    const listId = await createList(sandbox, 'SQL contacts', 'DYNAMIC');
    const { code, text } = await check(withSegment(listId), { HUBSPOT_ACCESS_TOKEN: SANDBOX_APP_TOKEN });
    expect(code).toBe(0);
    expect(text).toMatch(/The segment is "SQL contacts", an active list in HubSpot \(R1\)/);
  });

  it('R1: checks the segment with a HubSpot OAuth app (refresh token, client id and secret) instead of a token', async () => {
    const listId = await createList(sandbox, 'OAuth-checked segment', 'DYNAMIC');
    const app = sandbox.oauthInstall();
    const { code, text } = await check(withSegment(listId), {
      HUBSPOT_ACCESS_TOKEN: '',
      HUBSPOT_REFRESH_TOKEN: app.refreshToken,
      HUBSPOT_CLIENT_ID: app.clientId,
      HUBSPOT_CLIENT_SECRET: app.clientSecret,
    });
    expect(text).toContain('OAuth-checked segment');
    expect(code).toBe(0);
    expect(sandbox.counters()['POST /oauth/v1/token']).toBe(1);
  });

  it('C1: with company sync on and no Account mapping, says which mapping to add', async () => {
    const { Account: _, ...mappings } = example.mappings;
    const config = { ...example, mappings, companies: { enabled: true } };
    const { code, text } = await check(config, { HUBSPOT_ACCESS_TOKEN: '' });
    expect(code).toBe(1);
    expect(text).toMatch(/mappings\.Account.*companies\.enabled.*Fix: add "Account"/s);
  });

  it('explains a file that is not JSON', async () => {
    const { code, text } = await check('{ "hubspot": ', { HUBSPOT_ACCESS_TOKEN: '' });
    expect(code).toBe(1);
    expect(text).toMatch(/not valid JSON.*Fix: fix the JSON syntax/s);
  });
});

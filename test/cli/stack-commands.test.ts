import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lib/observability/observability.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import { runCli } from './run-cli.ts';

/**
 * The commands that talk to a running stack, run as a user runs them (a separate process, output
 * piped), against a local stack on ephemeral ports: what they print when the server refuses a request,
 * how a resync and an import report their progress, and the status right after start.
 */

const DEMO = { hubspotContacts: 60, leads: 30, contacts: 10, salesforceOnlyLeads: 5, seed: 42 };

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: null,
    demo: DEMO,
    schedules: false,
    // The processor runs in the background, as under `npm start`: `crmsync resync` must wait for it.
    queue: { batchingWindowMs: 200 },
    log: silentLog,
  });
  // The first start resyncs the demo segment; let it finish, as a user who runs status a moment later.
  await stack.flush();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const url = () => ['--url', stack.url];

describe('CLI errors say what is wrong and how to fix it, without plumbing', () => {
  it('R1: `segment set` of a MANUAL list prints the server’s reason and fix alone (no method, path or status)', async () => {
    const res = await fetch(`${stack.urls.hubspot}/crm/v3/lists`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_APP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Trade show scans', objectTypeId: '0-1', processingType: 'MANUAL' }),
    });
    expect(res.status).toBe(200);
    const { list } = (await res.json()) as { list: { listId: string } };

    const run = await runCli(['segment', 'set', list.listId, ...url()]);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(
      new RegExp(`^crmsync segment: list ${list.listId} \\("Trade show scans"\\) is a MANUAL list;`),
    );
    expect(run.stderr).toMatch(/Choose an active list \(crmsync segment list\)/);
    expect(run.stderr).not.toMatch(/POST|\/api\/|\(422\)|failed/);
  });

  it('`segment set abc` says a list id is digits and where to find one, not "invalid request"', async () => {
    const run = await runCli(['segment', 'set', 'abc', ...url()]);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'crmsync segment: listId: "abc" is not a HubSpot list id: list ids are digits, e.g. 42. `crmsync segment list` shows the active lists and their ids; null (`crmsync segment clear`) clears the segment.',
    );
    // The segment did not change.
    expect((await stack.status()).settings?.inclusionSegmentId).toBe(stack.demo!.segment.listId);
  });
});

describe('crmsync status right after start', () => {
  it('counts only live changes in the latency, never over 0 changes; shows the company links (C1)', async () => {
    const run = await runCli(['status', ...url()]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/already in sync [1-9]/);
    // The first-run resync creates one Account (the demo's Hooli, C4) and sets its Contact's AccountId
    // (C6) in the same batch. Their CDC echoes are dropped at intake (change origin), but outbound
    // messages carry no origin: they arrive as two changes, which the three-way merge finds in sync.
    // The resync's own notices are not changes.
    expect(run.stdout).toMatch(/^latency {5}p50 \d+ ms, p95 \d+ ms over 2 changes$/m);
    expect(run.stdout).not.toMatch(/over 0 changes|p50 —/);
    expect(run.stdout).toMatch(/^companies {3}on: 5 company\/account links \(C1\)$/m);
  });
});

describe('crmsync resync follows the resync until the processor is done (R5)', () => {
  it('prints progress line by line when stdout is not a terminal, and ends once every member is processed', async () => {
    const members = (await stack.status()).segment!.members;

    const run = await runCli(['resync', ...url()]);

    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\r');
    const lines = run.stdout.trim().split('\n');
    // The demo has company sync on (C1): its 5 accounts are queued after the members, all linked (C8).
    const all = members + 5;
    expect(lines.at(-1)).toBe(
      `resync: ${all} of ${all} queued (${members} members, 5 accounts, 0 unlinked companies), ${all} processed, done`,
    );
    expect(lines.every((l) => l.startsWith('resync: '))).toBe(true);
    expect((await stack.status()).resync.processed).toBeGreaterThanOrEqual(members);
  });

  it('with --no-wait, says the members are queued and how to follow them', async () => {
    const run = await runCli(['resync', '--no-wait', ...url()]);

    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(
      new RegExp(
        `^resync: \\d+ of \\d+ members queued; follow with \`crmsync status --url ${stack.url}\`\\.$`,
      ),
    );
    await stack.flush();
  });
});

describe('crmsync import salesforce reports each object with its own counts (R7)', () => {
  it('labels every count with the object it belongs to', async () => {
    const contacts = stack.demo!.contactIds.length;
    const leads = stack.demo!.leadIds.length + stack.demo!.salesforceOnlyLeadIds.length;

    const run = await runCli(['import', 'salesforce', ...url()]);

    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\r');
    const lines = run.stdout.trim().split('\n');
    const last = (object: string) => lines.filter((l) => l.startsWith(`import ${object}: `)).at(-1);
    // Contacts go first; the Lead line counts leads only, not the contacts read before them.
    expect(last('Contact')).toMatch(new RegExp(`^import Contact: ${contacts} read, `));
    expect(last('Lead')).toMatch(new RegExp(`^import Lead: ${leads} read, `));
    expect(lines.indexOf(last('Contact')!)).toBeLessThan(lines.indexOf(last('Lead')!));
    expect(lines.at(-1)).toMatch(new RegExp(`^import, all objects: ${contacts + leads} read, `));
    expect(run.stdout).not.toMatch(/import \w+: 0 read/);
  });
});

describe('crmsync companies on|off switches company sync at run time (C1)', () => {
  it('C1: off stops company ⇄ account writes and status says so; on resumes them; a wrong word prints the usage', async () => {
    const accountId = stack.demo!.companies!.accounts['Globex Corporation']!;
    const companyId = stack.demo!.companies!.companies['Globex Corporation']!;

    const off = await runCli(['companies', 'off', ...url()]);
    expect(off.code).toBe(0);
    expect(off.stdout.trim()).toBe(
      'Company sync is off (C1): no company or account is created, linked or written.',
    );
    expect((await runCli(['status', ...url()])).stdout).toMatch(/^companies {3}off: /m);
    // A user renames the account: with C1 off, the HubSpot company keeps its name.
    await stack.salesforceSandbox!.userUpdate('Account', accountId, { Name: 'Globex (while off)' });
    await stack.flush();
    const [unchanged] = await stack.hubspot.readCompanies([companyId], ['name']);
    expect(unchanged?.properties['name']).not.toBe('Globex (while off)');

    const on = await runCli(['companies', 'on', ...url()]);
    expect(on.code).toBe(0);
    expect(on.stdout).toContain('Company sync is on (C1).');
    expect((await runCli(['status', ...url()])).stdout).toMatch(
      /^companies {3}on: \d+ company\/account links \(C1\)$/m,
    );
    await stack.salesforceSandbox!.userUpdate('Account', accountId, { Name: 'Globex (back on)' });
    await stack.flush();
    const [renamed] = await stack.hubspot.readCompanies([companyId], ['name']);
    expect(renamed?.properties['name']).toBe('Globex (back on)');

    const wrong = await runCli(['companies', 'maybe', ...url()]);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('usage: crmsync companies on | off');
  });
});

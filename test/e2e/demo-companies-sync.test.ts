import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyTrace } from '../../lib/admin/company-records.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import type { FieldCatalog } from '../../lib/admin/fields.ts';
import type { PlaygroundRecord, RecordHit, StatusReport } from '../../lib/local/services.ts';
import { runCli } from '../cli/run-cli.ts';

/**
 * Issue 18's "done when", on the local stack as `npm start` runs it: the demo turns company sync on
 * (C1), its first-run resync covers the demo accounts and companies (C8), and editing an account's
 * name in the Salesforce sandbox updates the HubSpot company through the real deliveries.
 */
const DEMO = { hubspotContacts: 60, leads: 30, contacts: 10, salesforceOnlyLeads: 5, seed: 42 };

let stack: LocalStack;
const get = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${stack.url}${path}`);
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
};
const accountTrace = (name: string) =>
  get<CompanyTrace>(`/api/records/account/${stack.demo!.companies!.accounts[name]}`);

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: null,
    demo: DEMO,
    // Only the owner refresh is armed (its timer is hours away): the test runs it by hand.
    schedules: { segmentRefresh: 'off', resync: 'off', poll: 'off' },
    backgroundPolling: false,
    log: silentLog,
  });
  await stack.flush(); // the first-run resync, as `npm start` does it
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('the demo with company sync on (npm start)', () => {
  it('C1/C8: company sync is on in the demo, and the first-run resync links every demo account (status counts the links)', async () => {
    const status = await get<StatusReport>('/api/status');
    expect(status.settings?.companiesEnabled).toBe(true);
    // Three accounts match their company through contacts (C3 b), Umbrella Health gets one (C2), and
    // Hooli's contact syncs to a Contact with no account, so Hooli gets an Account (C4).
    expect(status.companies).toEqual({ enabled: true, links: 5 });
    const demo = stack.demo!.companies!;
    const northwind = await accountTrace('Northwind Traders');
    expect(northwind.pair?.companyId).toBe(demo.companies['Northwind Traders']);
    expect(northwind.decisions.find((d) => d.outcome === 'linked')?.reason).toMatch(/^C3\(b\): /);
    const umbrella = await accountTrace('Umbrella Health');
    expect(umbrella.decisions.find((d) => d.outcome === 'synced')?.reason).toMatch(
      /^C2: company \d+ created/,
    );
    // O3: its owner (Sam) has no HubSpot owner with his email, so the company gets none.
    expect(umbrella.hubspot?.properties['hubspot_owner_id'] ?? null).toBeNull();
    expect(umbrella.salesforce?.fields['OwnerId']).toBe(demo.users['sam.okafor@demo.crmsync.dev']);
    const hooli = await get<CompanyTrace>(`/api/records/company/${demo.companies['Hooli']}`);
    expect(hooli.pair?.origin).toBe('created-in-hubspot');
    expect(hooli.decisions.find((d) => d.reason?.startsWith('C4: '))?.outcome).toBe('synced');
  });

  it('done when: editing an account’s name in the Salesforce sandbox updates the HubSpot company', async () => {
    const demo = stack.demo!.companies!;
    const account = demo.accounts['Globex Corporation']!;
    await stack.salesforceSandbox!.userUpdate('Account', account, { Name: 'Globex International' });
    await stack.flush();
    const [company] = await stack.hubspot.readCompanies([demo.companies['Globex Corporation']!], ['name']);
    expect(company?.properties['name']).toBe('Globex International');
    const trace = await accountTrace('Globex Corporation');
    expect(trace.decisions.find((d) => d.outcome === 'synced')?.reason).toMatch(/^C7: account \w+ is linked/);
    expect(trace.fields.find((f) => f.salesforce === 'Name')).toMatchObject({ inSync: true });
  });

  it('operators: `crmsync record <domain>` traces the company and its account with the rule ids; search finds it', async () => {
    const { hits } = await get<{ hits: RecordHit[] }>('/api/records/search?q=northwind.example.com');
    expect(hits).toEqual([expect.objectContaining({ objectType: 'company', label: 'Northwind Traders' })]);
    const run = await runCli(['record', 'northwind.example.com', '--url', stack.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^company \d+ {2}company \d+ ⇄ account 001\w+ \(matched-by-contacts\) {2}company sync: on$/m,
    );
    expect(run.stdout).toMatch(/linked \(C3\(b\): /);
    // A company id is digits like a contact id: --company says which one is meant.
    const hooli = stack.demo!.companies!.companies['Hooli']!;
    const byId = await runCli(['record', hooli, '--company', '--url', stack.url]);
    expect(byId.stdout).toMatch(
      new RegExp(`^company ${hooli} {2}company ${hooli} ⇄ account 001\\w+ \\(created-in-hubspot\\)`, 'm'),
    );
    expect(byId.stdout).toMatch(/synced \(C4: account 001\w+ created for company \d+\)/);
    const status = await runCli(['status', '--url', stack.url]);
    expect(status.stdout).toMatch(/^companies {3}on: 5 company\/account links \(C1\)$/m);
  });

  it('dashboard: the playground edits an account (Salesforce) and a company (HubSpot) as a user, and each edit syncs (C7)', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { record: PlaygroundRecord };
    };
    const fields = await get<FieldCatalog>('/api/fields');
    expect(fields.editable.Account).toEqual(['Name', 'Phone', 'BillingCity', 'NumberOfEmployees']);
    expect(fields.editable.company).toEqual(['name', 'phone', 'city', 'numberofemployees']);

    const { records: accounts } = await get<{ records: PlaygroundRecord[] }>(
      '/api/playground/account?limit=3',
    );
    expect(accounts.map((a) => a.objectType)).toEqual(['Account', 'Account', 'Account']);
    const account = accounts[0]!;
    const saved = await post(`/api/playground/account/${account.id}`, {
      fields: { BillingCity: 'Reykjavik' },
    });
    expect(saved.record.fields['BillingCity']).toBe('Reykjavik');
    await stack.flush();
    const accountSide = await get<CompanyTrace>(`/api/records/account/${account.id}`);
    expect(accountSide.hubspot?.properties['city']).toBe('Reykjavik');

    const { records: companies } = await get<{ records: PlaygroundRecord[] }>(
      '/api/playground/company?limit=3',
    );
    const company = companies.find((c) => c.id === accountSide.pair?.companyId) ?? companies[0]!;
    expect(company.objectType).toBe('company');
    await post(`/api/playground/company/${company.id}`, { fields: { phone: '+354 555 0100' } });
    await stack.flush();
    const companySide = await get<CompanyTrace>(`/api/records/company/${company.id}`);
    expect(companySide.salesforce?.fields['Phone']).toBe('+354 555 0100');
    expect(companySide.fields.every((f) => f.inSync)).toBe(true);
  });

  it('O2/O3: the owner-refresh schedule (rate(1 hour) from the config) lists both CRMs’ owners into the store', async () => {
    const before = (await stack.status()).schedules.find((j) => j.name === 'owner-refresh');
    expect(before).toMatchObject({ expression: 'rate(1 hour)' });
    expect(before?.nextRunAt).not.toBeNull();
    stack.hubspotSandbox!.addOwner({ email: 'new.owner@demo.crmsync.dev' });
    await stack.refreshOwners();
    const directory = await stack.store.getOwnerDirectory();
    expect(directory?.hubspotOwners.map((o) => o.email)).toContain('new.owner@demo.crmsync.dev');
    expect(directory?.salesforceUsers.map((u) => u.email)).toContain('sam.okafor@demo.crmsync.dev');
    const after = (await stack.status()).schedules.find((j) => j.name === 'owner-refresh');
    expect(after).toMatchObject({ runs: (before?.runs ?? 0) + 1, lastError: null });
  });
});

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runResync } from '../../lib/sync/resync.ts';
import { run as importCommand } from '../../lib/cli/commands/import.ts';
import { run as statusCommand } from '../../lib/cli/commands/status.ts';
import type { LocalStack } from '../../lib/local/runtime.ts';
import { type FieldCatalog, fieldCatalog } from '../../lib/admin/fields.ts';
import type { RecordTrace, StatusReport } from '../../lib/local/services.ts';
import { startQuietStack } from '../support/quiet-stack.ts';

/** Small demo: enough overlap and segment members to be realistic, quick to seed and resync. */
const DEMO = { hubspotContacts: 60, leads: 30, contacts: 10, salesforceOnlyLeads: 5, seed: 42 };

function start(dataDir: string | null): Promise<LocalStack> {
  return startQuietStack({ dataDir, demo: DEMO });
}

/** A HubSpot contact of the demo segment that has a Salesforce lead twin (same email). */
async function memberWithTwin(stack: LocalStack): Promise<{ hubspotId: string; leadId: string }> {
  const demo = stack.demo!;
  const members = new Set(await stack.store.listMembers(demo.segment.listId));
  const i = demo.leadIds.findIndex((_, n) => members.has(demo.hubspotIds[n] ?? ''));
  if (i < 0) throw new Error('the demo has no segment member with a Salesforce twin');
  return { hubspotId: demo.hubspotIds[i]!, leadId: demo.leadIds[i]! };
}

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
}

describe('local stack (crmsync dev) end to end', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await start(null);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('starts on an ephemeral port with the demo data and the DYNAMIC demo segment loaded (R4: nothing synced)', async () => {
    const { status, body } = await getJson<StatusReport>(`${stack.url}/api/status`);
    expect(status).toBe(200);
    expect(body.mode).toBe('sandbox');
    expect(body.segment?.processingType).toBe('DYNAMIC');
    expect(body.segment?.members).toBeGreaterThan(0);
    expect(body.settings?.inclusionSegmentId).toBe(stack.demo!.segment.listId);
    expect(body.stats.decisions.synced).toBe(0);
    expect(stack.firstRun).toBe(true);
  });

  it('serves the dashboard with a CSP that forbids external requests', async () => {
    const res = await fetch(`${stack.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('Limit syncs to');
  });

  it('refuses cross-site and DNS-rebinding calls to the dashboard API', async () => {
    const crossSite = await fetch(`${stack.url}/api/resync`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    // fetch() may not set Host: a raw request plays the DNS-rebinding page.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.url}/api/status`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    expect((await fetch(`${stack.url}/api/status`, { headers: { origin: stack.url } })).status).toBe(200);
  });

  it('rejects an unsigned HubSpot webhook (the same intake handler as in AWS)', async () => {
    const res = await fetch(`${stack.url}/webhooks/hubspot`, {
      method: 'POST',
      body: '[]',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
  });

  it('refuses a Salesforce outbound message without the local token (404) or with a wrong one (401), queuing nothing', async () => {
    const url = new URL(stack.salesforceOutboundUrl);
    const token = url.pathname.split('/').at(-1)!;
    expect(token.length).toBeGreaterThanOrEqual(32);
    const orgId = stack.config.salesforce.orgId;
    const body = `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${orgId}</OrganizationId></notifications></soapenv:Body></soapenv:Envelope>`;
    const post = (path: string) =>
      fetch(`${stack.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    expect((await post('/webhooks/salesforce')).status).toBe(404);
    expect((await post(`/webhooks/salesforce/${token.slice(1)}`)).status).toBe(401);
    expect((await stack.status()).queue.visible).toBe(0);
    expect((await post(`/webhooks/salesforce/${token}`)).status).toBe(200);
  });

  it('a HubSpot edit by a user reaches the Salesforce lead, with a decision trace', async () => {
    const { hubspotId, leadId } = await memberWithTwin(stack);
    await stack.hubspotSandbox!.userUpdateContact(hubspotId, { jobtitle: 'Head of E2E' });
    await stack.flush();
    expect(stack.salesforceSandbox!.getRecord(leadId)?.Title).toBe('Head of E2E');

    const { status, body } = await getJson<RecordTrace>(`${stack.url}/api/records/hubspot/${hubspotId}`);
    expect(status).toBe(200);
    expect(body.pair?.salesforceId).toBe(leadId);
    expect(body.salesforce?.fields.Title).toBe('Head of E2E');
    expect(body.decisions.some((d) => d.outcome === 'synced')).toBe(true);
  });

  it('a Salesforce edit by a user reaches HubSpot through outbound messages / CDC', async () => {
    const { hubspotId, leadId } = await memberWithTwin(stack);
    await stack.salesforceSandbox!.userUpdate('Lead', leadId, { Phone: '+1 555 010 9999' });
    await stack.flush();
    const trace = (await getJson<RecordTrace>(`${stack.url}/api/records/salesforce/${leadId}`)).body;
    expect(trace.hubspot?.id).toBe(hubspotId);
    expect(trace.hubspot?.properties.phone).toBe('+1 555 010 9999');
  });

  it('crmsync status reads the running stack (human and --json)', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      out.push(String(line));
    });
    try {
      expect(await statusCommand(['--url', stack.url, '--json'])).toBe(0);
      expect(await statusCommand(['--url', stack.url])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(out[0] ?? '{}') as StatusReport;
    expect(report.segment?.id).toBe(stack.demo!.segment.listId);
    expect(out[1]).toContain(`segment     ${stack.demo!.segment.name}`);
  });

  it('crmsync status says clearly when no stack is running', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await statusCommand(['--url', 'http://127.0.0.1:9'])).toBe(1);
      expect(String(spy.mock.calls[0]?.[0])).toContain('no crmsync answers');
    } finally {
      spy.mockRestore();
    }
  });

  it('crmsync import salesforce runs in the stack (R7): Salesforce-only leads get an email-only HubSpot contact', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      out.push(String(line));
    });
    try {
      expect(await importCommand(['salesforce', '--objects', 'Lead', '--url', stack.url, '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const last = JSON.parse(out.at(-1) ?? '{}') as { running: boolean; created: number; read: number };
    expect(last.running).toBe(false);
    expect(last.created).toBe(DEMO.salesforceOnlyLeads);
    const leadId = stack.demo!.salesforceOnlyLeadIds[0]!;
    const pair = (await stack.store.getPairsBySalesforceIds([leadId])).get(leadId);
    expect(pair?.origin).toBe('import');
  });

  it('status reads the stored member count, never the membership (it is polled every few hundred ms)', async () => {
    const listMembers = vi.spyOn(stack.store, 'listMembers');
    const memberPage = vi.spyOn(stack.store, 'memberPage');
    try {
      const status = await stack.status();
      expect(listMembers).not.toHaveBeenCalled();
      expect(memberPage).not.toHaveBeenCalled();
      const members = await stack.store.listMembers(stack.demo!.segment.listId);
      expect(status.segment?.members).toBe(members.length);
    } finally {
      listMembers.mockRestore();
      memberPage.mockRestore();
    }
  });

  it('R5: an unfinished (crashed) resync shows its checkpoint in status; the next run resumes and clears it', async () => {
    const deps = {
      store: stack.store,
      hubspot: stack.hubspot,
      salesforce: stack.salesforce,
      queue: stack.queue,
      config: stack.config,
      now: () => Date.now(),
    };
    const crashing = {
      send: async () => {
        throw new Error('crash while queueing (test)');
      },
    };
    await expect(runResync({ ...deps, queue: crashing })).rejects.toThrow('crash while queueing');
    const status = await stack.status();
    expect(status.resync.checkpoint).toMatchObject({ queued: 0, run: expect.stringMatching(/^resync:/) });
    expect((await runResync(deps)).done).toBe(true);
    expect((await stack.status()).resync.checkpoint).toBeUndefined();
    await stack.flush();
  });

  it('lists the DLQ and redrives it to the queue, where the processor takes the notice again', async () => {
    const { hubspotId } = await memberWithTwin(stack);
    const notice = {
      source: 'hubspot',
      objectType: 'contact',
      recordId: hubspotId,
      kind: 'updated',
      eventId: `dlq-test-${hubspotId}`,
      occurredAt: Date.now(),
    };
    await stack.sqs.client.send(
      new SendMessageCommand({ QueueUrl: stack.sqs.dlqUrl, MessageBody: JSON.stringify(notice) }),
    );
    const listed = await getJson<{ messages: { body: string }[] }>(`${stack.url}/api/dlq`);
    expect(listed.body.messages.map((m) => JSON.parse(m.body).eventId)).toContain(notice.eventId);
    expect((await stack.status()).queue.dlq).toBe(1);

    const moved = await getJson<{ moved: number }>(`${stack.url}/api/dlq/redrive`, { method: 'POST' });
    expect(moved.body.moved).toBe(1);
    expect((await stack.flush()).processed).toBeGreaterThanOrEqual(1);
    const status = await stack.status();
    expect(status.queue).toEqual({ visible: 0, inFlight: 0, dlq: 0 });
    const trace = (await getJson<RecordTrace>(`${stack.url}/api/records/hubspot/${hubspotId}`)).body;
    expect(trace.decisions.some((d) => d.eventId === notice.eventId)).toBe(true);
  });

  it('the playground API edits a sandbox contact as a user', async () => {
    const { hubspotId } = await memberWithTwin(stack);
    const { status, body } = await getJson<{
      record: { fields: Record<string, string | null> };
      editedAt: number;
    }>(`${stack.url}/api/playground/hubspot/${hubspotId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fields: { firstname: 'Playground' } }),
    });
    expect(status).toBe(200);
    expect(body.record.fields.firstname).toBe('Playground');
    expect(body.editedAt).toBeGreaterThan(0);
  });

  it('serves the mapped fields with labels (GET /api/fields), and a trace says where each field flows (sync rules on the server)', async () => {
    const { status, body } = await getJson<FieldCatalog>(`${stack.url}/api/fields`);
    expect(status).toBe(200);
    expect(body).toEqual(fieldCatalog(stack.config));
    expect(body.editable.Lead).toContain('Company');
    expect(body.labels.jobtitle).toBe('Job title');

    const { hubspotId, leadId } = await memberWithTwin(stack);
    await stack.salesforceSandbox!.userUpdate('Lead', leadId, { Company: 'Kept In Salesforce' });
    await stack.flush();
    // Before the sync runs: HubSpot now differs from a non-blank Salesforce company.
    await stack.hubspotSandbox!.userUpdateContact(hubspotId, { company: 'Edited In HubSpot' });
    const trace = (await getJson<RecordTrace>(`${stack.url}/api/records/hubspot/${hubspotId}`)).body;
    await stack.flush();
    const company = trace.fields?.find((f) => f.salesforce === 'Company');
    expect(company?.rule).toBe('prefer-salesforce-unless-blank');
    expect(company?.flowsFrom).toEqual({ hubspot: false, salesforce: true });
    expect(trace.fields?.find((f) => f.salesforce === 'Title')?.flowsFrom).toEqual({
      hubspot: true,
      salesforce: true,
    });
  });
});

describe('local stack restart', () => {
  let dataDir: string;
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'crmsync-restart-'));
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes on the same store: the segment is kept and a resync of what is in sync writes nothing', async () => {
    stack = await start(dataDir);
    expect(stack.firstRun).toBe(true);
    await stack.resync();
    await stack.flush();
    const linked = (
      await stack.store.getPairsByHubSpotIds(await stack.store.listMembers(stack.demo!.segment.listId))
    ).size;
    expect(linked).toBeGreaterThan(0);
    await stack.close();

    const outboundUrl = stack.salesforceOutboundUrl;
    stack = await start(dataDir);
    expect(stack.firstRun).toBe(false);
    // The outbound-message token lives in the data dir: the URL configured in Salesforce stays valid.
    expect(new URL(stack.salesforceOutboundUrl).pathname).toBe(new URL(outboundUrl).pathname);
    const status = await stack.status();
    expect(status.settings?.inclusionSegmentId).toBe(stack.demo!.segment.listId);
    const before = crmWrites(stack);
    const progress = await stack.resync();
    // The demo has company sync on (C1): its 5 accounts follow the members, and every company is linked.
    expect(progress.companies).toEqual({ accounts: 5, companies: 0 });
    // Hooli's Account (C4) and its Contact's AccountId (C6) were written in the first run's batch:
    // everything is in sync, so the resync writes nothing.
    expect(progress.enqueued).toBe(linked + 5);
    await stack.flush();
    expect(crmWrites(stack)).toEqual(before);
  });
});

/** Create/update calls each sandbox has answered (HubSpot batch create/update; Salesforce collections and sObjects). */
function crmWrites(stack: LocalStack): { hubspot: number; salesforce: number } {
  const sum = (counters: Record<string, number>, pattern: RegExp) =>
    Object.entries(counters)
      .filter(([key]) => pattern.test(key))
      .reduce((n, [, v]) => n + v, 0);
  return {
    hubspot: sum(
      stack.hubspotSandbox!.counters(),
      /^(POST|PATCH) .*contacts(\/batch\/(create|update|upsert))?(\/\{[^}]+\})?$/,
    ),
    salesforce: sum(
      stack.salesforceSandbox!.counters(),
      /^(POST|PATCH) .*(composite\/sobjects|sobjects\/(Lead|Contact))/,
    ),
  };
}

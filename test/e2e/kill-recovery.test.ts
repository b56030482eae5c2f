import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_CLIENT_SECRET, signV3 } from '../../sandbox/hubspot/index.ts';
import { type DevProcess, startDevProcess, waitUntilQueueEmpty } from '../support/dev-process.ts';

/**
 * docs/design.md#local-stack: "a notice acknowledged to a CRM is never lost". `crmsync dev` runs as a child
 * process on a temp data directory; 300 HubSpot webhooks are answered 200 by its intake; the process
 * is killed with SIGKILL (no handler runs); a second `crmsync dev` on the same directory must find
 * the queued notices, say so, and process each one exactly once in effect.
 */
const COUNT = 300;
let dataDir: string | undefined;
let dev: DevProcess | undefined;

afterAll(async () => {
  await dev?.stop().catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** One `contact.creation` webhook, signed (v3) as HubSpot signs it. */
async function postCreationWebhook(intakeUrl: string, contactId: string, eventId: number): Promise<number> {
  const body = JSON.stringify([
    {
      eventId,
      subscriptionId: 2_100_001,
      portalId: 62515,
      appId: 1160452,
      occurredAt: Date.now(),
      subscriptionType: 'contact.creation',
      attemptNumber: 0,
      objectId: Number(contactId),
      changeFlag: 'CREATED',
      changeSource: 'CRM_UI',
    },
  ]);
  const timestamp = Date.now();
  const res = await fetch(intakeUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-HubSpot-Signature-v3': signV3(DEV_CLIENT_SECRET, 'POST', intakeUrl, body, timestamp),
      'X-HubSpot-Signature-Version': 'v3',
      'X-HubSpot-Request-Timestamp': String(timestamp),
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('crmsync dev killed with SIGKILL', () => {
  it('every webhook answered 200 before a kill -9 is processed exactly once in effect after the restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'crmsync-kill9-'));
    const t0 = Date.now();
    dev = await startDevProcess(dataDir);
    const startedMs = Date.now() - t0;
    const { urls } = await dev.status();
    // R2: with no segment every contact syncs, so each creation notice must create one Lead.
    const cleared = await fetch(`${dev.url}/api/segments/select`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ listId: null }),
    });
    expect(cleared.status).toBe(200);
    // The sandbox's own webhooks off: the test is the only sender, so it knows what was answered 200.
    const off = await fetch(`${urls.hubspot}/__sandbox/webhooks`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: null }),
    });
    expect(off.status).toBe(204);

    // 300 new people, created in HubSpot by another integration (not crmsync's token).
    const hubspot = new Client({ accessToken: 'another-integration', basePath: urls.hubspot });
    const ids: string[] = [];
    for (let i = 0; i < COUNT; i += 100) {
      const inputs = Array.from({ length: 100 }, (_, n) => ({
        properties: {
          email: `kill9-${i + n}@example.org`,
          firstname: 'Kill',
          lastname: `Nine ${i + n}`,
          company: 'Crash Test Ltd',
        },
        associations: [],
      }));
      const created = await hubspot.crm.contacts.batchApi.create({ inputs });
      ids.push(...created.results.map((c) => c.id));
    }

    const intake = `${dev.url}/webhooks/hubspot`;
    const statuses: number[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      statuses.push(
        ...(await Promise.all(
          ids.slice(i, i + 10).map((id, n) => postCreationWebhook(intake, id, 9_000_000 + i + n)),
        )),
      );
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(COUNT);
    const answeredMs = Date.now() - t0;
    await dev.kill9();

    dev = await startDevProcess(dataDir);
    const restartedMs = Date.now() - t0;
    const recovered = Number(dev.output().match(/recovered (\d+) queued notices/)?.[1] ?? 0);
    expect(recovered).toBeGreaterThan(0);
    const status = await waitUntilQueueEmpty(dev, 180_000);
    const ms = { startedMs, answeredMs, restartedMs, drainedMs: Date.now() - t0 };
    console.log(JSON.stringify({ kill9: { answered200: COUNT, recoveredAtRestart: recovered, ...ms } }));
    expect(status.queue.dlq).toBe(0);

    // Exactly once in effect: one Lead per person, none missing, none twice. (The restarted
    // sandbox listens on a new ephemeral port: read its URL from the new process.)
    const { urls: now } = await dev.status();
    const salesforce = new jsforce.Connection({
      instanceUrl: now.salesforce,
      accessToken: 'test',
      version: '64.0',
    });
    const leads = await salesforce.query<{ Email: string }>(
      "SELECT Id, Email FROM Lead WHERE Email LIKE 'kill9-%'",
    );
    expect(leads.done).toBe(true);
    const emails = leads.records.map((r) => r.Email);
    expect(new Set(emails).size).toBe(COUNT);
    expect(emails).toHaveLength(COUNT);
  }, 300_000);
});

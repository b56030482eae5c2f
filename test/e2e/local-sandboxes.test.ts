import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { startSandboxes } from '../../lib/local/sandboxes.ts';
import { exampleConfigInput } from '../support/test-config.ts';

const config = parseConfig(exampleConfigInput(), 'example config');
const servers: Server[] = [];

/** Listens on an ephemeral loopback port and resolves with it. */
function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('startSandboxes (lib/local)', () => {
  it('starts both sandboxes on loopback and points a copy of the config at them', async () => {
    const sandboxes = await startSandboxes(config, { hubspot: 0, salesforce: 0 });
    try {
      expect(sandboxes.config.hubspot.baseUrl).toBe(sandboxes.hubspot.url);
      expect(sandboxes.config.salesforce.instanceUrl).toBe(sandboxes.salesforce.url);
      expect(sandboxes.hubspot.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandboxes.salesforce.orgId).toBe(config.salesforce.orgId);
      expect(config.hubspot.baseUrl).toBeUndefined();
    } finally {
      await sandboxes.close();
    }
  });

  it('the demo org tracks the history of the mapped Salesforce fields only (docs/design.md#salesforce-field-history)', async () => {
    const sandboxes = await startSandboxes(config, { hubspot: 0, salesforce: 0 });
    try {
      const sf = sandboxes.salesforce;
      const id = await sf.userCreate('Contact', { LastName: 'Lee', FirstName: 'Ada', Department: 'Ops' });
      await sf.userUpdate('Contact', id, { FirstName: null, Department: 'Sales' });
      const res = await fetch(
        `${sf.url}/services/data/v64.0/query?q=${encodeURIComponent(`SELECT Field FROM ContactHistory WHERE ContactId IN ('${id}')`)}`,
        { headers: { authorization: 'Bearer local' } },
      );
      const body = (await res.json()) as { records: { Field: string }[] };
      // FirstName is mapped, Department is not.
      expect(body.records.map((r) => r.Field)).toEqual(['created', 'FirstName']);
    } finally {
      await sandboxes.close();
    }
  });

  it('closes the HubSpot sandbox again when the Salesforce one cannot start (its port is taken)', async () => {
    const taken = createServer();
    servers.push(taken);
    const salesforcePort = await listen(taken);
    const hubspotPort = await freePort();

    await expect(
      startSandboxes(config, { hubspot: hubspotPort, salesforce: salesforcePort }),
    ).rejects.toThrow();

    // The HubSpot sandbox's port is free again: nothing was left listening.
    const again = createServer();
    servers.push(again);
    await expect(listen(again, hubspotPort)).resolves.toBe(hubspotPort);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../lib/local/runtime.ts';
import { startQuietStack } from '../support/quiet-stack.ts';

/**
 * docs/design.md#local-stack: the sandboxes keep their data beside the store, so after a restart record ids
 * keep counting and no new record gets the id of one the store still links. (Reseeded sandboxes
 * handed HubSpot id 1401 to a new person, and crmsync overwrote the lead linked to the old 1401.)
 */
const DEMO = { hubspotContacts: 20, leads: 8, contacts: 4, salesforceOnlyLeads: 2, seed: 42 };

function start(dataDir: string): Promise<LocalStack> {
  return startQuietStack({ dataDir, demo: DEMO });
}

/** R2: with no segment every contact syncs, so a new HubSpot contact creates a Lead at once. */
async function clearSegment(stack: LocalStack): Promise<void> {
  const res = await fetch(`${stack.url}/api/segments/select`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ listId: null }),
  });
  expect(res.status).toBe(200);
}

/** Every Lead and Contact in the Salesforce sandbox with all its fields, by id. */
async function salesforceRecords(stack: LocalStack): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const object of ['Lead', 'Contact'] as const) {
    let page = await stack.salesforce.queryPage(object, ['Email'], {});
    for (;;) {
      for (const r of page.records) out.set(r.id, stack.salesforceSandbox!.getRecord(r.id)!);
      if (!page.after) break;
      page = await stack.salesforce.queryPage(object, ['Email'], { after: page.after });
    }
  }
  return out;
}

let dataDir: string;
let stack: LocalStack | undefined;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'crmsync-sandbox-restart-'));
});
afterAll(async () => {
  await stack?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('sandboxes persist with the store', () => {
  it('create, restart, create again: the new contact gets a new id and no record of another person is touched', async () => {
    stack = await start(dataDir);
    await clearSegment(stack);
    const first = await stack.hubspotSandbox!.userCreateContact({
      email: 'first.person@example.org',
      firstname: 'First',
      lastname: 'Person',
      jobtitle: 'Before',
    });
    await stack.flush();
    const firstLead = (
      await stack.salesforce.findByEmail(['first.person@example.org'], {
        Lead: ['Email'],
        Contact: ['Email'],
      })
    )[0];
    expect(firstLead?.objectType).toBe('Lead');
    // Edits made in the sandboxes before the stop, as users would.
    const someLead = stack.demo!.salesforceOnlyLeadIds[0]!;
    await stack.salesforceSandbox!.userUpdate('Lead', someLead, { Title: 'Edited before restart' });
    await stack.hubspotSandbox!.userUpdateContact(stack.demo!.hubspotIds.at(-1)!, {
      jobtitle: 'Also edited',
    });
    await stack.flush();
    const before = await salesforceRecords(stack);
    await stack.close();

    stack = await start(dataDir);
    expect(stack.firstRun).toBe(false);
    // The edits made before the stop are still there.
    expect(stack.salesforceSandbox!.getRecord(someLead)?.Title).toBe('Edited before restart');
    const [edited] = await stack.hubspot.readContacts([stack.demo!.hubspotIds.at(-1)!], ['jobtitle']);
    expect(edited?.properties.jobtitle).toBe('Also edited');

    const second = await stack.hubspotSandbox!.userCreateContact({
      email: 'second.person@example.org',
      firstname: 'Second',
      lastname: 'Person',
      jobtitle: 'Other',
    });
    expect(Number(second)).toBeGreaterThan(Number(first));
    await stack.flush();

    const after = await salesforceRecords(stack);
    // Everyone who existed before the restart is exactly as they were: nobody was overwritten.
    for (const [id, fields] of before) expect({ id, ...after.get(id) }).toEqual({ id, ...fields });
    // And the second person has a Lead of their own.
    const added = [...after.keys()].filter((id) => !before.has(id));
    expect(added.map((id) => after.get(id)?.Email)).toEqual(['second.person@example.org']);
  });
});

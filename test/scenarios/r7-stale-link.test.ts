import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFromSalesforce } from '../../lib/sync/import-salesforce.ts';
import { runResync } from '../../lib/sync/resync.ts';
import {
  decisionsSince,
  hubspotContact,
  hubspotIdsByEmail,
  IN_SEGMENT,
  OUT_OF_SEGMENT,
  type Scenario,
  startScenario,
  uniqueEmail,
} from './scenario-stack.ts';

/**
 * A link to a record deleted on one side (deletes `ignore`, the default) must not block
 * (docs/design.md#stale-link): the import re-creates a HubSpot contact that no longer exists, and a
 * member whose Salesforce record was deleted gets a new one on its next sync — through the real clients.
 */
describe('stale links: a counterpart deleted on one side (scenario)', () => {
  let s: Scenario;

  beforeAll(async () => {
    // The example config: auto-create on (R6), deletes ignored.
    s = await startScenario();
    await s.selectNewSegment('MQL contacts', [IN_SEGMENT]);
  });
  afterAll(async () => {
    await s?.close();
  });

  /** A member whose Lead crmsync created (the link to delete on the Salesforce side). */
  const memberWithLead = async (label: string) => {
    const email = uniqueEmail(label);
    const hubspotId = await s.hubspotSandbox.userCreateContact({
      email,
      lastname: 'Ber',
      lifecyclestage: IN_SEGMENT,
    });
    await s.flush();
    const leadId = (await s.trace('hubspot', hubspotId)).pair?.salesforceId;
    if (!leadId) throw new Error(`no Lead was created for ${label}`);
    return { email, hubspotId, leadId };
  };

  it('R7: importing a Salesforce Contact whose auto-created HubSpot contact was deleted creates it again and links it', async () => {
    const email = uniqueEmail('r7-stale');
    const contactId = await s.salesforceSandbox.userCreate('Contact', {
      Email: email,
      FirstName: 'Del',
      LastName: 'Eted',
      Title: 'CFO',
    });
    await s.flush();
    const [first] = await hubspotIdsByEmail(s, email);
    expect(first).toBeDefined();
    // A HubSpot user deletes the contact R6 made; deletes `ignore`: the Contact stays, so does the link.
    await s.hubspotSandbox.userArchiveContact(first!);
    await s.flush();
    expect(await hubspotIdsByEmail(s, email)).toEqual([]);

    const result = await importFromSalesforce(s.deps, 'Contact');
    await s.flush();

    expect(result).toMatchObject({ relinked: 1, errors: [] });
    const again = await hubspotIdsByEmail(s, email);
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(first);
    const trace = await s.trace('salesforce', contactId);
    expect(trace.pair).toMatchObject({ hubspotId: again[0], salesforceId: contactId, origin: 'import' });
    // Outside the segment (R7): the email only; the other properties stay empty.
    expect(await hubspotContact(s, again[0]!)).toMatchObject({ email, firstname: null, jobtitle: null });
    // Run again: the new link is alive, nothing is re-linked or created.
    expect(await importFromSalesforce(s.deps, 'Contact')).toMatchObject({ relinked: 0, created: 0 });
  });

  it('R5: a member whose Salesforce record was deleted gets a new one on the resync, linked in place of the stale link', async () => {
    const { email, hubspotId, leadId } = await memberWithLead('r5-stale');
    await s.salesforceSandbox.userDelete('Lead', leadId);
    await s.flush();
    const t0 = Date.now();

    await runResync(s.deps);
    await s.flush();

    const trace = await s.trace('hubspot', hubspotId);
    expect(trace.pair?.salesforceId).toBeDefined();
    expect(trace.pair?.salesforceId).not.toBe(leadId);
    expect(decisionsSince(trace, t0)).toContainEqual(
      expect.objectContaining({ outcome: 'relinked', reason: 'counterpart-deleted' }),
    );
    const found = await s.deps.salesforce.findByEmail([email], {
      Lead: ['Email', 'LastName'],
      Contact: ['Email'],
    });
    expect(found.filter((r) => !r.isDeleted).map((r) => r.id)).toEqual([trace.pair?.salesforceId]);
  });

  it('R8: a contact outside the segment whose Salesforce record was deleted: its changes create nothing in Salesforce', async () => {
    const { email, hubspotId, leadId } = await memberWithLead('r8-stale');
    await s.hubspotSandbox.userUpdateContact(hubspotId, { lifecyclestage: OUT_OF_SEGMENT });
    await s.flush();
    await s.salesforceSandbox.userDelete('Lead', leadId);
    await s.flush();
    const before = s.calls();

    await s.hubspotSandbox.userUpdateContact(hubspotId, { lastname: 'Outer' });
    await s.flush();

    const found = await s.deps.salesforce.findByEmail([email], { Lead: ['Email'], Contact: ['Email'] });
    expect(found.filter((r) => !r.isDeleted)).toEqual([]);
    expect(s.calls().salesforce.writes - before.salesforce.writes).toBe(0);
  });
});

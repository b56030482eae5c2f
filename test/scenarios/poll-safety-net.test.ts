import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollChanges } from '../../lib/sync/poll.ts';
import { hubspotContact, type Scenario, startScenario, uniqueEmail } from './scenario-stack.ts';

describe('polling safety net (scenario): changes whose deliveries never came are found by pollChanges', () => {
  let s: Scenario;
  let hubspotId: string;
  let leadId: string;

  beforeAll(async () => {
    s = await startScenario();
    hubspotId = await s.hubspotSandbox.userCreateContact({
      email: uniqueEmail('poll'),
      firstname: 'Poll',
      lastname: 'Ed',
    });
    await s.flush();
    leadId = (await s.trace('hubspot', hubspotId)).pair!.salesforceId;
    // From now on nothing is delivered: as in live mode, where webhooks cannot reach a laptop.
    s.hubspotSandbox.setWebhookUrl(undefined);
    s.salesforceSandbox.configure({ outboundUrl: null, cdcUrl: null });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('edits on both sides with no delivery sync once pollChanges has turned them into notices', async () => {
    await s.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Found by polling' });
    await s.salesforceSandbox.userUpdate('Lead', leadId, { Phone: '+1 555 0909' });
    expect((await s.flush()).processed).toBe(0);
    expect(s.salesforceSandbox.getRecord(leadId)?.Title).toBeNull();

    const found = await pollChanges(s.deps);
    expect(found.hubspot).toBeGreaterThanOrEqual(1);
    expect(found.salesforce.Lead).toBeGreaterThanOrEqual(1);
    await s.flush();
    expect(s.salesforceSandbox.getRecord(leadId)?.Title).toBe('Found by polling');
    expect((await hubspotContact(s, hubspotId)).phone).toBe('+1 555 0909');
  });

  it('polling again finds only what it already reported, and writes nothing', async () => {
    const calls = await s.measure(() => pollChanges(s.deps));
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
  });
});

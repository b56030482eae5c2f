import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAutoCreate } from '../../lib/sync/segment-choice.ts';
import { refreshSegment } from '../../lib/sync/segment-refresh.ts';
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

describe('R6 auto-create from Salesforce bypasses the segment once (scenario)', () => {
  let s: Scenario;
  let leadId: string;
  let hubspotId: string;

  beforeAll(async () => {
    // The example config turns auto-create on for leads and contacts.
    s = await startScenario();
    await s.selectNewSegment('MQL contacts', [IN_SEGMENT]);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R6: with auto-create on, a new Salesforce lead outside the segment creates a HubSpot contact with its mapped fields', async () => {
    const email = uniqueEmail('r6-lead');
    const t0 = Date.now();
    leadId = await s.salesforceSandbox.userCreate('Lead', {
      Email: email,
      FirstName: 'Auto',
      LastName: 'Created',
      Company: 'Globex',
      Title: 'Buyer',
      Phone: '+1 555 0606',
    });
    await s.flush();

    const ids = await hubspotIdsByEmail(s, email);
    expect(ids).toHaveLength(1);
    hubspotId = ids[0]!;
    expect(await hubspotContact(s, hubspotId)).toMatchObject({
      firstname: 'Auto',
      lastname: 'Created',
      company: 'Globex',
      jobtitle: 'Buyer',
      phone: '+1 555 0606',
    });
    const trace = await s.trace('salesforce', leadId);
    expect(trace.inSegment).toBe(false);
    expect(trace.pair).toMatchObject({ hubspotId, salesforceId: leadId, origin: 'auto-create' });
    expect(decisionsSince(trace, t0)).toContainEqual(
      expect.objectContaining({
        outcome: 'synced',
        reason: 'created in HubSpot',
        detail: expect.objectContaining({ rule: 'R6' }),
      }),
    );
  });

  it('R6: its later updates, from either side, do not sync until it meets the segment criteria; then they do', async () => {
    const t0 = Date.now();
    const calls = await s.measure(async () => {
      await s.salesforceSandbox.userUpdate('Lead', leadId, { Title: 'Head of Buying' });
      await s.hubspotSandbox.userUpdateContact(hubspotId, { phone: '+1 555 0607' });
    });
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
    expect((await hubspotContact(s, hubspotId)).jobtitle).toBe('Buyer');
    expect(s.salesforceSandbox.getRecord(leadId)?.Phone).toBe('+1 555 0606');
    const skipped = decisionsSince(await s.trace('salesforce', leadId), t0);
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    expect(skipped.every((d) => d.outcome === 'skipped' && d.reason === 'not-in-segment')).toBe(true);

    // It meets the criteria: the edit that makes it join is confirmed with HubSpot and syncs it.
    await s.hubspotSandbox.userUpdateContact(hubspotId, { lifecyclestage: IN_SEGMENT });
    await s.flush();
    expect(await refreshSegment(s.deps)).toMatchObject({ joined: 0, notices: 0 });
    await s.flush();
    expect((await hubspotContact(s, hubspotId)).jobtitle).toBe('Head of Buying');
    expect(s.salesforceSandbox.getRecord(leadId)?.Phone).toBe('+1 555 0607');
  });

  it('R6: a new Salesforce contact whose email is already a HubSpot contact outside the segment syncs into it (no duplicate)', async () => {
    const email = uniqueEmail('r6-existing');
    const existing = await s.hubspotSandbox.userCreateContact({
      email,
      lastname: 'Existing',
      lifecyclestage: OUT_OF_SEGMENT,
    });
    await s.flush();
    const t0 = Date.now();
    const contactId = await s.salesforceSandbox.userCreate('Contact', {
      Email: email,
      FirstName: 'Sally',
      LastName: 'Existing',
      Title: 'CTO',
    });
    await s.flush();

    expect(await hubspotIdsByEmail(s, email)).toEqual([existing]);
    expect(await hubspotContact(s, existing)).toMatchObject({ firstname: 'Sally', jobtitle: 'CTO' });
    const trace = await s.trace('hubspot', existing);
    expect(trace.inSegment).toBe(false);
    expect(trace.pair).toMatchObject({
      salesforceId: contactId,
      salesforceType: 'Contact',
      origin: 'auto-create',
    });
    expect(decisionsSince(trace, t0)).toContainEqual(expect.objectContaining({ outcome: 'linked' }));
    expect(decisionsSince(trace, t0)).toContainEqual(
      expect.objectContaining({ outcome: 'synced', detail: expect.objectContaining({ rule: 'R6' }) }),
    );
  });

  it('R6: with auto-create off, a new Salesforce lead or contact outside the segment creates nothing; the toggles are per object', async () => {
    await setAutoCreate(s.deps, { fromLeads: false, fromContacts: false });
    const lead = uniqueEmail('r6-off-lead');
    const contact = uniqueEmail('r6-off-contact');
    const calls = await s.measure(async () => {
      await s.salesforceSandbox.userCreate('Lead', { Email: lead, LastName: 'Off', Company: 'Initech' });
      await s.salesforceSandbox.userCreate('Contact', { Email: contact, LastName: 'Off' });
    });
    expect(calls.hubspot.writes).toBe(0);
    expect(await hubspotIdsByEmail(s, lead)).toEqual([]);
    expect(await hubspotIdsByEmail(s, contact)).toEqual([]);

    // Leads on, contacts off.
    await setAutoCreate(s.deps, { fromLeads: true });
    const lead2 = uniqueEmail('r6-on-lead');
    const contact2 = uniqueEmail('r6-off-contact');
    await s.salesforceSandbox.userCreate('Lead', { Email: lead2, LastName: 'On', Company: 'Initech' });
    await s.salesforceSandbox.userCreate('Contact', { Email: contact2, LastName: 'Off' });
    await s.flush();
    expect(await hubspotIdsByEmail(s, lead2)).toHaveLength(1);
    expect(await hubspotIdsByEmail(s, contact2)).toEqual([]);
    await setAutoCreate(s.deps, { fromContacts: true });
  });
});

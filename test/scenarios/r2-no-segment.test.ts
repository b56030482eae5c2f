import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAutoCreate } from '../../lib/sync/segment-choice.ts';
import {
  decisionsSince,
  hubspotContact,
  hubspotIdsByEmail,
  type Scenario,
  startScenario,
  uniqueEmail,
} from './scenario-stack.ts';

describe('R2 no segment, everything syncs (scenario: sandboxes → intake → queue → processor)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R2: with no segment, a contact created in HubSpot by a user is created in Salesforce with its mapped fields', async () => {
    const email = uniqueEmail('r2-new');
    const t0 = Date.now();
    const id = await s.hubspotSandbox.userCreateContact({
      email,
      firstname: 'Rita',
      lastname: 'Two',
      jobtitle: 'Analyst',
      lifecyclestage: 'subscriber',
    });
    await s.flush();

    const trace = await s.trace('hubspot', id);
    expect(trace.inSegment).toBeNull();
    expect(trace.pair?.salesforceType).toBe('Lead');
    const lead = s.salesforceSandbox.getRecord(trace.pair!.salesforceId);
    expect(lead).toMatchObject({
      Email: email,
      FirstName: 'Rita',
      LastName: 'Two',
      Title: 'Analyst',
      Company: 'Unknown',
    });
    expect(decisionsSince(trace, t0)).toContainEqual(
      expect.objectContaining({
        outcome: 'synced',
        reason: 'created in Salesforce',
        detail: expect.objectContaining({ rule: 'R2' }),
      }),
    );
  });

  it('R2: with no segment, edits sync both ways: HubSpot → Salesforce and Salesforce → HubSpot', async () => {
    const email = uniqueEmail('r2-edit');
    const id = await s.hubspotSandbox.userCreateContact({
      email,
      firstname: 'Ed',
      lastname: 'Both',
      lifecyclestage: 'subscriber',
    });
    await s.flush();
    const leadId = (await s.trace('hubspot', id)).pair!.salesforceId;

    await s.hubspotSandbox.userUpdateContact(id, { jobtitle: 'Buyer' });
    await s.flush();
    expect(s.salesforceSandbox.getRecord(leadId)?.Title).toBe('Buyer');

    const t1 = Date.now();
    await s.salesforceSandbox.userUpdate('Lead', leadId, { Phone: '+1 555 0100' });
    await s.flush();
    expect((await hubspotContact(s, id)).phone).toBe('+1 555 0100');
    const trace = await s.trace('salesforce', leadId);
    expect(decisionsSince(trace, t1)).toContainEqual(
      expect.objectContaining({
        outcome: 'synced',
        detail: expect.objectContaining({ rule: 'R2', toHubSpot: ['phone'] }),
      }),
    );
  });

  it('R2: with no segment and auto-create off, a new Salesforce contact still creates its HubSpot contact (every record is eligible)', async () => {
    await setAutoCreate(s.deps, { fromLeads: false, fromContacts: false });
    try {
      const email = uniqueEmail('r2-sf');
      const contactId = await s.salesforceSandbox.userCreate('Contact', {
        Email: email,
        FirstName: 'Sal',
        LastName: 'Force',
      });
      await s.flush();
      const ids = await hubspotIdsByEmail(s, email);
      expect(ids).toHaveLength(1);
      expect(await hubspotContact(s, ids[0]!)).toMatchObject({ firstname: 'Sal', lastname: 'Force' });
      const trace = await s.trace('salesforce', contactId);
      expect(trace.pair?.hubspotId).toBe(ids[0]);
      expect(trace.decisions).toContainEqual(
        expect.objectContaining({ outcome: 'synced', detail: expect.objectContaining({ rule: 'R2' }) }),
      );
    } finally {
      await setAutoCreate(s.deps, { fromLeads: true, fromContacts: true });
    }
  });
});

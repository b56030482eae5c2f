import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdByCrmsyncInHubSpot, createdByCrmsyncInSalesforce } from '../../lib/domain/record-author.ts';
import { DATA_LOAD_USER_ID, INTEGRATION_USER_ID, UI_USER_ID } from '../../sandbox/salesforce/store.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * Who created a record, as the CRMs record it (docs/reliability.md, finding 6): Salesforce's
 * `CreatedById` against the integration user the session runs as (`/services/oauth2/userinfo`), and
 * HubSpot's `hs_object_source` / `hs_object_source_id` against the app id — through the real clients
 * and the sandboxes, which stamp them as the CRMs do.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('record authors: Salesforce CreatedById', () => {
  it('the adapter learns the integration user from userinfo, and only the records crmsync created carry it', async () => {
    const { salesforce, salesforceSandbox } = stack;
    const userId = await salesforce.integrationUserId();
    expect(userId).toBe(INTEGRATION_USER_ID);

    const [own] = await salesforce.createRecords('Lead', [
      { ref: 'r1', fields: { LastName: 'Own', Company: 'Acme', Email: 'own@author.example.com' } },
    ]);
    if (!own?.ok) throw new Error('create failed');
    const byUser = await salesforceSandbox.userCreate('Lead', {
      LastName: 'Person',
      Company: 'Acme',
      Email: 'person@author.example.com',
    });
    const { leadIds } = salesforceSandbox.seed({ leads: 1, contacts: 0, seed: 7 });

    const records = await salesforce.readRecords('Lead', [own.id, byUser, ...leadIds], ['LastName']);
    const author = new Map(records.map((r) => [r.id, r.createdById]));
    expect(author.get(own.id)).toBe(INTEGRATION_USER_ID);
    expect(author.get(byUser)).toBe(UI_USER_ID);
    // A data load (the silent seed) runs as another user than crmsync's, as a real import does.
    expect(author.get(leadIds[0]!)).toBe(DATA_LOAD_USER_ID);
    const ours = records.filter((r) => createdByCrmsyncInSalesforce(r, userId)).map((r) => r.id);
    expect(ours).toEqual([own.id]);
  });

  it('userinfo refuses a revoked session with the 401 every resource answers', async () => {
    const res = await fetch(`${stack.salesforceSandbox.url}/services/oauth2/userinfo`, {
      headers: { authorization: 'Bearer revoked-token' },
    });
    expect(res.status).toBe(200);
    stack.salesforceSandbox.revokeToken('revoked-token');
    const again = await fetch(`${stack.salesforceSandbox.url}/services/oauth2/userinfo`, {
      headers: { authorization: 'Bearer revoked-token' },
    });
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual([expect.objectContaining({ errorCode: 'INVALID_SESSION_ID' })]);
  });

  it('ids compare on their 15-character form; an unknown author is nobody’s', () => {
    expect(createdByCrmsyncInSalesforce({ createdById: '005SB0000000001' }, INTEGRATION_USER_ID)).toBe(true);
    expect(createdByCrmsyncInSalesforce({}, INTEGRATION_USER_ID)).toBe(false);
    expect(createdByCrmsyncInSalesforce({ createdById: INTEGRATION_USER_ID }, undefined)).toBe(false);
  });
});

describe('record authors: HubSpot hs_object_source / hs_object_source_id', () => {
  it('a contact crmsync created says INTEGRATION and crmsync’s app id; one a user created does not', async () => {
    const { hubspot, hubspotSandbox, config } = stack;
    const [own] = await hubspot.createContacts([
      { ref: 'c1', properties: { email: 'own@author.example.com', lastname: 'Own' } },
    ]);
    if (!own?.ok) throw new Error('create failed');
    const byUser = await hubspotSandbox.userCreateContact({ email: 'person@author.example.com' });

    const contacts = await hubspot.readContacts([own.id, byUser], ['email']);
    const author = new Map(contacts.map((c) => [c.id, c.createdBy]));
    expect(author.get(own.id)).toEqual({ source: 'INTEGRATION', sourceId: config.hubspot.appId });
    expect(author.get(byUser)).toEqual({ source: 'CRM_UI' });
    const ours = contacts.filter((c) => createdByCrmsyncInHubSpot(c, config.hubspot.appId)).map((c) => c.id);
    expect(ours).toEqual([own.id]);
    // Found by email too (the first-link path), with the same author.
    const [found] = await hubspot.findContactsByEmail(['OWN@author.example.com'], ['email']);
    expect(found?.createdBy).toEqual({ source: 'INTEGRATION', sourceId: config.hubspot.appId });
  });

  it('another app’s contact is not crmsync’s', () => {
    expect(
      createdByCrmsyncInHubSpot({ createdBy: { source: 'INTEGRATION', sourceId: '99' } }, '1160452'),
    ).toBe(false);
    expect(createdByCrmsyncInHubSpot({}, '1160452')).toBe(false);
  });
});

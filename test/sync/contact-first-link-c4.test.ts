import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompanyStack } from '../support/company-fixtures.ts';
import { hubspotNotice } from '../support/notices.ts';
import type { TestStack } from '../support/test-stack.ts';

/**
 * C6/C4 at a first link (docs/reliability.md "Companies", finding C-5, seed 1210635309): a HubSpot
 * contact not linked yet, whose primary company has no account, is linked by email in a batch to an
 * existing Salesforce Contact without account. C4 gives that company an Account, and C6 sets the
 * Contact's AccountId — in the same batch, not at the contact's next change.
 */
describe('C6/C4: a contact linked by email to a Contact without account', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startCompanyStack();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('C6/C4: its new primary company gets an Account and the Contact’s AccountId follows in the same batch', async () => {
    const email = 'first.link@c4.example';
    const contact = await s.salesforceSandbox.userCreate('Contact', { LastName: 'Link', Email: email });
    const hubspotId = await s.hubspotSandbox.userCreateContact({ email, lastname: 'Link' });
    const company = await s.hubspotSandbox.userCreateCompany({ name: 'First Link Co' });
    await s.hubspotSandbox.userAssociate(hubspotId, company, true);

    const result = await s.process([hubspotNotice(hubspotId)]);
    expect(result.batchItemFailures).toEqual([]);
    expect((await s.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId)?.salesforceId).toBe(contact);
    const account = (await s.store.getCompanyPairsByCompanyIds([company])).get(company)?.accountId;
    expect(account).toBeDefined();
    const [record] = await s.salesforce.readRecords('Contact', [contact], ['AccountId']);
    expect(record?.fields['AccountId']).toBe(account);
  });
});

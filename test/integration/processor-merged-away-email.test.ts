import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_OF_MERGED_CONTACT } from '../../lib/domain/plan/resolve.ts';
import type { HubSpotPort } from '../../lib/ports.ts';
import { salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * docs/design.md#merged-away-email: HubSpot keeps a merged-away contact's email on the survivor
 * (`hs_additional_emails`) and refuses a new contact with it. A new Salesforce record with that email
 * finds the survivor — by a search, as a read by email does not find it — and is neither created in
 * HubSpot nor linked; its decision says why. Reliability finding 22 (seed 1222103396).
 */
describe('processor: a Salesforce record whose email a HubSpot merge kept on another contact', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(); // no segment: every record syncs (R2), so it would be created
  });
  afterAll(() => stack?.close());

  /**
   * Processes the Lead's `created` notice and checks it wrote nothing to HubSpot and was skipped
   * `email-of-merged-contact`, naming `survivor`; returns the Lead's trace.
   */
  const createdNoticeSkipped = async (lead: string, survivor: string, hubspot?: HubSpotPort) => {
    const { result, calls } = await stack.measure(() =>
      stack.process([salesforceNotice('Lead', lead, { kind: 'created' })], hubspot ? { hubspot } : {}),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(calls.hubspot.writes).toBe(0);
    const trace = await stack.store.listDecisions(`salesforce:${lead}`, 20);
    expect(trace.find((d) => d.outcome === 'skipped')).toMatchObject({
      reason: EMAIL_OF_MERGED_CONTACT,
      detail: { hubspotId: survivor },
    });
    return trace;
  };

  it('is not created in HubSpot: skipped `email-of-merged-contact`, naming the survivor, with no sync error', async () => {
    const bea = await stack.hubspotSandbox.userCreateContact({ email: 'bea@kept.example', lastname: 'Bell' });
    const ann = await stack.hubspotSandbox.userCreateContact({ email: 'ann@kept.example', lastname: 'Able' });
    await stack.hubspotSandbox.userMergeContacts(bea, ann); // a user merges Ann's contact into Bea's
    const lead = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Able',
      Company: 'Kept Co',
      Email: 'ann@kept.example',
    });

    const trace = await createdNoticeSkipped(lead, bea);
    expect(trace.filter((d) => d.outcome === 'error')).toEqual([]);
    expect((await stack.store.getPairsBySalesforceIds([lead])).get(lead)).toBeUndefined();
    expect(await stack.hubspot.findContactsByAdditionalEmail(['ann@kept.example'], ['email'])).toMatchObject([
      { id: bea },
    ]);
  });

  it('the same if HubSpot’s read by email answered with the survivor (undocumented either way): no search, no create', async () => {
    const dee = await stack.hubspotSandbox.userCreateContact({ email: 'dee@kept.example', lastname: 'Dunn' });
    const eve = await stack.hubspotSandbox.userCreateContact({ email: 'eve@kept.example', lastname: 'Earl' });
    await stack.hubspotSandbox.userMergeContacts(dee, eve);
    const lead = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Earl',
      Company: 'Kept Co',
      Email: 'eve@kept.example',
    });
    // A read by email that also matches additional emails, as some report HubSpot's search does.
    const lenient: HubSpotPort = new Proxy(stack.hubspot, {
      get(target, prop, receiver) {
        if (prop === 'findContactsByEmail')
          return async (emails: string[], properties: string[]) => [
            ...(await target.findContactsByEmail(emails, properties)),
            ...(await target.findContactsByAdditionalEmail(emails, properties)),
          ];
        if (prop === 'findContactsByAdditionalEmail') return () => Promise.reject(new Error('not needed'));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    await createdNoticeSkipped(lead, dee, lenient);
  });

  it('costs one search per 5 new records whose email no contact has, and none once they are linked', async () => {
    const searches = () => stack.hubspotSandbox.counters()['POST /crm/v3/objects/contacts/search'] ?? 0;
    const leads: string[] = [];
    for (let i = 0; i < 7; i++)
      leads.push(
        await stack.salesforceSandbox.userCreate('Lead', {
          LastName: `New ${i}`,
          Company: 'Cost Co',
          Email: `new${i}@cost.example`,
        }),
      );
    const before = searches();
    const first = await stack.process(leads.map((id) => salesforceNotice('Lead', id, { kind: 'created' })));
    expect(first.batchItemFailures).toEqual([]);
    expect(searches() - before).toBe(2);
    const pairs = await stack.store.getPairsBySalesforceIds(leads);
    expect(pairs.size).toBe(7); // all created (R2)
    const again = searches();
    await stack.process(leads.map((id) => salesforceNotice('Lead', id, { kind: 'created' })));
    expect(searches() - again).toBe(0);
  });
});

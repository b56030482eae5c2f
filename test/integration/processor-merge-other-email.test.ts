import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../lib/ports.ts';
import { hubspotNotice, salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * docs/design.md#merged-into-other-email, links matched by email: a Salesforce merge whose master carries another
 * person's email does not re-point the loser's HubSpot contact to it (that would write the other
 * person's email onto the contact). The contact is unlinked (`merged-into-other-email`) and follows
 * the identity rules; the master links by email to the contact that has its email.
 * Reliability finding 7 (docs/reliability.md).
 */
describe('processor: a Salesforce merge into a record with another email', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  const pairOf = async (hubspotId: string) =>
    (await stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
  const pairOfSalesforce = async (salesforceId: string) =>
    (await stack.store.getPairsBySalesforceIds([salesforceId])).get(salesforceId);
  const decisionsOf = async (keys: string[]): Promise<Decision[]> =>
    (await Promise.all(keys.map((k) => stack.store.listDecisions(k, 20)))).flat();
  const emailOf = async (hubspotId: string) =>
    (await stack.hubspot.readContacts([hubspotId], ['email']))[0]?.properties['email'];

  /** HubSpot contact A with crmsync's Lead for it, and an unlinked master Lead with `masterEmail`. */
  const linkedContactAndMaster = async (emailA: string, masterEmail: string) => {
    const contactA = await stack.hubspotSandbox.userCreateContact({
      email: emailA,
      firstname: 'Ann',
      lastname: 'Able',
    });
    await stack.process([hubspotNotice(contactA, { kind: 'created' })]);
    const leadA = (await pairOf(contactA))?.salesforceId;
    expect(leadA).toBeDefined();
    const masterLead = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Bell',
      Company: 'Merge Co',
      Email: masterEmail,
    });
    return { contactA, leadA: leadA!, masterLead };
  };

  it('the loser’s contact is unlinked, keeps its email and gets its own Lead; the other person’s contact links to the master', async () => {
    const { contactA, leadA, masterLead } = await linkedContactAndMaster(
      'ann@other.example',
      'bea@other.example',
    );
    await stack.salesforceSandbox.merge('Lead', masterLead, [leadA]); // a user merges A's Lead into Bea's
    const contactB = await stack.hubspotSandbox.userCreateContact({
      email: 'bea@other.example',
      firstname: 'Bea',
      lastname: 'Bell',
    });

    const merged = await stack.process([salesforceNotice('Lead', leadA, { kind: 'deleted' })]);

    expect(merged.batchItemFailures).toEqual([]);
    const unlink = (await decisionsOf([`hubspot:${contactA}`])).find(
      (d) => d.reason === 'merged-into-other-email',
    );
    expect(unlink).toMatchObject({
      outcome: 'relinked',
      detail: { unlinkedFrom: `salesforce:${leadA}`, mergedInto: `salesforce:${masterLead}` },
    });
    // Bea's email was not written onto A, and A (no segment: R2) has a new Lead with its own email.
    expect(await emailOf(contactA)).toBe('ann@other.example');
    const aPair = await pairOf(contactA);
    expect(aPair?.salesforceId).toBeDefined();
    expect(aPair?.salesforceId).not.toBe(masterLead);
    expect(aPair?.salesforceId).not.toBe(leadA);
    expect(stack.salesforceSandbox.getRecord(aPair!.salesforceId)?.['Email']).toBe('ann@other.example');
    expect(await pairOfSalesforce(masterLead)).toBeUndefined();

    // Bea's contact links to the master by email: no duplicate-email skip, no error anywhere.
    const created = await stack.process([hubspotNotice(contactB, { kind: 'created' })]);
    expect(created.batchItemFailures).toEqual([]);
    expect((await pairOf(contactB))?.salesforceId).toBe(masterLead);
    expect(await emailOf(contactB)).toBe('bea@other.example');
    const all = await decisionsOf([
      `hubspot:${contactA}`,
      `hubspot:${contactB}`,
      `salesforce:${leadA}`,
      `salesforce:${masterLead}`,
    ]);
    expect(all.filter((d) => d.outcome === 'error' || d.reason === 'duplicate-email')).toEqual([]);

    // A fixed point: the same notices again write nothing and keep both links.
    await stack.process([hubspotNotice(contactA), hubspotNotice(contactB)]);
    expect((await pairOf(contactA))?.salesforceId).toBe(aPair?.salesforceId);
    expect((await pairOf(contactB))?.salesforceId).toBe(masterLead);
  });

  it('a master with the same email (case aside: Salesforce refuses surrounding spaces) takes the link as before', async () => {
    const { contactA, leadA, masterLead } = await linkedContactAndMaster(
      'cal@same.example',
      'Cal@Same.Example',
    );
    await stack.salesforceSandbox.merge('Lead', masterLead, [leadA]);

    const result = await stack.process([salesforceNotice('Lead', leadA, { kind: 'deleted' })]);

    expect(result.batchItemFailures).toEqual([]);
    expect((await pairOf(contactA))?.salesforceId).toBe(masterLead);
    const decisions = await decisionsOf([`hubspot:${contactA}`, `salesforce:${leadA}`]);
    expect(decisions.filter((d) => d.reason === 'merged-into-other-email')).toEqual([]);
    expect(decisions.filter((d) => d.outcome === 'error')).toEqual([]);
  });

  it('a lost delete notice, repaired on the contact’s next change: the link is removed, not moved, and the change goes to A’s new Lead', async () => {
    const { contactA, leadA, masterLead } = await linkedContactAndMaster(
      'dan@gap.example',
      'eve@gap.example',
    );
    await stack.salesforceSandbox.merge('Lead', masterLead, [leadA]); // its delete notice never reaches us
    await stack.hubspotSandbox.userUpdateContact(contactA, { jobtitle: 'After the merge' });

    const result = await stack.process([hubspotNotice(contactA, { changedFields: ['jobtitle'] })]);

    expect(result.batchItemFailures).toEqual([]);
    expect((await decisionsOf([`hubspot:${contactA}`])).map((d) => d.reason)).toContain(
      'merged-into-other-email',
    );
    expect(await emailOf(contactA)).toBe('dan@gap.example');
    const aPair = await pairOf(contactA);
    expect([undefined, leadA, masterLead]).not.toContain(aPair?.salesforceId);
    expect(stack.salesforceSandbox.getRecord(aPair!.salesforceId)).toMatchObject({
      Email: 'dan@gap.example',
      Title: 'After the merge',
    });
    expect(stack.salesforceSandbox.getRecord(masterLead)?.['Email']).toBe('eve@gap.example');
    expect(await pairOfSalesforce(masterLead)).toBeUndefined();
  });
});

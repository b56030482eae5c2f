import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../lib/ports.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * docs/design.md#merged-into-linked-record, links one-to-one: a Salesforce merge whose master is already linked to another
 * HubSpot contact keeps the master's link; the loser's contact is unlinked (never linked twice), told
 * why, and then follows the identity rules of any unlinked contact (email match, else create).
 * Reliability finding 2 (docs/reliability.md).
 */
describe('processor: a Salesforce merge into a record linked to another contact', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 2, { seed: 31 });
  });
  afterAll(() => stack?.close());

  const pairOf = async (hubspotId: string) =>
    (await stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
  const pairOfSalesforce = async (salesforceId: string) =>
    (await stack.store.getPairsBySalesforceIds([salesforceId])).get(salesforceId);
  const unlinkDecision = async (hubspotId: string): Promise<Decision | undefined> => {
    return (await stack.store.listDecisions(`hubspot:${hubspotId}`, 20)).find(
      (d) => d.reason === 'merged-into-linked-record',
    );
  };
  const errorsOf = async (keys: string[]) =>
    (await Promise.all(keys.map((k) => stack.store.listDecisions(k, 20))))
      .flat()
      .filter((d) => d.outcome === 'error');

  it('stored link on the master: it stays, the loser’s contact is unlinked with a decision, then matched or created', async () => {
    const [contactA, contactB] = [pairs.hubspotIds[0]!, pairs.hubspotIds[1]!];
    const [leadA, leadB] = [pairs.salesforceIds[0]!, pairs.salesforceIds[1]!];
    const [emailA] = (await stack.hubspot.readContacts([contactA], ['email'])).map(
      (c) => c.properties['email'],
    );
    await stack.salesforceSandbox.merge('Lead', leadB, [leadA]); // master: B's Lead

    const result = await stack.process([salesforceNotice('Lead', leadA, { kind: 'deleted' })]);

    expect(result.batchItemFailures).toEqual([]);
    expect(await errorsOf([`salesforce:${leadA}`, `hubspot:${contactA}`])).toEqual([]);
    expect(await pairOf(contactB)).toMatchObject({ salesforceId: leadB });
    expect((await pairOfSalesforce(leadB))?.hubspotId).toBe(contactB);
    expect(await pairOfSalesforce(leadA)).toBeUndefined();
    expect(await unlinkDecision(contactA)).toMatchObject({
      outcome: 'relinked',
      detail: {
        unlinkedFrom: `salesforce:${leadA}`,
        mergedInto: `salesforce:${leadB}`,
        survivorLinkedTo: `hubspot:${contactB}`,
      },
    });
    // A is now an unlinked contact and is planned as one: no Salesforce record has its email, so (no
    // segment: R2) crmsync creates its Lead — one-to-one, never a second link to B's Lead.
    const relinked = await pairOf(contactA);
    expect(relinked?.salesforceId).toBeDefined();
    expect(relinked?.salesforceId).not.toBe(leadB);
    expect(relinked?.salesforceId).not.toBe(leadA);
    expect(stack.salesforceSandbox.getRecord(relinked!.salesforceId)?.['Email']).toBe(emailA);
  });

  it('master linked in the same batch (its counterpart created there): no duplicate link error, the loser’s contact is unlinked', async () => {
    const loserLead = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Loser',
      Company: 'Collide Co',
      Email: 'loser@collide.example',
    });
    const contactA = await stack.hubspotSandbox.userCreateContact({
      email: 'loser@collide.example',
      firstname: 'Lou',
      lastname: 'Loser',
    });
    await stack.process([salesforceNotice('Lead', loserLead, { kind: 'created' })]);
    expect((await pairOf(contactA))?.salesforceId).toBe(loserLead);
    // A new master Lead, not linked yet; the user merges A's Lead into it before crmsync saw it.
    const masterLead = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Master',
      Company: 'Collide Co',
      Email: 'master@collide.example',
    });
    await stack.salesforceSandbox.merge('Lead', masterLead, [loserLead]);

    const result = await stack.process([
      salesforceNotice('Lead', masterLead, { kind: 'created' }),
      salesforceNotice('Lead', loserLead, { kind: 'deleted' }),
    ]);

    expect(result.batchItemFailures).toEqual([]);
    expect(
      await errorsOf([`salesforce:${loserLead}`, `salesforce:${masterLead}`, `hubspot:${contactA}`]),
    ).toEqual([]);
    // The master's own notice created its HubSpot contact (R2/R6) and that link stays.
    const masterPair = await pairOfSalesforce(masterLead);
    expect(masterPair?.hubspotId).toBeDefined();
    expect(masterPair?.hubspotId).not.toBe(contactA);
    expect(await unlinkDecision(contactA)).toMatchObject({
      outcome: 'relinked',
      detail: { unlinkedFrom: `salesforce:${loserLead}`, mergedInto: `salesforce:${masterLead}` },
    });
    // A is re-planned as unlinked: a new Lead with its email, linked one-to-one.
    const aPair = await pairOf(contactA);
    expect(aPair?.salesforceId).not.toBe(masterLead);
    expect(aPair?.salesforceId).not.toBe(loserLead);
    expect(stack.salesforceSandbox.getRecord(aPair!.salesforceId)?.['Email']).toBe('loser@collide.example');
    expect((await pairOfSalesforce(aPair!.salesforceId))?.hubspotId).toBe(contactA);
  });
});

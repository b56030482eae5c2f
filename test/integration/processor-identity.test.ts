import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { hubspotNotice, salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/** docs/design.md#identity: lead conversion and merges re-point links to the surviving record. */
describe('processor: lead conversion and merges re-point links', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 6);
  });
  afterAll(() => stack?.close());

  const pairOf = async (hubspotId: string) =>
    (await stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);

  it('a converted Lead re-points its link to the new Contact, which then syncs', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[0]!, pairs.salesforceIds[0]!];
    const { contactId } = await stack.salesforceSandbox.convertLead(leadId);

    const result = await stack.process([
      salesforceNotice('Lead', leadId, { changedFields: ['IsConverted', 'ConvertedContactId'] }),
    ]);

    expect(result.batchItemFailures).toEqual([]);
    expect(await pairOf(hubspotId)).toMatchObject({ salesforceId: contactId, salesforceType: 'Contact' });
    expect((await stack.store.getPairsBySalesforceIds([leadId])).size).toBe(0);
    const trace = await stack.store.listDecisions(`salesforce:${leadId}`, 5);
    expect(trace.some((d) => d.outcome === 'relinked' && d.reason === 'lead converted')).toBe(true);

    await stack.salesforceSandbox.userUpdate('Contact', contactId, { Title: 'Converted and synced' });
    await stack.process([salesforceNotice('Contact', contactId, { changedFields: ['Title'] })]);
    const [contact] = await stack.hubspot.readContacts([hubspotId], ['jobtitle']);
    expect(contact?.properties['jobtitle']).toBe('Converted and synced');
  });

  it('a HubSpot change reaching a converted Lead follows the conversion to the Contact', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[1]!, pairs.salesforceIds[1]!];
    const { contactId } = await stack.salesforceSandbox.convertLead(leadId);
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Written to the Contact' });

    const result = await stack.process([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);

    expect(result.batchItemFailures).toEqual([]);
    expect(await pairOf(hubspotId)).toMatchObject({ salesforceId: contactId, salesforceType: 'Contact' });
    expect(stack.salesforceSandbox.getRecord(contactId)?.['Title']).toBe('Written to the Contact');
  });

  it('a Salesforce merge (loser deleted with MasterRecordId) re-points the link to the master', async () => {
    const [hubspotId, loserId] = [pairs.hubspotIds[2]!, pairs.salesforceIds[2]!];
    // A duplicate Lead of the same person (same email): a master with another person's email does not
    // take the link (reliability finding 7, processor-merge-other-email.test.ts).
    const [email] = (await stack.hubspot.readContacts([hubspotId], ['email'])).map(
      (c) => c.properties['email'],
    );
    const masterId = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Master',
      Company: 'Merged Co',
      Email: email!.toUpperCase(),
    });
    await stack.salesforceSandbox.merge('Lead', masterId, [loserId]);

    const result = await stack.process([salesforceNotice('Lead', loserId, { kind: 'deleted' })]);

    expect(result.batchItemFailures).toEqual([]);
    expect(await pairOf(hubspotId)).toMatchObject({ salesforceId: masterId, salesforceType: 'Lead' });
    expect((await stack.store.getPairsBySalesforceIds([masterId])).get(masterId)?.hubspotId).toBe(hubspotId);
  });

  it('a HubSpot merge moves the merged-away contact’s link to the surviving contact', async () => {
    const [loserId, leadId] = [pairs.hubspotIds[3]!, pairs.salesforceIds[3]!];
    const survivorId = await stack.hubspotSandbox.userCreateContact({
      email: 'survivor@merged.example',
      firstname: 'Sur',
      lastname: 'Vivor',
    });
    await stack.hubspotSandbox.userMergeContacts(survivorId, loserId);

    const result = await stack.process([
      hubspotNotice(loserId, { kind: 'merged', survivorId, mergedIds: [loserId] }),
    ]);

    expect(result.batchItemFailures).toEqual([]);
    expect(await pairOf(loserId)).toBeUndefined();
    expect(await pairOf(survivorId)).toMatchObject({ salesforceId: leadId });
    expect((await stack.store.getPairsBySalesforceIds([leadId])).get(leadId)?.hubspotId).toBe(survivorId);
  });

  it('a HubSpot merge into an already linked contact keeps the survivor’s link and drops the loser’s', async () => {
    const [survivorId, survivorLead] = [pairs.hubspotIds[4]!, pairs.salesforceIds[4]!];
    const [loserId, loserLead] = [pairs.hubspotIds[5]!, pairs.salesforceIds[5]!];
    await stack.hubspotSandbox.userMergeContacts(survivorId, loserId);

    await stack.process([hubspotNotice(loserId, { kind: 'merged', survivorId, mergedIds: [loserId] })]);

    expect(await pairOf(survivorId)).toMatchObject({ salesforceId: survivorLead });
    expect(await pairOf(loserId)).toBeUndefined();
    expect((await stack.store.getPairsBySalesforceIds([loserLead])).size).toBe(0);
  });

  it('a merge and a notice about its survivor in one batch: the survivor takes the link, nothing is created', async () => {
    const loserId = await stack.hubspotSandbox.userCreateContact({
      email: 'loser@batch-merge.example',
      firstname: 'Lo',
      lastname: 'Ser',
    });
    await stack.process([hubspotNotice(loserId, { kind: 'created' })]);
    const leadId = (await pairOf(loserId))!.salesforceId;
    const survivorId = await stack.hubspotSandbox.userCreateContact({
      email: 'survivor@batch-merge.example',
      firstname: 'Sur',
      lastname: 'Vivor',
    });
    await stack.hubspotSandbox.userMergeContacts(survivorId, loserId);

    const { result, calls } = await stack.measure(() =>
      stack.process([
        hubspotNotice(survivorId, { kind: 'created' }),
        hubspotNotice(loserId, { kind: 'merged', survivorId, mergedIds: [loserId] }),
      ]),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(await pairOf(survivorId)).toMatchObject({ salesforceId: leadId });
    expect(calls.salesforce.writes).toBe(1); // the survivor's values onto the Lead; no Lead created
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Email']).toBe('survivor@batch-merge.example');
  });

  it('a link to a Salesforce record merged away while its delete notice was lost is repaired on the next change', async () => {
    const loserId = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Gap',
      Company: 'Gap Co',
      Email: 'lost.delete@gap.example',
    });
    const hubspotId = await stack.hubspotSandbox.userCreateContact({
      email: 'lost.delete@gap.example',
      firstname: 'Lost',
      lastname: 'Gap',
    });
    await stack.process([hubspotNotice(hubspotId, { kind: 'created' })]);
    expect((await pairOf(hubspotId))?.salesforceId).toBe(loserId);
    const masterId = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Master',
      Company: 'Gap Co',
      Email: 'lost.delete@gap.example', // a duplicate Lead of the same person (finding 7: same email)
    });
    await stack.salesforceSandbox.merge('Lead', masterId, [loserId]); // its CDC delete never reaches us
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'After the merge' });

    const result = await stack.process([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);

    expect(result.batchItemFailures).toEqual([]);
    expect(await pairOf(hubspotId)).toMatchObject({ salesforceId: masterId });
    expect(stack.salesforceSandbox.getRecord(masterId)?.['Title']).toBe('After the merge');
    expect(result.summary).toMatchObject({ records: 1, synced: 1 });
  });
});

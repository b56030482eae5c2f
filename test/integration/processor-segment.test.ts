import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../lib/errors.ts';
import type { HubSpotPort } from '../../lib/ports.ts';
import { processBatch } from '../../lib/sync/processor.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { asMessages, hubspotNotice, salesforceNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const SEGMENT = '424242';

/** The segment gate (docs/design.md#segment) and identity, applied by the processor against the real CRMs. */
describe('processor: segment gate, creation and identity', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 3);
    // Select a segment whose only member is the first linked contact (membership as segment refresh stores it).
    await stack.store.putSettings(
      {
        inclusionSegmentId: SEGMENT,
        segmentSelectedAt: Date.now(),
        segmentLoaded: true,
        autoCreateFromLeads: true,
        autoCreateFromContacts: true,
        version: 1,
      },
      0,
    );
    await stack.store.replaceMembership(SEGMENT, [pairs.hubspotIds[0]!], { at: Date.now(), record: false });
  });
  afterAll(() => stack?.close());

  it('R3: a change to a contact outside the segment is not written, costs no CRM call, and says why', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[1]!, pairs.salesforceIds[1]!];
    const before = stack.salesforceSandbox.getRecord(leadId)?.['Title'];
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Not for Salesforce' });
    await stack.salesforceSandbox.userUpdate('Lead', pairs.salesforceIds[2]!, { Title: 'Not for HubSpot' });

    const { result, calls } = await stack.measure(() =>
      stack.process([
        hubspotNotice(hubspotId, { changedFields: ['jobtitle'] }),
        salesforceNotice('Contact', '003SB0000000000001', { changedFields: ['Title'] }),
      ]),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe(before);
    expect(calls.hubspot.reads + calls.hubspot.writes).toBe(0);
    expect(calls.salesforce.writes).toBe(0);
    const [latest] = await stack.store.listDecisions(`hubspot:${hubspotId}`, 1);
    expect(latest).toMatchObject({ outcome: 'skipped', reason: 'not-in-segment' });
  });

  it('R8: a Salesforce change to a linked Lead whose contact is outside the segment is not written to HubSpot', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[2]!, pairs.salesforceIds[2]!];

    const result = await stack.process([salesforceNotice('Lead', leadId, { changedFields: ['Title'] })]);

    expect(result.summary).toMatchObject({ skipped: 1, writes: { hubspot: 0, salesforce: 0 } });
    const [contact] = await stack.hubspot.readContacts([hubspotId], ['jobtitle']);
    expect(contact?.properties['jobtitle']).not.toBe('Not for HubSpot');
    expect((await stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId)?.salesforceId).toBe(leadId);
  });

  it('a member syncs', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[0]!, pairs.salesforceIds[0]!];
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Member title' });

    const result = await stack.process([hubspotNotice(hubspotId, { changedFields: ['jobtitle'] })]);

    expect(result.summary.synced).toBe(1);
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Member title');
  });

  it('R6: a new Salesforce Lead creates its HubSpot contact outside the segment; its later updates do not sync', async () => {
    const leadId = await stack.salesforceSandbox.userCreate('Lead', {
      FirstName: 'Auto',
      LastName: 'Created',
      Company: 'R6 Inc',
      Email: 'auto.created@r6.example',
      Title: 'First title',
    });

    const created = await stack.process([salesforceNotice('Lead', leadId, { kind: 'created' })]);

    expect(created.summary).toMatchObject({ synced: 1, writes: { hubspot: 1 } });
    const pair = (await stack.store.getPairsBySalesforceIds([leadId])).get(leadId);
    expect(pair?.origin).toBe('auto-create');
    const [contact] = await stack.hubspot.readContacts([pair!.hubspotId], ['email', 'jobtitle', 'lastname']);
    expect(contact?.properties).toMatchObject({
      email: 'auto.created@r6.example',
      jobtitle: 'First title',
      lastname: 'Created',
    });

    await stack.salesforceSandbox.userUpdate('Lead', leadId, { Title: 'Second title' });
    const later = await stack.process([salesforceNotice('Lead', leadId, { changedFields: ['Title'] })]);
    expect(later.summary).toMatchObject({ skipped: 1, writes: { hubspot: 0 } });
    const [after] = await stack.hubspot.readContacts([pair!.hubspotId], ['jobtitle']);
    expect(after?.properties['jobtitle']).toBe('First title');
  });

  it('a new member with no Salesforce record creates a Lead (Company from the default); an email match links instead', async () => {
    const fresh = await stack.hubspotSandbox.userCreateContact({
      email: 'new.member@create.example',
      firstname: 'New',
      lastname: 'Member',
    });
    const leadId = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Twin',
      Company: 'Twin Co',
      Email: 'Twin@Match.example',
    });
    const twin = await stack.hubspotSandbox.userCreateContact({
      email: 'twin@match.example',
      firstname: 'Twin',
      lastname: 'Twin',
    });
    await stack.store.replaceMembership(SEGMENT, [pairs.hubspotIds[0]!, fresh, twin], { at: Date.now() });

    const { result, calls } = await stack.measure(() =>
      stack.process([hubspotNotice(fresh, { kind: 'created' }), hubspotNotice(twin, { kind: 'created' })]),
    );

    expect(result.batchItemFailures).toEqual([]);
    const created = (await stack.store.getPairsByHubSpotIds([fresh])).get(fresh);
    expect(created).toMatchObject({ salesforceType: 'Lead', origin: 'created-in-salesforce' });
    expect(stack.salesforceSandbox.getRecord(created!.salesforceId)).toMatchObject({
      Email: 'new.member@create.example',
      Company: 'Unknown',
    });
    expect((await stack.store.getPairsByHubSpotIds([twin])).get(twin)).toMatchObject({
      salesforceId: leadId,
      origin: 'matched',
    });
    // One collection create (the new member's Lead) and one collection update (the twin's blank FirstName).
    expect(calls.salesforce.writes).toBe(2);
    const sameEmail = await stack.salesforce.findByEmail(['twin@match.example'], {
      Lead: ['Email'],
      Contact: ['Email'],
    });
    expect(sameEmail.map((r) => r.id)).toEqual([leadId]);
  });

  it('when a CRM read fails, the records the gate already skipped are acknowledged and only the others retried', async () => {
    const outside = asMessages([hubspotNotice(pairs.hubspotIds[1]!, { changedFields: ['jobtitle'] })]);
    const member = asMessages([hubspotNotice(pairs.hubspotIds[0]!, { changedFields: ['jobtitle'] })]);
    const failingReads: HubSpotPort = new Proxy(stack.hubspot, {
      get(target, prop, receiver) {
        if (prop === 'readContacts')
          return () => Promise.reject(new RetryableError('HubSpot 503 (simulated)', 'server'));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    const result = await processBatch(
      [...outside, ...member],
      stack.processorDeps({ hubspot: failingReads }),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: member[0]!.messageId }]);
    expect(result.summary).toMatchObject({ skipped: 1, retried: 1 });
  });

  it('R6: a late `created` notice about a Lead crmsync created is not an auto-create, even once unlinked by a merge', async () => {
    const member = await stack.hubspotSandbox.userCreateContact({
      email: 'made.by.crmsync@r6.example',
      firstname: 'Made',
      lastname: 'Here',
    });
    await stack.store.replaceMembership(SEGMENT, [pairs.hubspotIds[0]!, member], { at: Date.now() });
    await stack.process([hubspotNotice(member, { kind: 'created' })]);
    const leadId = (await stack.store.getPairsByHubSpotIds([member])).get(member)!.salesforceId;
    // The contact is merged into a linked member: its link goes, the Lead crmsync made stays unlinked.
    await stack.hubspotSandbox.userMergeContacts(pairs.hubspotIds[0]!, member);
    await stack.process([
      hubspotNotice(member, { kind: 'merged', survivorId: pairs.hubspotIds[0]!, mergedIds: [member] }),
    ]);
    expect((await stack.store.getPairsBySalesforceIds([leadId])).size).toBe(0);

    // Salesforce's outbound message for that creation arrives late (it carries no change origin).
    const { result, calls } = await stack.measure(() =>
      stack.process([salesforceNotice('Lead', leadId, { kind: 'created' })]),
    );

    expect(result.summary).toMatchObject({ skipped: 1, writes: { hubspot: 0 } });
    expect(calls.hubspot.writes).toBe(0);
    const [latest] = await stack.store.listDecisions(`salesforce:${leadId}`, 1);
    expect(latest).toMatchObject({ outcome: 'skipped', reason: 'not-in-segment' });
  });

  it('R6 is once: a replayed `created` notice does not re-create a contact that was merged away', async () => {
    const leadId = await stack.salesforceSandbox.userCreate('Lead', {
      LastName: 'Once',
      Company: 'R6 Once',
      Email: 'only.once@r6.example',
    });
    const createdNotice = salesforceNotice('Lead', leadId, { kind: 'created' });
    await stack.process([createdNotice]);
    const autoCreated = (await stack.store.getPairsBySalesforceIds([leadId])).get(leadId)!.hubspotId;
    // A user merges the auto-created contact into a linked member: the Lead is left unlinked.
    await stack.hubspotSandbox.userMergeContacts(pairs.hubspotIds[0]!, autoCreated);
    await stack.process([
      hubspotNotice(autoCreated, {
        kind: 'merged',
        survivorId: pairs.hubspotIds[0]!,
        mergedIds: [autoCreated],
      }),
    ]);

    const { result, calls } = await stack.measure(() =>
      stack.process([{ ...createdNotice, eventId: `${createdNotice.eventId}-replayed` }]),
    );

    expect(result.summary).toMatchObject({ skipped: 1, writes: { hubspot: 0 } });
    expect(calls.hubspot.writes).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { noMetrics, silentLog } from '../../lib/observability/observability.ts';
import { handleSalesforceOutbound } from '../../lib/salesforce/outbound-intake.ts';
import { generateOutboundToken } from '../../lib/salesforce/outbound-token.ts';
import { selectSegment } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { FakeChangeQueue } from '../intake/fakes.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * R6 is granted by the record, not by a notice's word (docs/reliability.md, finding 9): an outbound
 * message's `created` is only a claim; the Lead read in the same batch must confirm it (not crmsync's
 * own, created within the auto-create window, default 24 h). Through the real outbound intake (SOAP),
 * the processor, the adapters and the sandboxes.
 */
const DAY = 24 * 60 * 60_000;
/** The outbound endpoint's per-deployment URL token (an outbound message without it is refused). */
const OUTBOUND_TOKEN = generateOutboundToken();
let stack: TestStack;
let deps: SyncDeps;

beforeAll(async () => {
  stack = await startTestStack();
  deps = {
    store: stack.store,
    hubspot: stack.hubspot,
    salesforce: stack.salesforce,
    queue: new FakeChangeQueue(),
    config: stack.config,
    now: () => Date.now(),
  };
  const list = await stack.hubspot.createDynamicList('r6 evidence MQLs', {
    property: 'lifecyclestage',
    operator: 'IS_ANY_OF',
    values: ['marketingqualifiedlead'],
  });
  await selectSegment(deps, list.listId);
});
afterAll(async () => {
  await stack?.close();
});

/** What the outbound intake enqueues for a (possibly forged) message naming `leadId` with equal dates. */
async function outboundCreated(
  leadId: string,
  stamp: number,
  notificationId: string,
): Promise<ChangeNotice[]> {
  const iso = new Date(stamp).toISOString();
  const queue = new FakeChangeQueue();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">' +
    `<OrganizationId>${stack.config.salesforce.orgId}</OrganizationId><ActionId>04k000000000001AAA</ActionId>` +
    `<Notification><Id>${notificationId}</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">` +
    `<sf:Id>${leadId}</sf:Id><sf:CreatedDate>${iso}</sf:CreatedDate><sf:LastModifiedDate>${iso}</sf:LastModifiedDate>` +
    '</sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>';
  const res = await handleSalesforceOutbound(
    {
      method: 'POST',
      url: `https://intake.example.com/webhooks/salesforce/${OUTBOUND_TOKEN}`,
      headers: { 'content-type': 'text/xml' },
      body,
    },
    {
      queue,
      orgId: stack.config.salesforce.orgId,
      token: OUTBOUND_TOKEN,
      now: Date.now,
      logger: silentLog,
      metrics: noMetrics,
    },
  );
  expect(res.statusCode).toBe(200);
  return queue.sent;
}

async function contactByEmail(email: string) {
  return (
    await stack.hubspot.findContactsByEmail([email], ['firstname', 'lastname', 'company', 'hs_lead_status'])
  )[0];
}

describe('R6 is granted by the record', () => {
  it('R6/R3: a forged "created" outbound message for an old, unlinked lead writes nothing to the contact outside the segment, and records why', async () => {
    const email = 'forged-old@r6.example.com';
    const contactId = await stack.hubspotSandbox.userCreateContact({
      email,
      firstname: 'Keep',
      lastname: 'Mine',
      lifecyclestage: 'subscriber',
    });
    // An existing lead, loaded long ago (a data load: no outbound message, no CDC), never modified.
    const { leadIds } = stack.salesforceSandbox.seed({
      leads: 1,
      contacts: 0,
      seed: 11,
      overlapEmails: [email],
    });
    const leadId = leadIds[0]!;
    const notices = await outboundCreated(leadId, Date.now(), '04lFORGED0000001AAA');
    expect(notices).toEqual([expect.objectContaining({ recordId: leadId, kind: 'created' })]);

    // Processed a month after the lead was created: the record says it is not new.
    const before = stack.calls();
    const result = await stack.process(notices, { now: () => Date.now() + 30 * DAY });
    const after = stack.calls();
    expect(after.hubspot.writes - before.hubspot.writes).toBe(0);
    expect(result.batchItemFailures).toEqual([]);
    expect(await contactByEmail(email)).toMatchObject({
      id: contactId,
      properties: expect.objectContaining({ firstname: 'Keep', lastname: 'Mine', company: null }),
    });
    expect((await stack.store.getPairsBySalesforceIds([leadId])).size).toBe(0);
    const trace = await stack.store.listDecisions(`salesforce:${leadId}`, 20);
    expect(trace).toContainEqual(
      expect.objectContaining({
        outcome: 'skipped',
        reason: 'not-in-segment',
        detail: expect.objectContaining({ rule: 'R3', autoCreateRefused: 'created-before-window' }),
      }),
    );
  });

  it('R6: a real new lead (created by a Salesforce user just now) still creates its HubSpot contact outside the segment', async () => {
    const email = 'real-new@r6.example.com';
    const leadId = await stack.salesforceSandbox.userCreate('Lead', {
      Email: email,
      FirstName: 'New',
      LastName: 'Lead',
      Company: 'Initech',
    });
    const notices = await outboundCreated(leadId, Date.now(), '04lREALNEW0000001AAA');
    await stack.process(notices);
    const contact = await contactByEmail(email);
    expect(contact?.properties).toMatchObject({ firstname: 'New', lastname: 'Lead', company: 'Initech' });
    const pair = (await stack.store.getPairsBySalesforceIds([leadId])).get(leadId);
    expect(pair).toMatchObject({ hubspotId: contact?.id, origin: 'auto-create' });
  });

  it('R6/R3: a created notice replayed a week later, for a lead whose auto-create never happened, is an ordinary change', async () => {
    const email = 'replayed@r6.example.com';
    await stack.hubspotSandbox.userCreateContact({
      email,
      lastname: 'Outside',
      lifecyclestage: 'subscriber',
    });
    const leadId = await stack.salesforceSandbox.userCreate('Lead', {
      Email: email,
      LastName: 'Replayed',
      Company: 'Hooli',
      Title: 'CFO',
    });
    // The original delivery was lost; the same notification comes back a week later.
    const notices = await outboundCreated(leadId, Date.now(), '04lREPLAY00000001AAA');
    const before = stack.calls();
    await stack.process(notices, { now: () => Date.now() + 7 * DAY });
    expect(stack.calls().hubspot.writes - before.hubspot.writes).toBe(0);
    expect((await contactByEmail(email))?.properties).toMatchObject({ lastname: 'Outside', company: null });
    const trace = await stack.store.listDecisions(`salesforce:${leadId}`, 20);
    expect(trace).toContainEqual(
      expect.objectContaining({
        detail: expect.objectContaining({ autoCreateRefused: 'created-before-window' }),
      }),
    );
  });
});

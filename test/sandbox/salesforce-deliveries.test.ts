import { XMLParser } from 'fast-xml-parser';
import jsforce from 'jsforce';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RelayedEvent } from '../../sandbox/salesforce/cdc.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { type CaptureReceiver, soapAck, startCaptureReceiver } from '../../sandbox/salesforce/receiver.ts';

let sb: SalesforceSandbox;
let outbound: CaptureReceiver;
let cdc: CaptureReceiver;
let crmsync: jsforce.Connection;
let plain: jsforce.Connection;
const ORG = '00D000000000062EAA';

const parser = new XMLParser({
  processEntities: false,
  ignoreAttributes: false,
  removeNSPrefix: false,
  parseTagValue: false,
});

interface SoapNotification {
  Id: string;
  sObject: Record<string, string> & { '@_xsi:type': string };
}

function notificationsOf(xml: string): {
  header: Record<string, unknown>;
  notifications: SoapNotification[];
} {
  expect(xml).not.toContain('<!DOCTYPE');
  const doc = parser.parse(xml) as {
    'soapenv:Envelope': {
      'soapenv:Body': {
        notifications: Record<string, unknown> & { Notification: SoapNotification | SoapNotification[] };
      };
    };
  };
  const n = doc['soapenv:Envelope']['soapenv:Body'].notifications;
  const list = Array.isArray(n.Notification) ? n.Notification : [n.Notification];
  return { header: n, notifications: list };
}

/** Events in commit order: EventBridge does not guarantee delivery order, the header does. */
const events = (): RelayedEvent[] =>
  cdc.requests
    .map((r) => JSON.parse(r.body) as RelayedEvent)
    .sort((a, b) => {
      const x = a.detail.payload.ChangeEventHeader;
      const y = b.detail.payload.ChangeEventHeader;
      return x.commitNumber - y.commitNumber || x.sequenceNumber - y.sequenceNumber;
    });

beforeAll(async () => {
  outbound = await startCaptureReceiver();
  cdc = await startCaptureReceiver();
  sb = await startSalesforceSandbox({
    port: 0,
    autoDeliver: false,
    outboundUrl: outbound.url,
    cdcUrl: cdc.url,
  });
});
afterAll(async () => {
  await sb.close();
  await outbound.close();
  await cdc.close();
});
beforeEach(() => {
  sb.reset();
  crmsync = new jsforce.Connection({
    instanceUrl: sb.url,
    accessToken: 't',
    version: '64.0',
    callOptions: { client: 'crmsync' },
  });
  plain = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 't', version: '64.0' });
});
afterEach(() => {
  outbound.requests.length = 0;
  cdc.requests.length = 0;
  outbound.respondWith(() => ({ status: 200, body: soapAck(true), contentType: 'text/xml; charset=utf-8' }));
  cdc.respondWith(() => ({ status: 200, body: '{}', contentType: 'application/json' }));
});

describe('Salesforce sandbox: outbound messages', () => {
  it('sends the SOAP notifications envelope on create and update', async () => {
    const { id } = await plain
      .sobject('Lead')
      .create({ FirstName: 'Ann', LastName: 'Lee', Company: 'Globex', Email: 'ann@globex.example.com' });
    await plain.sobject('Lead').update({ Id: id as string, Title: 'CTO' });
    const flushed = await sb.flushDeliveries();
    expect(flushed.outbound).toBe(2);
    expect(outbound.requests).toHaveLength(1);
    const req = outbound.requests[0];
    expect(req?.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(req?.headers.soapaction).toBe('""');
    const { header, notifications } = notificationsOf(req?.body ?? '');
    expect(header.OrganizationId).toBe(ORG);
    expect(header.ActionId).toMatch(/^04k[A-Za-z0-9]{15}$/);
    expect(header.SessionId).toEqual({ '@_xsi:nil': 'true' });
    expect(header.EnterpriseUrl).toBe(`${sb.url}/services/Soap/c/64.0/${ORG.slice(0, 15)}`);
    expect(header.PartnerUrl).toBe(`${sb.url}/services/Soap/u/64.0/${ORG.slice(0, 15)}`);
    expect(notifications).toHaveLength(2);
    expect(notifications[0]?.Id).toMatch(/^04l/);
    expect(notifications[0]?.sObject['@_xsi:type']).toBe('sf:Lead');
    expect(notifications[0]?.sObject['@_xmlns:sf']).toBe('urn:sobject.enterprise.soap.sforce.com');
    expect(notifications[0]?.sObject['sf:Id']).toBe(id);
    expect(notifications[0]?.sObject['sf:Email']).toBe('ann@globex.example.com');
    expect(notifications[0]?.sObject['sf:Title']).toBeUndefined();
    expect(notifications[1]?.sObject['sf:Title']).toBe('CTO');
    expect(notifications[1]?.sObject['sf:LastModifiedDate']).toMatch(/Z$/);
  });

  it('packs at most 100 notifications per message, one message per object', async () => {
    await plain.sobject('Contact').create(Array.from({ length: 150 }, (_, i) => ({ LastName: `C${i}` })));
    await plain.sobject('Lead').create({ LastName: 'L', Company: 'C' });
    expect(await sb.flushDeliveries()).toMatchObject({ outbound: 151, failed: 0 });
    const sizes = outbound.requests
      .map((r) => notificationsOf(r.body).notifications.length)
      .sort((a, b) => a - b);
    expect(sizes).toEqual([1, 50, 100]);
    const types = outbound.requests.map(
      (r) => notificationsOf(r.body).notifications[0]?.sObject['@_xsi:type'],
    );
    expect(new Set(types)).toEqual(new Set(['sf:Contact', 'sf:Lead']));
  });

  it('retries until the endpoint answers Ack true, escaping XML in values', async () => {
    let calls = 0;
    outbound.respondWith(() => {
      calls++;
      if (calls === 1) return { status: 500, body: 'boom' };
      if (calls === 2) return { status: 200, body: soapAck(false), contentType: 'text/xml' };
      return { status: 200, body: soapAck(true), contentType: 'text/xml' };
    });
    await sb.userCreate('Contact', { LastName: "O'Brien & <Sons>" });
    expect(await sb.flushDeliveries()).toEqual({ outbound: 0, cdc: 1, failed: 1 });
    expect(await sb.flushDeliveries()).toEqual({ outbound: 0, cdc: 0, failed: 1 });
    expect(await sb.flushDeliveries()).toEqual({ outbound: 1, cdc: 0, failed: 0 });
    expect(await sb.flushDeliveries()).toEqual({ outbound: 0, cdc: 0, failed: 0 });
    expect(outbound.requests).toHaveLength(3);
    const ids = outbound.requests.map((r) => notificationsOf(r.body).notifications[0]?.Id);
    expect(new Set(ids).size).toBe(1); // the same notification id on every redelivery
    expect(outbound.requests[2]?.body).toContain(
      '<sf:LastName>O&apos;Brien &amp; &lt;Sons&gt;</sf:LastName>',
    );
  });

  it('on its own, retries an unacknowledged message with growing delays until Ack true', async () => {
    const receiver = await startCaptureReceiver();
    let calls = 0;
    receiver.respondWith(() =>
      ++calls < 3
        ? { status: 500, body: 'down' }
        : { status: 200, body: soapAck(true), contentType: 'text/xml' },
    );
    const auto = await startSalesforceSandbox({ port: 0, outboundUrl: receiver.url, deliveryWindowMs: 5 });
    try {
      await auto.userCreate('Contact', { LastName: 'Retry' });
      // Automatic delivery runs on timers; wait (bounded) for the third attempt.
      for (let i = 0; i < 300 && receiver.requests.length < 3; i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(receiver.requests).toHaveLength(3);
      // Acked: nothing is left to deliver.
      expect(await auto.flushDeliveries()).toEqual({ outbound: 0, cdc: 0, failed: 0 });
      expect(receiver.requests).toHaveLength(3);
    } finally {
      await auto.close();
      await receiver.close();
    }
  });

  it('delivers automatically after the batching window when autoDeliver is on', async () => {
    const receiver = await startCaptureReceiver();
    const auto = await startSalesforceSandbox({ port: 0, outboundUrl: receiver.url, deliveryWindowMs: 5 });
    try {
      await auto.userCreate('Contact', { LastName: 'Auto' });
      for (let i = 0; i < 200 && receiver.requests.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await auto.close();
      await receiver.close();
    }
  });
});

describe('Salesforce sandbox: Change Data Capture via Event Relay', () => {
  it('wraps a CREATE in the EventBridge envelope with changeOrigin naming the client', async () => {
    const { id } = await crmsync
      .sobject('Contact')
      .create({ FirstName: 'Eve', LastName: 'Ng', Email: 'eve@example.com', MailingCity: 'Oslo' });
    await sb.flushDeliveries();
    const [e] = events();
    expect(e).toMatchObject({
      version: '0',
      'detail-type': 'ContactChangeEvent',
      source: `aws.partner/salesforce.com/${ORG}/0YLSB0000000001AAA`,
      region: 'us-east-1',
      resources: [],
    });
    expect(e?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const h = e?.detail.payload.ChangeEventHeader;
    expect(h).toMatchObject({
      entityName: 'Contact',
      recordIds: [id],
      changeType: 'CREATE',
      changeOrigin: 'com/salesforce/api/rest/64.0;client=crmsync',
      sequenceNumber: 1,
      commitUser: expect.stringMatching(/^005/),
      changedFields: [],
      nulledFields: [],
      diffFields: [],
    });
    expect(typeof h?.transactionKey).toBe('string');
    expect(typeof h?.commitNumber).toBe('number');
    expect(typeof h?.commitTimestamp).toBe('number');
    expect(e?.detail.payload).toMatchObject({
      Name: { FirstName: 'Eve', LastName: 'Ng' },
      Email: 'eve@example.com',
      MailingAddress: { City: 'Oslo' },
    });
    expect(e?.detail.payload).not.toHaveProperty('SystemModstamp');
    expect(e?.detail.payload).not.toHaveProperty('IsDeleted');
  });

  it('UPDATE lists changed and nulled fields (compound components as Name.LastName) and carries only those', async () => {
    const id = await sb.userCreate('Lead', {
      LastName: 'Old',
      Company: 'C',
      Title: 'VP',
      Email: 'u@example.com',
    });
    await sb.flushDeliveries();
    cdc.requests.length = 0;
    await crmsync.sobject('Lead').update({ Id: id, LastName: 'New', Title: null });
    await sb.flushDeliveries();
    const [e] = events();
    const h = e?.detail.payload.ChangeEventHeader;
    expect(h?.changeType).toBe('UPDATE');
    expect(h?.changedFields).toEqual(['Name.LastName', 'Title', 'LastModifiedDate']);
    expect(h?.nulledFields).toEqual(['Title']);
    const payload: Record<string, unknown> = { ...e?.detail.payload };
    delete payload.ChangeEventHeader;
    expect(Object.keys(payload).sort()).toEqual(['LastModifiedDate', 'Name', 'Title']);
    expect(payload.Title).toBeNull();
    expect(payload.Name).toEqual({ LastName: 'New' });
  });

  it('a UI user change has changeOrigin "", a REST call without call options has no client', async () => {
    await sb.userCreate('Contact', { LastName: 'Ui' });
    await plain.sobject('Contact').create({ LastName: 'Api' });
    await sb.flushDeliveries();
    expect(events().map((e) => e.detail.payload.ChangeEventHeader.changeOrigin)).toEqual([
      '',
      'com/salesforce/api/rest/64.0',
    ]);
  });

  it('one collection call is one transaction: shared transactionKey, sequence 1..n', async () => {
    await crmsync.sobject('Contact').create([{ LastName: 'A' }, { LastName: 'B' }, { LastName: 'C' }]);
    await sb.flushDeliveries();
    const hs = events().map((e) => e.detail.payload.ChangeEventHeader);
    expect(new Set(hs.map((h) => h.transactionKey)).size).toBe(1);
    expect(hs.map((h) => h.sequenceNumber).sort()).toEqual([1, 2, 3]);
  });

  it('a rolled-back allOrNone collection emits nothing', async () => {
    await crmsync.sobject('Contact').create([{ LastName: 'A' }, { FirstName: 'bad' }], { allOrNone: true });
    expect(await sb.flushDeliveries()).toEqual({ outbound: 0, cdc: 0, failed: 0 });
  });

  it('DELETE, UNDELETE, merge and conversion events', async () => {
    const a = await sb.userCreate('Contact', { LastName: 'A' });
    const b = await sb.userCreate('Contact', { LastName: 'B' });
    const lead = await sb.userCreate('Lead', { LastName: 'L', Company: 'C' });
    await sb.flushDeliveries();
    cdc.requests.length = 0;
    await crmsync.sobject('Contact').destroy(a);
    await sb.userUndelete('Contact', a);
    await sb.merge('Contact', a, [b]);
    const { contactId, accountId } = await sb.convertLead(lead);
    await sb.flushDeliveries();
    const summary = events().map((e) => {
      const h = e.detail.payload.ChangeEventHeader;
      return `${h.entityName} ${h.changeType} ${h.recordIds[0]}`;
    });
    expect(summary).toEqual([
      `Contact DELETE ${a}`,
      `Contact UNDELETE ${a}`,
      `Contact UPDATE ${a}`,
      `Contact DELETE ${b}`,
      // Conversion creates the Account too; AccountChangeEvent is selected like Lead and Contact.
      `Account CREATE ${accountId}`,
      `Contact CREATE ${contactId}`,
      `Lead UPDATE ${lead}`,
    ]);
    const conversion = events()
      .slice(4)
      .map((e) => e.detail.payload.ChangeEventHeader);
    expect(new Set(conversion.map((h) => h.transactionKey)).size).toBe(1);
    expect(conversion.map((h) => h.sequenceNumber)).toEqual([1, 2, 3]);
    expect(conversion[2]?.changedFields).toEqual(
      expect.arrayContaining(['IsConverted', 'ConvertedContactId', 'ConvertedAccountId', 'Status']),
    );
  });

  it('emits GAP events with record ids and GAP_OVERFLOW with the empty record id', async () => {
    sb.emitGap('GAP_UPDATE', 'Lead', ['00QSB0000000001AAA']);
    sb.emitGap('GAP_OVERFLOW', 'Contact', []);
    await sb.flushDeliveries();
    const hs = events().map((e) => e.detail.payload.ChangeEventHeader);
    expect(hs.map((h) => [h.changeType, h.recordIds])).toEqual([
      ['GAP_UPDATE', ['00QSB0000000001AAA']],
      ['GAP_OVERFLOW', ['000000000000000AAA']],
    ]);
  });

  it('retries CDC deliveries on non-2xx; a drop-deliveries fault loses the event', async () => {
    let calls = 0;
    cdc.respondWith(() => (++calls === 1 ? { status: 503, body: 'busy' } : { status: 200, body: '{}' }));
    await sb.userCreate('Contact', { LastName: 'R' });
    expect(await sb.flushDeliveries()).toMatchObject({ cdc: 0, failed: 1 });
    expect(await sb.flushDeliveries()).toMatchObject({ cdc: 1, failed: 0 });
    sb.injectFault({ kind: 'drop-deliveries', target: 'cdc', count: 1 });
    cdc.requests.length = 0;
    await sb.userCreate('Contact', { LastName: 'Dropped' });
    await sb.flushDeliveries();
    expect(cdc.requests).toHaveLength(0);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RawHttpRequest } from '../../lib/http/http.ts';
import { isSalesforceId, sameSalesforceId, toSalesforceId18 } from '../../lib/salesforce/outbound-ids.ts';
import {
  type SalesforceOutboundDeps,
  handleSalesforceOutbound,
} from '../../lib/salesforce/outbound-intake.ts';
import { MAX_OUTBOUND_BODY_BYTES, parseOutboundMessage } from '../../lib/salesforce/outbound-message.ts';
import { CapturingLog, CapturingMetrics, FakeChangeQueue } from './fakes.ts';

/** Our own outbound messages in Salesforce's documented SOAP format (test/fixtures/salesforce). */
const fixtures = new URL('../fixtures/salesforce/', import.meta.url);
const sample = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');
const NOW = 1_764_390_000_000;
/** The org of the 2-contacts fixture, in its 15-character form. */
const SAMPLE_ORG = '00D5g000004XyZa';

/** The deployment's outbound-message token (the last path segment of the configured URL). */
const TOKEN = 'kX3v9Qe7Zt1Lr8Wm2Np5Ys4Hb6Jc0Dg-Fa_UoIuEwT';
const post = (
  body: string,
  url = `https://intake.example.com/webhooks/salesforce/${TOKEN}`,
): RawHttpRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
  body,
});

function setup(orgId = SAMPLE_ORG) {
  return {
    queue: new FakeChangeQueue(),
    orgId,
    token: TOKEN,
    now: () => NOW,
    logger: new CapturingLog(),
    metrics: new CapturingMetrics(),
  } satisfies SalesforceOutboundDeps;
}

/** An outbound message like Salesforce sends, for the config's org. */
function message(notifications: string[], orgId = '00D000000000062EAA'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">' +
    `<OrganizationId>${orgId}</OrganizationId><ActionId>04k000000000001AAA</ActionId>` +
    '<SessionId xsi:nil="true"/><EnterpriseUrl>https://x.my.salesforce.com/services/Soap/c/64.0/00D000000000062</EnterpriseUrl>' +
    '<PartnerUrl>https://x.my.salesforce.com/services/Soap/u/64.0/00D000000000062</PartnerUrl>' +
    notifications.join('') +
    '</notifications></soapenv:Body></soapenv:Envelope>'
  );
}
function notification(id: string, type: string, recordId: string, fields = ''): string {
  return `<Notification><Id>${id}</Id><sObject xsi:type="sf:${type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>${recordId}</sf:Id>${fields}</sObject></Notification>`;
}

describe('C8: outbound messages for Accounts', () => {
  it('C8: an Account notification becomes an Account notice', async () => {
    const deps = setup('00D000000000062EAA');
    const res = await handleSalesforceOutbound(
      post(message([notification('04l000000000009AAA', 'Account', '001000000000001AAA')])),
      deps,
    );
    expect(res.statusCode).toBe(200);
    expect(deps.queue.sent).toMatchObject([
      { source: 'salesforce', objectType: 'Account', recordId: '001000000000001AAA' },
    ]);
  });
});

describe('Salesforce ids', () => {
  it('computes the 18-character form and compares 15 with 18', () => {
    expect(toSalesforceId18('00D000000000062')).toBe('00D000000000062EAA');
    expect(toSalesforceId18('0031I0000081tbP')).toBe('0031I0000081tbPQAQ');
    expect(sameSalesforceId('00D000000000062', '00D000000000062EAA')).toBe(true);
    expect(sameSalesforceId('00d000000000062', '00D000000000062EAA')).toBe(false);
    expect(isSalesforceId('0123456789ABCDENNN')).toBe(true);
    expect(isSalesforceId('0123456789ABCD')).toBe(false);
    expect(isSalesforceId('0031I0000081tbPQA\u0000')).toBe(false);
    expect(toSalesforceId18('0031I0000081tbPQAQ')).toBe('0031I0000081tbPQAQ');
    expect(isSalesforceId('0031I0000081tbPQAQ')).toBe(true);
  });
});

describe('Salesforce outbound messages: wire-format fixtures', () => {
  it('queues both contacts of the sample message and answers the SOAP Ack', async () => {
    const deps = setup();
    const res = await handleSalesforceOutbound(post(sample('outbound-2-contacts.xml')), deps);
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toContain('text/xml');
    expect(res.body).toContain(
      '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>',
    );
    expect(deps.queue.sent).toEqual([
      {
        source: 'salesforce',
        objectType: 'Contact',
        recordId: '0035g00000ZkP1aAAF',
        kind: 'updated',
        eventId: 'salesforce-om:04l5g000001Qw3EAAS',
        occurredAt: Date.parse('2025-11-03T09:15:00.000Z'),
      },
      {
        source: 'salesforce',
        objectType: 'Contact',
        recordId: '0035g00000ZkP1bAAF',
        kind: 'updated',
        eventId: 'salesforce-om:04l5g000001Qw3FAAS',
        occurredAt: Date.parse('2025-11-03T09:10:30.000Z'),
      },
    ]);
  });

  it('accepts the org in its 18-character form when the message carries 15, and the reverse', async () => {
    const deps = setup(toSalesforceId18(SAMPLE_ORG));
    const res = await handleSalesforceOutbound(post(sample('outbound-2-contacts.xml')), deps);
    expect(res.statusCode).toBe(200);
    const deps15 = setup('00D000000000062');
    const res15 = await handleSalesforceOutbound(
      post(message([notification('04l000000000001AAA', 'Lead', '00Q000000000001EAA')])),
      deps15,
    );
    expect(res15.statusCode).toBe(200);
  });

  it('refuses a forged message without the deployment token: 401 before any parse, nothing queued', async () => {
    const body = message([notification('04l000000000001AAA', 'Lead', '00Q000000000001EAA')]);
    for (const url of [
      'https://intake.example.com/webhooks/salesforce',
      'https://intake.example.com/webhooks/salesforce/',
      `https://intake.example.com/webhooks/salesforce/${TOKEN.slice(0, -1)}`,
      `https://intake.example.com/webhooks/salesforce/${TOKEN}x`,
      `https://intake.example.com/webhooks/salesforce?token=${TOKEN}`,
    ]) {
      const deps = setup('00D000000000062EAA');
      const res = await handleSalesforceOutbound(post(body, url), deps);
      expect(res.statusCode, url).toBe(401);
      expect(res.body).toContain('unauthorized');
      expect(res.body).not.toContain('<Ack>');
      expect(deps.queue.calls, url).toBe(0);
      expect(deps.logger.text()).not.toContain(TOKEN);
    }
  });

  it('never opens the endpoint when the token is not configured (empty expected token)', async () => {
    const deps = { ...setup('00D000000000062EAA'), token: '' };
    const body = message([notification('04l000000000001AAA', 'Lead', '00Q000000000001EAA')]);
    const res = await handleSalesforceOutbound(
      post(body, 'https://intake.example.com/webhooks/salesforce/'),
      deps,
    );
    expect(res.statusCode).toBe(401);
    expect(deps.queue.calls).toBe(0);
  });

  it('rejects the message from another org (with a BOM) with 403 and a SOAP fault, queuing nothing', async () => {
    const deps = setup();
    const body = sample('outbound-3-leads-other-org-bom.xml');
    expect(body.charCodeAt(0)).toBe(0xfeff);
    const res = await handleSalesforceOutbound(post(body), deps);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('<faultcode>soapenv:Client</faultcode>');
    expect(res.body).toContain('wrong-organization');
    expect(res.body).not.toContain('<Ack>');
    expect(deps.queue.calls).toBe(0);
    expect(deps.metrics.get('salesforce-outbound.rejected')).toBe(1);
  });

  it('rejects the empty sample (no OrganizationId) as another org', async () => {
    const deps = setup();
    const res = await handleSalesforceOutbound(post(sample('outbound-empty-bom.xml')), deps);
    expect(res.statusCode).toBe(403);
  });
});

describe('Salesforce outbound messages: kinds and per-notification checks', () => {
  it("calls a record 'created' when CreatedDate equals LastModifiedDate, else 'updated'; 'deleted' when IsDeleted", () => {
    const parsed = parseOutboundMessage(
      message([
        notification(
          '04l000000000001AAA',
          'Lead',
          '00Q000000000001EAA',
          '<sf:CreatedDate>2026-01-01T10:00:00.000Z</sf:CreatedDate><sf:LastModifiedDate>2026-01-01T10:00:00.000Z</sf:LastModifiedDate>',
        ),
        notification(
          '04l000000000002AAA',
          'Lead',
          '00Q000000000002EAA',
          '<sf:CreatedDate>2026-01-01T10:00:00.000Z</sf:CreatedDate><sf:LastModifiedDate>2026-01-02T10:00:00.000Z</sf:LastModifiedDate>',
        ),
        notification(
          '04l000000000003AAA',
          'Contact',
          '003000000000003AAA',
          '<sf:CreatedDate>2026-01-01T10:00:00.000Z</sf:CreatedDate><sf:SystemModstamp>2026-01-01T10:00:00.000Z</sf:SystemModstamp>',
        ),
        notification(
          '04l000000000004AAA',
          'Contact',
          '003000000000004AAA',
          '<sf:IsDeleted>true</sf:IsDeleted>',
        ),
      ]),
      NOW,
    );
    expect(parsed.notifications.map((n) => [n.kind, n.occurredAt])).toEqual([
      ['created', Date.parse('2026-01-01T10:00:00.000Z')],
      ['updated', Date.parse('2026-01-02T10:00:00.000Z')],
      ['created', Date.parse('2026-01-01T10:00:00.000Z')],
      ['deleted', NOW],
    ]);
  });

  it('skips other objects and malformed ids, still queues and acknowledges the rest', async () => {
    const deps = setup('00D000000000062EAA');
    const body = message([
      notification('04l000000000001AAA', 'Opportunity', '006000000000001AAA'),
      notification('04l000000000002AAA', 'Lead', 'not-an-id'),
      notification('04l000000000003AAA', 'Lead', '00Q000000000003'),
      '<Notification><Id>04l000000000004AAA</Id></Notification>',
    ]);
    const res = await handleSalesforceOutbound(post(body), deps);
    expect(res.statusCode).toBe(200);
    expect(deps.queue.sent.map((n) => n.recordId)).toEqual([toSalesforceId18('00Q000000000003')]);
    expect(deps.metrics.get('salesforce-outbound.ignored')).toBe(3);
    for (const reason of ['unsupported-object', 'invalid-id', 'invalid-notification'])
      expect(deps.logger.find('salesforce notifications ignored', reason), reason).toBeDefined();
  });

  it('keeps a notification whose fields have __proto__/constructor tags, unicode, NUL references and invalid emails', async () => {
    const deps = setup('00D000000000062EAA');
    const fields =
      '<sf:__proto__><sf:polluted>yes</sf:polluted></sf:__proto__><sf:constructor>x</sf:constructor><sf:toString>y</sf:toString>' +
      '<sf:Email>not an email</sf:Email><sf:FirstName>Zoe\u0308 \u05D0\u05D1 😀 &#0; &amp;</sf:FirstName><sf:LastName>e\u0301</sf:LastName>';
    const res = await handleSalesforceOutbound(
      post(message([notification('04l000000000001AAA', 'Contact', '003000000000001AAA', fields)])),
      deps,
    );
    expect(res.statusCode).toBe(200);
    expect(deps.queue.sent.map((n) => n.recordId)).toEqual(['003000000000001AAA']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('queues a repeated notification once', async () => {
    const deps = setup('00D000000000062EAA');
    const n = notification('04l000000000001AAA', 'Lead', '00Q000000000001EAA');
    await handleSalesforceOutbound(post(message([n, n])), deps);
    expect(deps.queue.sent).toHaveLength(1);
  });
});

describe('Salesforce outbound messages: unsafe and malformed input', () => {
  const billionLaughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';
  const cases: [string, string, number, string][] = [
    ['billion laughs', billionLaughs, 400, 'doctype'],
    ['an external entity (XXE)', xxe, 400, 'doctype'],
    ['a DOCTYPE after a BOM, in lower case', `\uFEFF<!doctype x>${message([])}`, 400, 'doctype'],
    ['unbalanced tags', '<soapenv:Envelope><soapenv:Body></soapenv:Envelope>', 400, 'malformed-xml'],
    ['not XML at all', '{"json":true}', 400, 'malformed-xml'],
    ['an empty body', '', 400, 'malformed-xml'],
    [
      'a SOAP body that is not notifications',
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><other/></soapenv:Body></soapenv:Envelope>',
      400,
      'not-notifications',
    ],
    [
      'more than 100 notifications',
      message(
        Array.from({ length: 101 }, (_, i) =>
          notification(`04l0000000000${String(i).padStart(2, '0')}AAA`, 'Lead', '00Q000000000001EAA'),
        ),
      ),
      400,
      'too-many-notifications',
    ],
    ['an oversized body', `${message([])}${' '.repeat(MAX_OUTBOUND_BODY_BYTES)}`, 413, 'body-too-large'],
  ];
  for (const [name, body, status, reason] of cases) {
    it(`rejects ${name} with ${status} and a SOAP fault, a log line and a metric`, async () => {
      const deps = setup('00D000000000062EAA');
      const res = await handleSalesforceOutbound(post(body), deps);
      expect(res.statusCode).toBe(status);
      expect(res.body).toContain('<soapenv:Fault>');
      expect(res.body).toContain(reason);
      expect(res.body).not.toContain('Ack');
      expect(deps.queue.calls).toBe(0);
      expect(deps.metrics.get('salesforce-outbound.rejected')).toBe(1);
      expect(deps.logger.find('salesforce outbound message rejected', reason)).toBeDefined();
    });
  }

  it('never acknowledges what was not queued: queue failure → 503 Server fault, then the redelivery is acknowledged', async () => {
    const deps = setup('00D000000000062EAA');
    deps.queue.failNext = 1;
    const body = message([notification('04l000000000001AAA', 'Lead', '00Q000000000001EAA')]);
    const res = await handleSalesforceOutbound(post(body), deps);
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('<faultcode>soapenv:Server</faultcode>');
    expect(res.body).not.toContain('Ack');
    const again = await handleSalesforceOutbound(post(body), deps);
    expect(again.statusCode).toBe(200);
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('logs no email, field value or session id', async () => {
    const deps = setup();
    const body = sample('outbound-2-contacts.xml');
    deps.queue.failNext = 1;
    await handleSalesforceOutbound(post(body), deps);
    await handleSalesforceOutbound(post(body), deps);
    await handleSalesforceOutbound(post(sample('outbound-3-leads-other-org-bom.xml')), deps);
    // An attacker may put an email where an id belongs: it is not echoed into the log.
    await handleSalesforceOutbound(
      post(message([], 'victim@example.com').replace('04k000000000001AAA', 'boss@example.com')),
      deps,
    );
    const ok = setup('00D000000000062EAA');
    await handleSalesforceOutbound(post(message([]).replace('04k000000000001AAA', 'boss@example.com')), ok);
    expect(ok.logger.text()).not.toContain('boss@example.com');
    expect(deps.logger.text()).toContain('(not an id)');
    const text = deps.logger.text();
    for (const secret of [
      'victim@example.com',
      'boss@example.com',
      'ravi.menon@example.org',
      'Menon',
      'AQ4AQFixtureSession',
      'AQ4AQAnotherOrgFixtureSession',
    ])
      expect(text).not.toContain(secret);
  });
});

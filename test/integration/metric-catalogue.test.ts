import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleHubSpotWebhook } from '../../lib/hubspot/webhook-intake.ts';
import { CUSTOM_METRIC_COUNT, METRIC_CATALOGUE } from '../../lib/observability/metric-catalogue.ts';
import { handleSalesforceCdc } from '../../lib/salesforce/cdc-intake.ts';
import { handleSalesforceOutbound } from '../../lib/salesforce/outbound-intake.ts';
import { CapturingLog, CapturingMetrics, FakeChangeQueue } from '../intake/fakes.ts';
import { APP_ID, hubspotEvent, NOW, signedRequest, webhookIntakeDeps } from '../intake/signed-request.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { hubspotNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * Custom metrics: bounded cardinality. Each distinct metric name (per service) is a billed
 * CloudWatch custom metric, so the handlers run through many different outcomes, reasons and error
 * categories here, and every name they emit must be in lib/observability/metric-catalogue.ts.
 */
const ORG = '00D000000000062EAA';
const TOKEN = 'Mq3v9Le7Zr1Lx8Wm2Np5Ys4Hb6Jc0Dg-Fa_UoIuEwZ';

function expectCatalogued(service: keyof typeof METRIC_CATALOGUE, metrics: CapturingMetrics): void {
  const allowed: readonly string[] = METRIC_CATALOGUE[service];
  expect(metrics.counts.size, service).toBeGreaterThan(0);
  for (const name of metrics.counts.keys()) expect(allowed, `${service} emitted ${name}`).toContain(name);
}

describe('Custom metrics: bounded cardinality', () => {
  it('the intake emits one metric per outcome whatever the reason', async () => {
    const hubspotDeps = webhookIntakeDeps();
    const hubspot = hubspotDeps.metrics;
    const events = [
      hubspotEvent({ objectId: 1 }),
      hubspotEvent({ objectId: 2, subscriptionType: 'company.creation' }),
      hubspotEvent({ objectId: 3, subscriptionType: 'contact.unknown' }),
      hubspotEvent({ objectId: 4, changeSource: 'INTEGRATION', sourceId: APP_ID }),
    ];
    await handleHubSpotWebhook(signedRequest(JSON.stringify(events)), hubspotDeps);
    await handleHubSpotWebhook(signedRequest('[]', { secret: 'wrong' }), hubspotDeps);
    await handleHubSpotWebhook(signedRequest('[]', { timestamp: NOW - 3_600_000 }), hubspotDeps);
    expectCatalogued('hubspot-webhook', hubspot);

    const outbound = new CapturingMetrics();
    const outboundDeps = {
      queue: new FakeChangeQueue(),
      orgId: ORG,
      token: TOKEN,
      now: () => NOW,
      logger: new CapturingLog(),
      metrics: outbound,
    };
    const url = `https://intake.example.com/webhooks/salesforce/${TOKEN}`;
    const soap = (org: string) =>
      `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${org}</OrganizationId></notifications></soapenv:Body></soapenv:Envelope>`;
    for (const [body, at] of [
      [soap(ORG), url],
      [soap('00D000000000099EAA'), url],
      ['<not xml', url],
      [soap(ORG), 'https://intake.example.com/webhooks/salesforce/nope'],
    ] as const)
      await handleSalesforceOutbound({ method: 'POST', url: at, headers: {}, body }, outboundDeps);
    expectCatalogued('salesforce-outbound', outbound);

    const cdc = new CapturingMetrics();
    const cdcDeps = {
      queue: new FakeChangeQueue(),
      clientName: 'crmsync',
      orgId: ORG,
      logger: new CapturingLog(),
      metrics: cdc,
    };
    const event = (header: Record<string, unknown>, source?: string) => ({
      'detail-type': 'LeadChangeEvent',
      source: source ?? `aws.partner/salesforce.com/${ORG}/0YL000000000001AAA`,
      detail: {
        payload: {
          ChangeEventHeader: {
            entityName: 'Lead',
            recordIds: ['00Q000000000009EAA'],
            changeType: 'UPDATE',
            changeOrigin: '',
            transactionKey: 't',
            sequenceNumber: 1,
            commitTimestamp: 1,
            ...header,
          },
        },
      },
    });
    await handleSalesforceCdc(event({}), cdcDeps);
    await handleSalesforceCdc(
      event({ changeOrigin: 'com/salesforce/api/rest/64.0;client=crmsync' }),
      cdcDeps,
    );
    await handleSalesforceCdc(event({ entityName: 'Account' }), cdcDeps);
    await handleSalesforceCdc(event({}, ''), cdcDeps);
    expectCatalogued('salesforce-cdc', cdc);
  });

  describe('the processor', () => {
    let stack: TestStack;
    let pairs: LinkedPairs;
    beforeAll(async () => {
      stack = await startTestStack();
      pairs = await seedLinkedPairs(stack, 3);
    });
    afterAll(() => stack?.close());

    it('emits one processor.error for any error category, never a name per category or reason', async () => {
      const [tooLong, fine] = [pairs.hubspotIds[0]!, pairs.hubspotIds[1]!];
      await stack.hubspotSandbox.userUpdateContact(tooLong, { jobtitle: 'T'.repeat(200) });
      await stack.hubspotSandbox.userUpdateContact(fine, { jobtitle: 'Metric check' });
      const metrics = new CapturingMetrics();
      const result = await stack.process(
        [tooLong, fine, '999999999'].map((id) => hubspotNotice(id, { changedFields: ['jobtitle'] })),
        { metrics },
      );
      expect(result.summary.errors).toBe(1);
      expect(metrics.get('processor.error')).toBe(1);
      expectCatalogued('processor', metrics);
    });
  });

  it('the catalogue is the documented count (docs/operations.md#metrics)', () => {
    expect(CUSTOM_METRIC_COUNT).toBe(42);
    expect(readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8')).toContain(
      `${CUSTOM_METRIC_COUNT} custom metrics`,
    );
  });
});

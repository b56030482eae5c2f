import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { handleHubSpotWebhook } from '../../lib/hubspot/webhook-intake.ts';
import { ReplayGuard } from '../../lib/hubspot/webhook-replay.ts';
import { jsonResult } from '../../lib/http/http.ts';
import { noMetrics, silentLog } from '../../lib/observability/observability.ts';
import type { ChangeQueue } from '../../lib/ports.ts';
import { handleSalesforceCdc } from '../../lib/salesforce/cdc-intake.ts';
import { handleSalesforceOutbound } from '../../lib/salesforce/outbound-intake.ts';
import { generateOutboundToken } from '../../lib/salesforce/outbound-token.ts';
import { type IntakeServer, startIntakeServer } from '../intake/intake-server.ts';
import type { TestStack } from '../support/test-stack.ts';
import { type CrmsyncWrite, hubspotWritesOf, isGapEvent, salesforceChangesOf } from './crm-feeds.ts';

/** The outbound-message URL token of the reliability intake. */
const OUTBOUND_TOKEN = generateOutboundToken();

/** Where the intake reports what it saw: the harness's records of the CRMs' feeds. */
export interface IntakeSink {
  /** Notices the intake accepted: held until a step queues them. */
  hold(notices: ChangeNotice[]): void;
  /** Every write crmsync made to either CRM, from the CRMs' change feeds. */
  writes: CrmsyncWrite[];
  /** Every Salesforce record change (any author), from CDC: record id → commit times. */
  salesforceChanges: Map<string, number[]>;
  /** Counts the CDC gap events delivered. */
  gapEvent(): void;
}

/**
 * The real intake functions (HubSpot webhooks, Salesforce outbound messages and CDC) behind a loopback
 * server, with both sandboxes pointed at it. The queue they send to only holds the notices (`sink.hold`),
 * so a step decides how they reach SQS (in order, reversed, duplicated or not at all).
 */
export async function startReliabilityIntake(stack: TestStack, sink: IntakeSink): Promise<IntakeServer> {
  const holding: ChangeQueue = {
    send: async (notices) => sink.hold(notices),
  };
  const { config } = stack;
  const replayGuard = new ReplayGuard();
  const intake = await startIntakeServer({
    '/webhooks/hubspot': async (req) => {
      sink.writes.push(...hubspotWritesOf(req.body, config.hubspot.appId));
      return handleHubSpotWebhook(req, {
        queue: holding,
        clientSecret: stack.hubspotSandbox.clientSecret,
        appId: config.hubspot.appId,
        portalId: config.hubspot.portalId,
        now: Date.now,
        logger: silentLog,
        metrics: noMetrics,
        replayGuard,
      });
    },
    [`/webhooks/salesforce/${OUTBOUND_TOKEN}`]: (req) =>
      handleSalesforceOutbound(req, {
        queue: holding,
        orgId: config.salesforce.orgId,
        token: OUTBOUND_TOKEN,
        now: Date.now,
        logger: silentLog,
        metrics: noMetrics,
      }),
    '/events/salesforce': async (req) => {
      const event: unknown = JSON.parse(req.body);
      if (isGapEvent(event)) sink.gapEvent();
      for (const change of salesforceChangesOf(event, config.salesforce.clientName)) {
        sink.salesforceChanges.set(change.id, [...(sink.salesforceChanges.get(change.id) ?? []), change.at]);
        if (change.write) sink.writes.push(change.write);
      }
      const result = await handleSalesforceCdc(event, {
        queue: holding,
        clientName: config.salesforce.clientName,
        orgId: config.salesforce.orgId,
        logger: silentLog,
        metrics: noMetrics,
      });
      return jsonResult(200, result);
    },
  });
  stack.hubspotSandbox.setWebhookUrl(`${intake.url}/webhooks/hubspot`);
  stack.salesforceSandbox.configure({
    outboundUrl: `${intake.url}/webhooks/salesforce/${OUTBOUND_TOKEN}`,
    cdcUrl: `${intake.url}/events/salesforce`,
  });
  return intake;
}

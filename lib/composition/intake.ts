import type { CrmSyncConfig } from '../config.ts';
import type { HubSpotWebhookDeps } from '../hubspot/webhook-intake.ts';
import type { ReplayGuard } from '../hubspot/webhook-replay.ts';
import type { Log, MetricsSink } from '../observability/observability.ts';
import type { ChangeQueue } from '../ports.ts';
import type { SalesforceCdcDeps } from '../salesforce/cdc-intake.ts';
import type { SalesforceOutboundDeps } from '../salesforce/outbound-intake.ts';

/**
 * The composition root's intake side (`lib/composition/`, see `sync.ts` for the rest): the
 * dependencies of the three intake endpoints, for the Lambda functions and the local server alike.
 * A file of its own, importing types only, so the intake bundles stay free of jsforce and the
 * HubSpot client (they only verify, parse and enqueue: a smaller bundle starts faster).
 */

/** What the three intake endpoints share: the queue they fill, the config, and where they log and count. */
export interface IntakeParts {
  queue: ChangeQueue;
  config: CrmSyncConfig;
  logger: Log;
  metrics: MetricsSink;
  now?: () => number;
}

/** The intake endpoints' dependencies, for `handleHubSpotWebhook`, `handleSalesforceOutbound` and `handleSalesforceCdc`. */
export interface IntakeComposition {
  /** The app's client secret signs HubSpot's v3 signature; one replay guard per host (Lambda container, local process). */
  hubspotWebhook(clientSecret: string, replayGuard: ReplayGuard): HubSpotWebhookDeps;
  /** The token the outbound-message URL must end with (the intake secret, or the local data dir). */
  salesforceOutbound(token: string): SalesforceOutboundDeps;
  salesforceCdc: SalesforceCdcDeps;
}

/** Composes the intake: which app, portal, org and Salesforce client name are ours comes from the config. */
export function composeIntake(parts: IntakeParts): IntakeComposition {
  const { queue, config, logger, metrics } = parts;
  const now = parts.now ?? Date.now;
  return {
    hubspotWebhook: (clientSecret, replayGuard) => ({
      queue,
      clientSecret,
      appId: config.hubspot.appId,
      portalId: config.hubspot.portalId,
      now,
      logger,
      metrics,
      replayGuard,
    }),
    salesforceOutbound: (token) => ({ queue, orgId: config.salesforce.orgId, token, now, logger, metrics }),
    salesforceCdc: {
      queue,
      clientName: config.salesforce.clientName,
      orgId: config.salesforce.orgId,
      logger,
      metrics,
    },
  };
}

import { composeIntake, type IntakeParts } from '../../composition/intake.ts';
import { handleHubSpotWebhook } from '../../hubspot/webhook-intake.ts';
import { ReplayGuard } from '../../hubspot/webhook-replay.ts';
import { handleSalesforceCdcHttp } from '../../salesforce/cdc-intake.ts';
import { handleSalesforceOutbound } from '../../salesforce/outbound-intake.ts';
import type { StackServices } from '../services.ts';

/**
 * The intake endpoints of the local server: the same handlers, with the same dependencies from the
 * composition root, as the Lambda functions behind API Gateway and EventBridge. CDC arrives over HTTP
 * here (the sandbox posts the EventBridge envelope, as an API destination would).
 */
export function createIntake(
  parts: IntakeParts,
  secrets: { clientSecret: string; outboundToken: string },
): StackServices['intake'] {
  const intake = composeIntake(parts);
  // One replay guard per process, as one per Lambda container.
  const replayGuard = new ReplayGuard();
  return {
    hubspotWebhook: (req) =>
      handleHubSpotWebhook(req, intake.hubspotWebhook(secrets.clientSecret, replayGuard)),
    salesforceOutbound: (req) =>
      handleSalesforceOutbound(req, intake.salesforceOutbound(secrets.outboundToken)),
    salesforceCdc: (req) => handleSalesforceCdcHttp(req, intake.salesforceCdc),
  };
}

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { composeIntake } from '../lib/composition/intake.ts';
import { handleHubSpotWebhook } from '../lib/hubspot/webhook-intake.ts';
import { ReplayGuard } from '../lib/hubspot/webhook-replay.ts';
import { toApiGatewayResult, toRawHttpRequest } from '../lib/lambda/api-gateway.ts';
import { type IntakeDependencies, buildIntakeDependencies } from '../lib/lambda/dependencies.ts';
import { jsonResult } from '../lib/http/http.ts';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { INTAKE_SECRET_KEYS, missingSecretKeys } from '../lib/lambda/secrets.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { type Powertools, createPowertools } from '../lib/lambda/powertools.ts';

/**
 * HubSpot webhooks (API Gateway HTTP API) → verified, normalized notices on the changes queue.
 * Reads the intake secret only (the webhook signing secret), never CRM credentials.
 */
export function createHubSpotWebhookHandler(
  getDeps: () => Promise<IntakeDependencies>,
  powertools: Powertools = createPowertools('hubspot-webhook'),
) {
  const replayGuard = new ReplayGuard();
  return withMiddleware<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
    async (event) => {
      const deps = await getDeps();
      const secrets = await deps.secrets();
      secrets.requireAll(INTAKE_SECRET_KEYS.hubspotWebhook);
      const intake = composeIntake({ ...deps, logger: powertools.logger, metrics: powertools.metrics });
      const result = await handleHubSpotWebhook(
        toRawHttpRequest(event),
        intake.hubspotWebhook(secrets.require('hubspotClientSecret'), replayGuard),
      );
      return toApiGatewayResult(result);
    },
    // Dependencies failed (config, secret): 503 so HubSpot retries once it is fixed; a missing
    // secret key is named (key names are public, values never are).
    {
      powertools,
      onError: (error) => {
        const missing = missingSecretKeys(error);
        return toApiGatewayResult(
          jsonResult(503, missing ? { error: 'not-configured', missing } : { error: 'unavailable' }),
        );
      },
    },
  );
}

export const handler = createHubSpotWebhookHandler(
  lazyOnce(() => buildIntakeDependencies({ needsSecret: true })),
);

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { composeIntake } from '../lib/composition/intake.ts';
import { handleHubSpotWebhook } from '../lib/hubspot/webhook-intake.ts';
import { ReplayGuard } from '../lib/hubspot/webhook-replay.ts';
import { toApiGatewayResult, toRawHttpRequest } from '../lib/lambda/api-gateway.ts';
import { type IntakeDependencies, buildIntakeDependencies } from '../lib/lambda/dependencies.ts';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { type Powertools, createPowertools } from '../lib/lambda/powertools.ts';

/** HubSpot webhooks (API Gateway HTTP API) → verified, normalized notices on the changes queue. */
export function createHubSpotWebhookHandler(
  getDeps: () => Promise<IntakeDependencies>,
  powertools: Powertools = createPowertools('hubspot-webhook'),
) {
  const replayGuard = new ReplayGuard();
  return withMiddleware<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
    async (event) => {
      const deps = await getDeps();
      const secrets = await deps.secrets();
      const intake = composeIntake({ ...deps, logger: powertools.logger, metrics: powertools.metrics });
      const result = await handleHubSpotWebhook(
        toRawHttpRequest(event),
        intake.hubspotWebhook(secrets.require('hubspotClientSecret'), replayGuard),
      );
      return toApiGatewayResult(result);
    },
    // Dependencies failed (config, secret): 503 so HubSpot retries once it is fixed.
    {
      powertools,
      onError: () =>
        toApiGatewayResult({
          statusCode: 503,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"unavailable"}',
        }),
    },
  );
}

export const handler = createHubSpotWebhookHandler(
  lazyOnce(() => buildIntakeDependencies({ needsSecret: true })),
);

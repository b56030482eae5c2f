import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { composeIntake } from '../lib/composition/intake.ts';
import { toApiGatewayResult, toRawHttpRequest } from '../lib/lambda/api-gateway.ts';
import { type IntakeDependencies, buildIntakeDependencies } from '../lib/lambda/dependencies.ts';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { type Powertools, createPowertools } from '../lib/lambda/powertools.ts';
import { handleSalesforceOutbound } from '../lib/salesforce/outbound-intake.ts';
import { soapFault } from '../lib/salesforce/outbound-soap.ts';
import { INTAKE_SECRET_KEYS, missingSecretKeys } from '../lib/lambda/secrets.ts';

/**
 * Salesforce outbound messages (SOAP over API Gateway HTTP API, `POST /webhooks/salesforce/{token}`)
 * → notices, then the SOAP Ack. Reads the intake secret only (the URL token), never CRM credentials.
 */
export function createSalesforceOutboundHandler(
  getDeps: () => Promise<IntakeDependencies>,
  powertools: Powertools = createPowertools('salesforce-outbound'),
) {
  return withMiddleware<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
    async (event) => {
      const deps = await getDeps();
      const secrets = await deps.secrets();
      secrets.requireAll(INTAKE_SECRET_KEYS.salesforceOutbound);
      const intake = composeIntake({ ...deps, logger: powertools.logger, metrics: powertools.metrics });
      const result = await handleSalesforceOutbound(
        toRawHttpRequest(event),
        intake.salesforceOutbound(secrets.require('salesforceOutboundToken')),
      );
      return toApiGatewayResult(result);
    },
    // No Ack: Salesforce redelivers the message. A missing secret key is named in the fault.
    {
      powertools,
      onError: (error) => {
        const missing = missingSecretKeys(error);
        const reason = missing ? `not-configured: ${missing.join(', ')}` : 'unavailable';
        return toApiGatewayResult(soapFault(503, 'Server', reason));
      },
    },
  );
}

export const handler = createSalesforceOutboundHandler(
  lazyOnce(() => buildIntakeDependencies({ needsSecret: true })),
);

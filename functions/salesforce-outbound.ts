import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { composeIntake } from '../lib/composition/intake.ts';
import { toApiGatewayResult, toRawHttpRequest } from '../lib/lambda/api-gateway.ts';
import { type IntakeDependencies, buildIntakeDependencies } from '../lib/lambda/dependencies.ts';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { type Powertools, createPowertools } from '../lib/lambda/powertools.ts';
import { handleSalesforceOutbound } from '../lib/salesforce/outbound-intake.ts';
import { soapFault } from '../lib/salesforce/outbound-soap.ts';

/** Salesforce outbound messages (SOAP over API Gateway HTTP API) → notices, then the SOAP Ack. */
export function createSalesforceOutboundHandler(
  getDeps: () => Promise<IntakeDependencies>,
  powertools: Powertools = createPowertools('salesforce-outbound'),
) {
  return withMiddleware<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
    async (event) => {
      const deps = await getDeps();
      const intake = composeIntake({ ...deps, logger: powertools.logger, metrics: powertools.metrics });
      const result = await handleSalesforceOutbound(toRawHttpRequest(event), intake.salesforceOutbound);
      return toApiGatewayResult(result);
    },
    // No Ack: Salesforce redelivers the message.
    { powertools, onError: () => toApiGatewayResult(soapFault(503, 'Server', 'unavailable')) },
  );
}

export const handler = createSalesforceOutboundHandler(lazyOnce(() => buildIntakeDependencies()));

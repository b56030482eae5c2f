import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiRoutes } from '../lib/admin/routes.ts';
import type { AdminServices } from '../lib/admin/services.ts';
import { handleAdminEvent } from '../lib/lambda/admin-api.ts';
import { buildAdminServices } from '../lib/lambda/admin-dependencies.ts';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { createPowertools, type Powertools } from '../lib/lambda/powertools.ts';

/**
 * The admin API (API Gateway HTTP API, `/api/*` with AWS_IAM authorization): the same routes as the
 * local stack's `/api/*` (lib/admin/routes.ts) over the deployed stack's store, queues and CRMs.
 */
export function createAdminHandler(
  getServices: (powertools: Powertools) => Promise<AdminServices>,
  powertools: Powertools = createPowertools('admin'),
) {
  const routes = lazyOnce(async () => apiRoutes(await getServices(powertools)));
  return withMiddleware<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
    async (event) => handleAdminEvent(event, await routes(), powertools.logger),
    {
      powertools,
      // Dependencies failed (config, secret, environment): say where to look, not a bare 500.
      onError: () => ({
        statusCode: 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'the admin function could not start: see its CloudWatch logs' }),
      }),
    },
  );
}

export const handler = createAdminHandler((powertools) => buildAdminServices({ log: powertools.logger }));

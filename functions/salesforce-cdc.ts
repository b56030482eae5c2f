import type { EventBridgeEvent } from 'aws-lambda';
import { composeIntake } from '../lib/composition/intake.ts';
import { type IntakeDependencies, buildIntakeDependencies } from '../lib/lambda/dependencies.ts';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { type Powertools, createPowertools } from '../lib/lambda/powertools.ts';
import { type CdcIntakeResult, handleSalesforceCdc } from '../lib/salesforce/cdc-intake.ts';

/**
 * Salesforce Change Data Capture via Event Relay (EventBridge rule → this function) → notices.
 * A queue failure throws, so the asynchronous invocation is retried (and lands in the on-failure
 * destination when retries run out).
 */
export function createSalesforceCdcHandler(
  getDeps: () => Promise<IntakeDependencies>,
  powertools: Powertools = createPowertools('salesforce-cdc'),
) {
  return withMiddleware<EventBridgeEvent<string, unknown>, CdcIntakeResult>(
    async (event) => {
      const deps = await getDeps();
      const intake = composeIntake({ ...deps, logger: powertools.logger, metrics: powertools.metrics });
      return handleSalesforceCdc(event, intake.salesforceCdc);
    },
    { powertools },
  );
}

export const handler = createSalesforceCdcHandler(lazyOnce(() => buildIntakeDependencies()));

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { errorSummary } from '../lib/observability/observability.ts';
import { createPowertools, type Powertools } from '../lib/lambda/powertools.ts';
import { buildProcessorDependencies, type ProcessorDependencies } from '../lib/lambda/sync-dependencies.ts';
import { processBatch } from '../lib/sync/processor.ts';

/**
 * The changes-queue consumer (SQS event source with ReportBatchItemFailures): hands the batch to
 * `processBatch` and answers with the partial batch response, so only the messages to retry are
 * redelivered. A failure to build the dependencies throws: the whole batch is retried, then parked
 * in the DLQ by the queue's redrive policy.
 */
export function createProcessorHandler(
  getDeps: () => Promise<ProcessorDependencies>,
  powertools: Powertools = createPowertools('processor'),
) {
  return withMiddleware<SQSEvent, SQSBatchResponse>(
    async (event) => {
      const deps = await getDeps();
      const messages = event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));
      try {
        const result = await processBatch(messages, {
          ...deps,
          log: powertools.logger,
          metrics: powertools.metrics,
        });
        return { batchItemFailures: result.batchItemFailures };
      } finally {
        // API usage counts toward the shared daily budget; losing one flush only under-counts.
        // The flush also reports ApiBudgetUsedPercent per CRM, which the budget alarms watch.
        await deps.flushUsage(powertools.metrics).catch((error: unknown) => {
          powertools.logger.warn('api usage flush failed', { error: errorSummary(error) });
        });
      }
    },
    { powertools },
  );
}

export const handler = createProcessorHandler(lazyOnce(() => buildProcessorDependencies()));

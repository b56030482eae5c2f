import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processBatch } from '../sync/processor.ts';
import type { ProcessorDeps } from '../sync/processor-types.ts';

/**
 * The processor as the local poller invokes it: the same `processBatch` the Lambda handler calls,
 * with the composition root's processor dependencies, answering with the SQS partial batch response.
 */
export function processorHandler(deps: ProcessorDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const result = await processBatch(event.Records, deps);
    return { batchItemFailures: result.batchItemFailures };
  };
}

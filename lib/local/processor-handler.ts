import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseNoticeMessage } from '../aws/sqs-message.ts';
import type { ChangeNotice } from '../domain/notice.ts';
import { processBatch } from '../sync/processor.ts';
import type { ProcessorDeps } from '../sync/processor-types.ts';

/**
 * The processor as the local poller invokes it: the same `processBatch` the Lambda handler calls,
 * with the same dependencies, answering with the SQS partial batch response.
 */
export function processorHandler(
  deps: Omit<ProcessorDeps, 'parseNotice'>,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const processorDeps: ProcessorDeps = {
    ...deps,
    parseNotice: (body: string): ChangeNotice => {
      const parsed = parseNoticeMessage(body);
      if (!parsed.ok) throw parsed.error;
      return parsed.notice;
    },
  };
  return async (event) => {
    const result = await processBatch(event.Records, processorDeps);
    return { batchItemFailures: result.batchItemFailures };
  };
}

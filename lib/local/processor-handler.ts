import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseNoticeMessage } from '../aws/sqs-message.ts';
import type { CrmSyncConfig } from '../config.ts';
import type { ChangeNotice } from '../domain/notice.ts';
import type { Log } from '../lambda/observability.ts';
import type { HubSpotPort, SalesforcePort, SyncStore } from '../ports.ts';
import type { ProcessorDeps, ProcessorResult } from '../sync/processor-types.ts';
import { optionalModule } from './optional-module.ts';

type ProcessorModule = {
  processBatch: (
    messages: { messageId: string; body: string }[],
    deps: ProcessorDeps,
  ) => Promise<ProcessorResult>;
};

export type LoadedProcessor =
  | { available: true; handle: (event: SQSEvent) => Promise<SQSBatchResponse> }
  | { available: false; why: string; handle: (event: SQSEvent) => Promise<SQSBatchResponse> };

/**
 * The processor as the local poller invokes it: the same `processBatch` the Lambda handler calls,
 * with the same dependencies, answering with the SQS partial batch response.
 */
export async function loadProcessor(deps: {
  store: SyncStore;
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  config: CrmSyncConfig;
  now: () => number;
  log: Log;
}): Promise<LoadedProcessor> {
  const mod = await optionalModule<ProcessorModule>('../sync/processor.ts');
  if (!mod) {
    return {
      available: false,
      why: 'the processor (lib/sync/processor.ts): notices stay queued',
      handle: async (event) => ({
        batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
      }),
    };
  }
  const processorDeps: ProcessorDeps = {
    store: deps.store,
    hubspot: deps.hubspot,
    salesforce: deps.salesforce,
    config: deps.config,
    now: deps.now,
    log: deps.log,
    parseNotice: (body: string): ChangeNotice => {
      const parsed = parseNoticeMessage(body);
      if (!parsed.ok) throw parsed.error;
      return parsed.notice;
    },
  };
  return {
    available: true,
    handle: async (event) => {
      const result = await mod.processBatch(event.Records, processorDeps);
      return { batchItemFailures: result.batchItemFailures };
    },
  };
}

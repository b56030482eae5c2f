/** The changes queue port (docs/design.md#ports-and-adapters). */
import type { ChangeNotice } from '../domain/notice.ts';

/** The changes queue (SQS in AWS, the local SQS of lib/local/sqs-server.ts locally). */
export interface ChangeQueue {
  /**
   * Durably enqueues notices (SQS SendMessageBatch, 10 per call). Resolves only when every notice is
   * queued; otherwise rejects with a RetryableError naming how many were not queued, so an intake
   * handler answers 5xx and the CRM retries. Nothing is acknowledged that was not queued.
   */
  send(notices: ChangeNotice[]): Promise<void>;
}

import type { CrmSyncConfig } from '../config.ts';
import type { ChangeNotice } from '../domain/notice.ts';
import type { Log, MetricsSink } from '../observability/observability.ts';
import type { Decision, HubSpotPort, SalesforcePort, SyncStore } from '../ports.ts';
import type { ProcessorRecord } from './coalesce.ts';

/** One queue message as the processor sees it: SQS `messageId` and the raw body. */
export interface ProcessorMessage {
  messageId: string;
  body: string;
}

/**
 * Everything the processor needs, built once per cold start (docs/design.md#thin-handlers) and passed in.
 * `parseNotice` comes from the queue adapter (it owns the message envelope) and throws on a body
 * that is not a notice.
 */
export interface ProcessorDeps {
  store: SyncStore;
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  config: CrmSyncConfig;
  parseNotice: (body: string) => ChangeNotice;
  /** Epoch ms; injectable so tests are deterministic. */
  now?: () => number;
  log?: Log;
  /** One metric per skip reason and error category (docs/design.md#structured-logs); Powertools' Metrics fits it. */
  metrics?: MetricsSink;
}

/** What happened to one message, which decides whether SQS redelivers it. */
export type MessageStatus = 'synced' | 'noop' | 'skipped' | 'duplicate' | 'malformed' | 'error' | 'retry';

/** The outcome of one coalesced record: its messages' status, its trace, and which sides it wrote. */
export interface RecordOutcome {
  record: ProcessorRecord;
  status: MessageStatus;
  decisions: Decision[];
  written: { hubspot: boolean; salesforce: boolean };
}

/** Counts for one batch: logged, turned into metrics, and asserted on by tests. */
export interface ProcessorSummary {
  messages: number;
  malformed: number;
  duplicates: number;
  /** Distinct records after coalescing. */
  records: number;
  synced: number;
  noop: number;
  skipped: number;
  /** Records with a permanent sync error (recorded, not retried). */
  errors: number;
  /** Records whose messages are handed back to SQS for a retry. */
  retried: number;
  writes: { hubspot: number; salesforce: number };
}

export interface ProcessorResult {
  /** SQS partial batch response: only the messages to redeliver. */
  batchItemFailures: { itemIdentifier: string }[];
  summary: ProcessorSummary;
}

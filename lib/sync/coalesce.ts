import { type CoalescedRecord, coalesce } from '../domain/coalesce.ts';
import type { TrackedNotice } from './processor-messages.ts';

/** A coalesced record (lib/domain) plus the queue messages whose fate follows it. */
export interface ProcessorRecord extends CoalescedRecord {
  messageIds: string[];
}

/**
 * Coalesces the batch's notices per record with the domain's rules (`coalesce`: the steering kind,
 * R6 `created`, changed fields) and keeps, for each record, the messages that carried its notices:
 * the record's outcome (synced, skipped, retry…) decides whether SQS redelivers them.
 * Event ids are unique here (intake dropped in-batch duplicates), so they map back to one message.
 */
export function coalesceTracked(tracked: TrackedNotice[]): ProcessorRecord[] {
  const messageByEvent = new Map(tracked.map((t) => [t.notice.eventId, t.messageId]));
  return coalesce(tracked.map((t) => t.notice)).map((record) => ({
    ...record,
    messageIds: [
      ...new Set(
        record.eventIds.map((id) => messageByEvent.get(id)).filter((m): m is string => m !== undefined),
      ),
    ],
  }));
}

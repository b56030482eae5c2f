import type { MessageStatus, ProcessorSummary } from './processor-types.ts';

/**
 * When one message ends up with several statuses (it cannot today: a notice is about one record,
 * but coalescing and relinking may touch a message twice), the most cautious one wins: a retry
 * beats everything, so no change is acknowledged before it was applied.
 */
const PRECEDENCE: MessageStatus[] = ['retry', 'error', 'synced', 'noop', 'skipped', 'duplicate', 'malformed'];

/** Tracks the status of every message of a batch and counts outcomes per record. */
export class MessageLedger {
  private readonly status = new Map<string, MessageStatus>();
  readonly summary: ProcessorSummary;

  constructor(readonly messageIds: string[]) {
    this.summary = {
      messages: messageIds.length,
      malformed: 0,
      duplicates: 0,
      records: 0,
      synced: 0,
      noop: 0,
      skipped: 0,
      errors: 0,
      retried: 0,
      writes: { hubspot: 0, salesforce: 0 },
    };
  }

  /** Sets the status of messages, keeping the most cautious one already set. */
  mark(messageIds: string[], status: MessageStatus): void {
    for (const id of messageIds) {
      const current = this.status.get(id);
      if (current === undefined || PRECEDENCE.indexOf(status) < PRECEDENCE.indexOf(current)) {
        this.status.set(id, status);
      }
    }
  }

  statusOf(messageId: string): MessageStatus | undefined {
    return this.status.get(messageId);
  }

  /**
   * The partial batch response: only messages marked `retry`, plus any message nothing was decided
   * about (a bug must not acknowledge a change silently).
   */
  batchItemFailures(): { itemIdentifier: string }[] {
    return this.messageIds
      .filter((id) => {
        const s = this.status.get(id);
        return s === undefined || s === 'retry';
      })
      .map((itemIdentifier) => ({ itemIdentifier }));
  }
}

import type { ChangeNotice } from '../domain/notice.ts';
import { recordKey } from '../domain/notice.ts';
import type { Decision, SyncStore } from '../ports.ts';
import { settle } from './processor-errors.ts';
import type { MessageStatus, ProcessorMessage, ProcessorSummary } from './processor-types.ts';

/**
 * The queue side of a batch: messages in (parse, drop duplicates in the batch and across batches),
 * statuses out (which messages SQS must redeliver).
 */

/** A notice together with the queue message that carried it. */
export interface TrackedNotice {
  messageId: string;
  notice: ChangeNotice;
}

/** A message whose body is not a notice: recorded and dropped, never retried (a poison loop otherwise). */
export interface MalformedMessage {
  messageId: string;
  reason: string;
}

export interface IntakeResult {
  notices: TrackedNotice[];
  malformed: MalformedMessage[];
  /** Messages carrying an event id already seen earlier in this batch (SQS at-least-once delivery). */
  duplicates: TrackedNotice[];
}

/**
 * Parses every message and drops in-batch duplicates by event id. Cross-batch duplicates are
 * handled by the store's processed-event ids (`dropProcessed`); an unrecognised duplicate is still
 * harmless because the processor re-reads the record and the three-way merge finds nothing to do.
 */
export function intakeMessages(
  messages: ProcessorMessage[],
  parseNotice: (body: string) => ChangeNotice,
): IntakeResult {
  const notices: TrackedNotice[] = [];
  const malformed: MalformedMessage[] = [];
  const duplicates: TrackedNotice[] = [];
  const seen = new Set<string>();
  for (const message of messages) {
    let notice: ChangeNotice;
    try {
      notice = parseNotice(message.body);
    } catch (error) {
      malformed.push({ messageId: message.messageId, reason: describeParseError(error) });
      continue;
    }
    const tracked = { messageId: message.messageId, notice };
    if (seen.has(notice.eventId)) duplicates.push(tracked);
    else {
      seen.add(notice.eventId);
      notices.push(tracked);
    }
  }
  return { notices, malformed, duplicates };
}

/** A short reason for the trace; the body itself is not echoed (it may hold an email). */
function describeParseError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/**
 * Drops events processed by an earlier batch (a redelivery after a lost ack, an outbound-message
 * retry), when the store keeps processed event ids.
 */
export async function dropProcessed(
  notices: TrackedNotice[],
  now: number,
  store: Pick<SyncStore, 'filterProcessedEvents'>,
): Promise<{ notices: TrackedNotice[]; processed: TrackedNotice[] }> {
  const filter = store.filterProcessedEvents?.bind(store);
  if (!filter || notices.length === 0) return { notices, processed: [] };
  const seen = await settle(
    filter(
      notices.map((t) => t.notice.eventId),
      now,
    ),
  );
  // Dedupe saves reads; it is not needed for correctness, so a failed lookup just processes everything.
  if (!seen.ok) return { notices, processed: [] };
  return {
    notices: notices.filter((t) => !seen.value.has(t.notice.eventId)),
    processed: notices.filter((t) => seen.value.has(t.notice.eventId)),
  };
}

/** The first trace entry of every notice: what arrived, before anything was decided. */
export function received(t: TrackedNotice, now: number): Decision {
  const n = t.notice;
  return {
    at: now,
    recordKey: recordKey(n),
    eventId: n.eventId,
    outcome: 'received',
    detail: {
      kind: n.kind,
      objectType: n.objectType,
      occurredAt: n.occurredAt,
      ...(n.changedFields ? { changedFields: n.changedFields } : {}),
      ...(n.survivorId ? { survivorId: n.survivorId } : {}),
    },
  };
}

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

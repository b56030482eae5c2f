import type { ChangeNotice } from '../domain/notice.ts';
import type { ProcessorMessage } from './processor-types.ts';

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
 * handled by the store's processed-event ids (see processor.ts); an unrecognised duplicate is still
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

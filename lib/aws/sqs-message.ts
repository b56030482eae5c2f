import { z } from 'zod';
import { type ChangeNotice, changeNoticeSchema } from '../domain/notice.ts';
import { PermanentSyncError } from '../errors.ts';

/**
 * A queue message that is not a valid ChangeNotice. It is permanent: redelivering the same bytes
 * cannot fix it, so the processor reports it (and deletes it) instead of looping on it.
 */
export class MalformedMessageError extends PermanentSyncError {
  constructor(
    message: string,
    /** The SQS message id, when known, for the report. */
    readonly messageId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, 'validation', options);
  }
}

export type ParsedMessage = { ok: true; notice: ChangeNotice } | { ok: false; error: MalformedMessageError };

/** Parses an SQS record body (the JSON that SqsChangeQueue sent) back into a ChangeNotice. */
export function parseNoticeMessage(body: string | undefined, messageId?: string): ParsedMessage {
  const label = messageId ? `message ${messageId}` : 'message';
  if (body === undefined || body.trim() === '') {
    return { ok: false, error: new MalformedMessageError(`${label}: empty body`, messageId) };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    return {
      ok: false,
      error: new MalformedMessageError(`${label}: body is not JSON`, messageId, { cause }),
    };
  }
  const parsed = changeNoticeSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: new MalformedMessageError(
        `${label}: not a change notice: ${z.prettifyError(parsed.error)}`,
        messageId,
        {
          cause: parsed.error,
        },
      ),
    };
  }
  return { ok: true, notice: parsed.data };
}

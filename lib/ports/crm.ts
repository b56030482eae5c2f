/** What the two CRM ports share (docs/design.md#ports-and-adapters). */
import type { SyncErrorCategory } from '../domain/entities.ts';

/** The outcome of one input of a batch write, mapped back by `ref` (our correlation key). */
export type WriteOutcome =
  | { ref: string; ok: true; id: string }
  | { ref: string; ok: false; category: SyncErrorCategory; message: string; retryable: boolean };

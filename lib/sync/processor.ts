import type { Decision } from '../ports.ts';
import { coalesceTracked } from './coalesce.ts';
import { processAccountNotices, splitAccountNotices } from './processor-accounts.ts';
import { syncWithMerges } from './merges.ts';
import { classifyError, settle } from './processor-errors.ts';
import { dropProcessed, intakeMessages, MessageLedger, received } from './processor-messages.ts';
import { syncRecords } from './processor-records.ts';
import type { MessageStatus, ProcessorDeps, ProcessorMessage, ProcessorResult } from './processor-types.ts';

export type {
  ProcessorDeps,
  ProcessorMessage,
  ProcessorResult,
  ProcessorSummary,
} from './processor-types.ts';

/**
 * Turns one batch of queued notices into synced records (docs/design.md#architecture; the steps and
 * their files are tabled in docs/processor.md):
 * parse (malformed → recorded, never retried) → drop duplicates by event id → coalesce per record →
 * merge notices first (`lib/sync/merges.ts`) → segment gate on what the store knows → batch reads
 * from both CRMs → plan (`lib/domain/plan`: resolve, gate, act) → claim pairs, batch writes, commit
 * pairs → record every decision → mark the events processed.
 *
 * Only messages whose record must be retried (429 after the limiter gave up, 5xx, timeouts, a pair
 * changed concurrently) come back in `batchItemFailures`; a permanent problem (validation, missing
 * required field, unmapped picklist value) is recorded as a sync error with its category and the
 * message is acknowledged, so nothing loops. Events are marked processed only after their record's
 * outcome is final and recorded: a crash before that redelivers the message, and the re-read plus
 * three-way merge make the second pass write nothing that was already written.
 */
export async function processBatch(
  messages: ProcessorMessage[],
  deps: ProcessorDeps,
): Promise<ProcessorResult> {
  const now = (deps.now ?? Date.now)();
  const ledger = new MessageLedger(messages.map((m) => m.messageId));
  const { summary } = ledger;
  const decisions: Decision[] = [];
  const eventsToMark: string[] = [];

  // Parse and drop in-batch duplicates.
  const intake = intakeMessages(messages, deps.parseNotice);
  for (const m of intake.malformed) {
    ledger.mark([m.messageId], 'malformed');
    summary.malformed++;
    decisions.push({
      at: now,
      recordKey: `message:${m.messageId}`,
      outcome: 'error',
      category: 'other',
      reason: `malformed notice, dropped: ${m.reason}`,
    });
  }
  for (const d of intake.duplicates) {
    ledger.mark([d.messageId], 'duplicate');
    summary.duplicates++;
  }

  // Drop events processed by an earlier batch (a redelivery after a lost ack, an outbound-message retry).
  const fresh = await dropProcessed(intake.notices, now, deps.store);
  for (const t of fresh.processed) {
    ledger.mark([t.messageId], 'duplicate');
    summary.duplicates++;
    decisions.push({ ...received(t, now), reason: 'duplicate' });
  }
  for (const t of fresh.notices) decisions.push(received(t, now));

  // C8: Account notices take the account lane; everything else the contact pipeline below.
  const lanes = splitAccountNotices(fresh.notices);
  const records = coalesceTracked(lanes.contacts);
  summary.records = records.length;
  const outcomes = await syncWithMerges(records, (list) => syncRecords(list, deps, now), now);

  for (const o of outcomes) {
    ledger.mark(o.record.messageIds, o.status);
    decisions.push(...o.decisions);
    if (o.status !== 'retry') eventsToMark.push(...o.record.eventIds);
    // Link repairs the processor made up itself carry no message: they are in the trace, not the counts.
    if (o.record.messageIds.length > 0) countStatus(summary, o.status);
    if (o.written.hubspot) summary.writes.hubspot++;
    if (o.written.salesforce) summary.writes.salesforce++;
  }

  const accountLane = await processAccountNotices(lanes.accounts, deps, now);
  for (const { messageIds, status } of accountLane.statuses) {
    ledger.mark(messageIds, status);
    countStatus(summary, status);
  }
  summary.records += accountLane.statuses.length;
  decisions.push(...accountLane.decisions);
  eventsToMark.push(...accountLane.eventIds);

  // The trace first, then the idempotency marks: a crash in between redelivers, and the second pass
  // records a noop instead of losing the decision.
  await recordTrace(decisions, deps);
  // One BatchWriteItem per 25 marks: nothing reads a mark's previous value here, so no condition.
  const marked = await settle(deps.store.markEventsProcessed(eventsToMark, now));
  if (!marked.ok)
    deps.log?.warn('event marks failed', {
      events: eventsToMark.length,
      error: classifyError(marked.error).message,
    });

  emitMetrics(decisions, summary, deps);
  const batchItemFailures = ledger.batchItemFailures();
  deps.log?.info('processor batch', { ...summary, failures: batchItemFailures.length });
  return { batchItemFailures, summary };
}

async function recordTrace(decisions: Decision[], deps: ProcessorDeps): Promise<void> {
  if (decisions.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    const done = await settle(deps.store.recordDecisions(decisions));
    if (done.ok) return;
    if (attempt >= 2) {
      // The syncs themselves are committed; failing the messages now would not bring the trace back.
      deps.log?.error('decisions not recorded', {
        count: decisions.length,
        error: classifyError(done.error).message,
      });
      return;
    }
  }
}

function countStatus(summary: ProcessorResult['summary'], status: MessageStatus): void {
  if (status === 'synced') summary.synced++;
  else if (status === 'noop') summary.noop++;
  else if (status === 'skipped') summary.skipped++;
  else if (status === 'error') summary.errors++;
  else if (status === 'retry') summary.retried++;
}

/**
 * One Count metric per outcome (`processor.<outcome>`, e.g. `processor.skipped`, `processor.error`);
 * zero counts are not emitted. Skip reasons and error categories are in the decisions and the log,
 * not in metric names: each name is a billed custom metric (lib/observability/metric-catalogue.ts).
 */
function emitMetrics(decisions: Decision[], summary: ProcessorResult['summary'], deps: ProcessorDeps): void {
  const metrics = deps.metrics;
  if (!metrics) return;
  const counts = new Map<string, number>([
    ['processor.synced', summary.synced],
    ['processor.noop', summary.noop],
    ['processor.retried', summary.retried],
    ['processor.malformed', summary.malformed],
    ['processor.duplicate', summary.duplicates],
    ['processor.written.hubspot', summary.writes.hubspot],
    ['processor.written.salesforce', summary.writes.salesforce],
    ['processor.skipped', decisions.filter((d) => d.outcome === 'skipped').length],
    ['processor.error', decisions.filter((d) => d.outcome === 'error').length],
  ]);
  for (const [name, n] of counts) if (n > 0) metrics.addMetric(name, 'Count', n);
}

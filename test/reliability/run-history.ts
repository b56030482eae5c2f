import { parseNoticeMessage } from '../../lib/aws/sqs-message.ts';
import { processBatch } from '../../lib/sync/processor.ts';
import { Harness } from './harness.ts';
import { History } from './history.ts';
import {
  checkConvergence,
  checkLinks,
  checkNoLostUpdate,
  checkOutOfSegmentWrites,
  type FinalState,
  readFinalState,
} from './invariants.ts';
import {
  checkCompanyConvergence,
  checkCompanyLinks,
  checkCompanyNoLostUpdate,
  checkCompanyOwners,
  readCompanyState,
} from './company-invariants.ts';
import { checkPrimaryCompanies } from './c6-steps.ts';
import { CompanyModel, startCompanies } from './company-model.ts';
import { type AnyStep, describeCompanyStep, isCompanyStep, ORGS } from './company-steps.ts';
import { describeStep } from './steps.ts';
import { type StepMark, traceLog } from './trace-log.ts';
import type { LocalAws } from '../support/test-stack.ts';

let runs = 0;

/** What one history produced: the violated invariants (empty when all hold). */
export interface HistoryOutcome {
  violations: string[];
  /** The same violations, counted per invariant (the long run's summary). */
  byInvariant: Record<string, number>;
  steps: number;
  /** Both CRMs and the store right after quiescence (before the loop and replay checks). */
  state: FinalState;
  /** How often each fault really happened (Harness.happened). */
  happened: Harness['happened'];
  /** The step log (`traceLog`) when asked for with `trace` and an invariant was violated. */
  trace?: string[];
}

/**
 * Runs one history on a fresh stack, quiesces, and checks every invariant (docs/design.md#reliability
 * "Reliability"): convergence, no lost update, no out-of-segment write beyond R6, one-to-one links and
 * no duplicates, no loop (one more delivery + drain writes nothing), idempotent replay (every
 * processed message again writes nothing). `webhookWindowMs`: see `Harness.start` (a regression that
 * needs HubSpot events in one webhook delivery, whatever the speed of its steps). `aws`: dynalite and
 * the local SQS to reuse (a fresh table and purged queues each time) instead of starting them for
 * this history.
 */
export async function runHistory(
  people: number,
  steps: AnyStep[],
  options: { companies?: boolean; webhookWindowMs?: number; trace?: boolean; aws?: LocalAws } = {},
): Promise<HistoryOutcome> {
  runs++;
  const h = await Harness.start({
    ...(options.webhookWindowMs !== undefined ? { webhookWindowMs: options.webhookWindowMs } : {}),
    ...(options.aws ? { aws: options.aws } : {}),
  });
  try {
    const history = new History(h, people, `${process.pid}x${runs}`);
    // Company sync on (C1) and the owners, before any step: the company half of the model.
    if (options.companies) history.companies = new CompanyModel(h, await startCompanies(h), ORGS);
    const marks: StepMark[] = [];
    for (const step of steps) {
      marks.push({
        at: Date.now(),
        step: isCompanyStep(step) ? describeCompanyStep(step) : describeStep(step),
      });
      await history.apply(step);
    }
    marks.push({ at: Date.now(), step: 'quiescence' });
    await history.quiesce();
    marks.push({ at: Date.now(), step: 'checks (final state, loop, replay, renotified)' });

    const violations: string[] = [];
    const byInvariant: Record<string, number> = {};
    const tally = (invariant: string, found: string[]) => {
      if (found.length === 0) return;
      violations.push(...found);
      byInvariant[invariant] = (byInvariant[invariant] ?? 0) + found.length;
    };
    const depth = await h.depth();
    if (depth.queue > 0 || depth.dlq > 0)
      tally('queues-empty', [
        `queue not empty after quiescence: ${depth.queue} queued, ${depth.dlq} in the DLQ`,
      ]);
    const state = await readFinalState(h, history);
    tally('convergence', checkConvergence(h, state));
    tally('one-to-one', checkLinks(h, state));
    tally('no-lost-update', checkNoLostUpdate(h, history, state));
    tally('no-out-of-segment-write', checkOutOfSegmentWrites(h, history, state));
    if (history.companies) {
      const companies = await readCompanyState(h, history.companies);
      tally('company-convergence', checkCompanyConvergence(h.stack.config, companies));
      tally('company-no-lost-update', checkCompanyNoLostUpdate(h.stack.config, companies));
      tally('company-one-to-one', checkCompanyLinks(companies));
      tally('company-owners', checkCompanyOwners(companies, history.companies.owners));
      tally(
        'c6-primary-company',
        await checkPrimaryCompanies(h, [...state.pairsByHubSpot.values()], state.members, {
          byAccount: companies.pairsByAccount,
          byCompany: companies.pairsByCompany,
        }),
      );
    }

    // No loop: one more delivery of whatever the CRMs still send (our own echoes) and a drain write nothing.
    const writesBefore = h.writes.length;
    const before = h.stack.calls();
    await h.collect();
    await h.enqueue(h.takeHeld());
    await h.drain();
    await h.collect();
    const loop = h.stack.calls();
    const loopWrites =
      loop.hubspot.writes - before.hubspot.writes + (loop.salesforce.writes - before.salesforce.writes);
    if (loopWrites > 0 || h.writes.length > writesBefore)
      tally('no-loop', [
        `loop: after quiescence one more delivery + drain made ${loopWrites} write call(s): ${h.writes
          .slice(writesBefore)
          .map((w) => `${w.side}:${w.id} ${w.what}`)
          .join('; ')}`,
      ]);

    // Idempotent replay: every message the processor ever took, again (a redelivery storm).
    const messages = [...h.processed.values()];
    const replayBefore = h.stack.calls();
    let replayWrites = 0;
    for (let i = 0; i < messages.length; i += 200) {
      const result = await processBatch(
        messages.slice(i, i + 200),
        h.stack.processorDeps({ hubspot: h.deps.hubspot, salesforce: h.deps.salesforce }),
      );
      replayWrites += result.summary.writes.hubspot + result.summary.writes.salesforce;
    }
    const replayAfter = h.stack.calls();
    const replayCalls =
      replayAfter.hubspot.writes -
      replayBefore.hubspot.writes +
      (replayAfter.salesforce.writes - replayBefore.salesforce.writes);
    if (replayWrites > 0 || replayCalls > 0)
      tally('idempotent-replay', [
        `replay: processing all ${messages.length} processed messages again wrote ${replayWrites} record(s) in ${replayCalls} call(s)`,
      ]);

    // The same changes notified again under new event ids (Salesforce sends an outbound message and a
    // CDC event for one change; a poll or resync re-reports what a webhook already said): still nothing
    // to write, because the processor reads the latest state and merges against the snapshot.
    const again = messages.flatMap((m) => {
      const parsed = parseNoticeMessage(m.body);
      return parsed.ok ? [{ ...parsed.notice, eventId: `${parsed.notice.eventId}.again` }] : [];
    });
    const againBefore = h.stack.calls();
    const againWritesBefore = h.writes.length;
    await h.enqueue(again);
    await h.drain();
    await h.collect();
    const againAfter = h.stack.calls();
    const againCalls =
      againAfter.hubspot.writes -
      againBefore.hubspot.writes +
      (againAfter.salesforce.writes - againBefore.salesforce.writes);
    if (againCalls > 0)
      tally('renotified', [
        `renotified: the ${again.length} processed notices again under new event ids made ${againCalls} write call(s): ${h.writes
          .slice(againWritesBefore)
          .map((w) => `${w.side}:${w.id} ${w.what}`)
          .join('; ')}`,
      ]);
    const trace = options.trace && violations.length > 0 ? await traceLog(h, history, marks) : undefined;
    return {
      violations,
      byInvariant,
      steps: steps.length,
      state,
      happened: { ...h.happened },
      ...(trace ? { trace } : {}),
    };
  } finally {
    await h.close();
  }
}

/** The failure report of a history: its steps, numbered, then the violations. */
export function report(people: number, steps: AnyStep[], violations: string[]): string {
  return [
    `${people} people, ${steps.length} steps:`,
    ...steps.map((s, i) => `  ${i + 1}. ${isCompanyStep(s) ? describeCompanyStep(s) : describeStep(s)}`),
    'violations:',
    ...violations.map((v) => `  - ${v}`),
  ].join('\n');
}

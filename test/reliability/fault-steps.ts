import { type Harness, type InvocationFault, MAX_RECEIVE_COUNT } from './harness.ts';
import type { GapKind, Step } from './steps.ts';

/* Steps that play a fault: a CRM fault during one invocation, a CDC gap, an outage into the DLQ. */

/** One processor invocation with a CRM fault active during it. */
export async function processWithFault(h: Harness, step: Extract<Step, { kind: 'process' }>): Promise<void> {
  const { hubspotSandbox, salesforceSandbox } = h.stack;
  switch (step.fault) {
    case 'hubspot-429':
      hubspotSandbox.injectFault({
        kind: '429-storm',
        count: step.severity,
        policyName: 'TEN_SECONDLY_ROLLING',
        pathPrefix: '/crm/v3/objects/contacts',
      });
      break;
    case 'hubspot-5xx':
      hubspotSandbox.injectFault({
        kind: 'error-rate',
        rate: 0.5,
        status: step.severity % 2 === 0 ? 502 : 503,
        pathPrefix: '/crm/v3/objects/contacts',
        seed: step.severity,
      });
      break;
    case 'salesforce-429':
      salesforceSandbox.injectFault({ kind: 'request-limit', count: step.severity });
      break;
    case 'salesforce-5xx':
      salesforceSandbox.injectFault({
        kind: 'error',
        status: step.severity % 2 === 0 ? 500 : 503,
        count: step.severity,
      });
      break;
    default:
      break;
  }
  try {
    await h.processOnce({ max: step.max, loseAck: step.loseAck, fault: invocationFault(step) });
  } finally {
    hubspotSandbox.clearFaults();
    salesforceSandbox.clearFaults();
  }
}

/**
 * Runs a Salesforce user change whose CDC events are lost and replaced by a gap event (`gap`): the
 * relay drops the change's events, then the org sends GAP_CREATE / GAP_UPDATE naming the record, or
 * GAP_OVERFLOW naming none. Outbound messages are another channel and still arrive (they retry until
 * acknowledged). Without `gap`, just the change.
 */
export async function withGap(
  h: Harness,
  gap: GapKind | undefined,
  objectType: 'Lead' | 'Contact',
  change: () => Promise<string>,
): Promise<string> {
  if (!gap) return change();
  const sandbox = h.stack.salesforceSandbox;
  // Earlier changes' events are delivered first: only this change's events are lost.
  await h.collect();
  sandbox.injectFault({ kind: 'drop-deliveries', target: 'cdc' });
  try {
    const id = await change();
    await sandbox.flushDeliveries();
    sandbox.clearFaults();
    sandbox.emitGap(gap, objectType, [id]);
    return id;
  } finally {
    sandbox.clearFaults();
  }
}

/**
 * A CRM is down (every call answers 503) for six invocations: the messages of the batch are received
 * more than maxReceiveCount times and land in the DLQ. The cause is fixed afterwards; a `redrive`
 * step (or quiescence, as an operator would) moves them back.
 */
export async function outage(h: Harness, side: 'hubspot' | 'salesforce'): Promise<void> {
  const { hubspotSandbox, salesforceSandbox } = h.stack;
  if (side === 'hubspot') hubspotSandbox.injectFault({ kind: 'error-rate', rate: 1, status: 503 });
  else salesforceSandbox.injectFault({ kind: 'error', status: 503 });
  try {
    for (let i = 0; i <= MAX_RECEIVE_COUNT; i++) await h.processOnce();
  } finally {
    hubspotSandbox.clearFaults();
    salesforceSandbox.clearFaults();
  }
}

/** The invocation fault of a `process` step (CRM-side faults are injected in the sandboxes instead). */
function invocationFault(step: Extract<Step, { kind: 'process' }>): InvocationFault | undefined {
  switch (step.fault) {
    case 'write-response-lost':
      return { kind: 'write-response-lost' };
    case 'hubspot-session-expired':
      return { kind: 'session-expired', side: 'hubspot', afterCalls: step.severity };
    case 'salesforce-session-expired':
      return { kind: 'session-expired', side: 'salesforce', afterCalls: step.severity };
    // Batches make few write calls per side: points 1–3 (a later point is a crash-free invocation).
    case 'crash-after-hubspot-write':
      return { kind: 'crash', side: 'hubspot', afterWrites: 1 + (step.severity % 3) };
    case 'crash-after-salesforce-write':
      return { kind: 'crash', side: 'salesforce', afterWrites: 1 + (step.severity % 3) };
    default:
      return undefined;
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lib/observability/observability.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import type { Lane } from '../../lib/rate-limit/index.ts';

/**
 * The local stack gets its dependencies from the same composition root as the Lambda functions, so
 * its jobs yield to live changes exactly as in AWS. The lane is read from the rate limiters' own
 * counters (every adapter call is granted a slot in one lane), with nothing mocked.
 */

type CallsByLane = Record<'hubspot' | 'salesforce', Record<Lane, number>>;

function callsByLane(stack: LocalStack): CallsByLane {
  return {
    hubspot: stack.limiters.hubspot.counters().callsByLane,
    salesforce: stack.limiters.salesforce.counters().callsByLane,
  };
}

/** Calls granted per CRM and lane while `fn` ran. */
async function callsDuring(stack: LocalStack, fn: () => Promise<unknown>): Promise<CallsByLane> {
  const before = callsByLane(stack);
  await fn();
  const after = callsByLane(stack);
  const delta = (crm: 'hubspot' | 'salesforce') => ({
    live: after[crm].live - before[crm].live,
    bulk: after[crm].bulk - before[crm].bulk,
  });
  return { hubspot: delta('hubspot'), salesforce: delta('salesforce') };
}

describe('local stack: rate-limiter lanes from the composition root', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      sandboxPorts: { hubspot: 0, salesforce: 0 },
      dataDir: null,
      demo: { hubspotContacts: 40, leads: 20, contacts: 6, salesforceOnlyLeads: 4, seed: 7 },
      // Nothing runs in the background, so every call counted below is the job's own.
      schedules: false,
      backgroundPolling: false,
      firstRunResync: false,
      log: silentLog,
    });
  });
  afterAll(() => stack?.close());

  it('R5: the resync of the segment runs in the bulk lane', async () => {
    const calls = await callsDuring(stack, () => stack.resync());
    expect(calls.hubspot.bulk).toBeGreaterThan(0);
    expect(calls.hubspot.live).toBe(0);
    expect(calls.salesforce.live).toBe(0);
  });

  it('the processor runs in the live lane: the resync notices are synced with live calls only', async () => {
    const calls = await callsDuring(stack, () => stack.flush());
    expect(calls.hubspot.live + calls.salesforce.live).toBeGreaterThan(0);
    expect(calls.hubspot.bulk + calls.salesforce.bulk).toBe(0);
  });

  it('R7: the Salesforce import runs in the bulk lane', async () => {
    const calls = await callsDuring(stack, () => stack.importSalesforce(['Lead', 'Contact']));
    expect(calls.salesforce.bulk).toBeGreaterThan(0);
    expect(calls.hubspot.bulk).toBeGreaterThan(0);
    expect(calls.hubspot.live + calls.salesforce.live).toBe(0);
  });

  it('the poll for changes runs in the bulk lane', async () => {
    const calls = await callsDuring(stack, () => stack.poll());
    expect(calls.hubspot.bulk).toBeGreaterThan(0);
    expect(calls.salesforce.bulk).toBeGreaterThan(0);
    expect(calls.hubspot.live + calls.salesforce.live).toBe(0);
  });

  it('R4: the scheduled segment refresh runs in the bulk lane', async () => {
    const calls = await callsDuring(stack, () => stack.refreshSegment());
    expect(calls.hubspot.bulk).toBeGreaterThan(0);
    expect(calls.hubspot.live + calls.salesforce.live).toBe(0);
  });
});

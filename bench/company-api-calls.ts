/**
 * The company scenarios of bench/api-calls.ts (docs/benchmarks.md#companies-and-accounts): linked
 * accounts changed in Salesforce and linked companies changed in HubSpot, through the processor's
 * account lane, against the batch floor — HubSpot reads and writes 100 per call, Salesforce reads
 * (SOQL `Id IN`) and writes (sObject Collections) 200 per call.
 */
import type { ChangeNotice } from '../lib/domain/notice.ts';
import { refreshOwnerDirectory } from '../lib/sync/owner-directory.ts';
import { setCompanySync } from '../lib/sync/segment-choice.ts';
import { nextEventId } from '../test/support/notices.ts';
import type { TestStack } from '../test/support/test-stack.ts';

/** What the account lane must at least spend on `changes` linked pairs, batch by batch. */
export interface BatchFloor {
  hubspot: { reads: number; writes: number };
  salesforce: { reads: number; writes: number };
}

/** The floor for `changes` notices in batches of `batchSize`, each record read on both sides and written on one. */
export function batchFloor(
  changes: number,
  batchSize: number,
  writeTo: 'hubspot' | 'salesforce',
): BatchFloor {
  const floor: BatchFloor = { hubspot: { reads: 0, writes: 0 }, salesforce: { reads: 0, writes: 0 } };
  for (let done = 0; done < changes; done += batchSize) {
    const n = Math.min(batchSize, changes - done);
    floor.hubspot.reads += Math.ceil(n / 100);
    floor.salesforce.reads += Math.ceil(n / 200);
    if (writeTo === 'hubspot') floor.hubspot.writes += Math.ceil(n / 100);
    else floor.salesforce.writes += Math.ceil(n / 200);
  }
  return floor;
}

/** `n` accounts and companies created by users, linked pairwise in the store (as a resync leaves them). */
async function seedLinkedCompanies(stack: TestStack, n: number) {
  const accounts: string[] = [];
  const companies: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `Bench Co ${i}`;
    const accountId = await stack.salesforceSandbox.userCreate('Account', { Name: name });
    const companyId = await stack.hubspotSandbox.userCreateCompany({ name });
    const snapshot = { name, phone: null, city: null, numberofemployees: null, industry: null };
    await stack.store.putCompanyPair(
      { companyId, accountId, snapshot, version: 0, lastSyncedAt: 0, origin: 'matched-by-contacts' },
      0,
    );
    accounts.push(accountId);
    companies.push(companyId);
  }
  return { accounts, companies };
}

const notice = (source: 'hubspot' | 'salesforce', recordId: string): ChangeNotice => ({
  source,
  objectType: source === 'hubspot' ? 'company' : 'Account',
  recordId,
  kind: 'updated',
  eventId: nextEventId(source === 'hubspot' ? 'co' : 'acc'),
  occurredAt: Date.now(),
});

/**
 * The two company scenarios. Company sync is turned on and the owner directory is listed once
 * beforehand (the scheduled refresh's work, not the changes'), so the figures are the changes' own.
 */
export async function companyScenarios<R>(
  withStack: <T>(fn: (stack: TestStack) => Promise<T>) => Promise<T>,
  run: (stack: TestStack, scenario: string, notices: ChangeNotice[]) => Promise<R>,
  changes: number,
): Promise<(R & { floor: BatchFloor })[]> {
  const prepare = async (stack: TestStack) => {
    const deps = { ...stack, now: () => Date.now() };
    await setCompanySync(deps, true);
    await refreshOwnerDirectory(deps);
    return seedLinkedCompanies(stack, changes);
  };
  const accounts = await withStack(async (stack) => {
    const seeded = await prepare(stack);
    for (const [i, id] of seeded.accounts.entries())
      await stack.salesforceSandbox.userUpdate('Account', id, { BillingCity: `City ${i}` });
    const result = await run(
      stack,
      'linked accounts, changed in Salesforce',
      seeded.accounts.map((id) => notice('salesforce', id)),
    );
    return { ...result, floor: batchFloor(changes, stack.config.processing.batchSize, 'hubspot') };
  });
  const companies = await withStack(async (stack) => {
    const seeded = await prepare(stack);
    for (const [i, id] of seeded.companies.entries())
      await stack.hubspotSandbox.userUpdateCompany(id, { city: `Town ${i}` });
    const result = await run(
      stack,
      'linked companies, changed in HubSpot',
      seeded.companies.map((id) => notice('hubspot', id)),
    );
    return { ...result, floor: batchFloor(changes, stack.config.processing.batchSize, 'salesforce') };
  });
  return [accounts, companies];
}

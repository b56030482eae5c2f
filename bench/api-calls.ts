/**
 * API calls per synced record (docs/design.md#batching: a first-class metric). For each scenario (contacts,
 * then companies and accounts: bench/company-api-calls.ts), 1,000
 * changes go through the processor in batches of `processing.batchSize` (200) against the sandboxes,
 * through the real adapters, and the sandboxes count every HTTP request. Prints JSON (figures, not
 * times):
 *   node bin/run-ts.js bench/api-calls.ts [--changes N]
 */
import type { ChangeNotice } from '../lib/domain/notice.ts';
import { moveInHubSpot, moveInSalesforce, setUpContactLinks } from '../test/support/contact-links.ts';
import { seedLinkedPairs } from '../test/support/linked-pairs.ts';
import { companyScenarios } from './company-api-calls.ts';
import { hubspotNotice, salesforceNotice } from '../test/support/notices.ts';
import { startTestStack, type TestStack } from '../test/support/test-stack.ts';

const argChanges = Number(process.argv[process.argv.indexOf('--changes') + 1]);
const CHANGES = Number.isInteger(argChanges) && argChanges > 0 ? argChanges : 1000;

interface ScenarioResult {
  scenario: string;
  changes: number;
  batches: number;
  synced: number;
  skipped: number;
  retried: number;
  calls: { hubspot: { reads: number; writes: number }; salesforce: { reads: number; writes: number } };
  totalCalls: number;
  callsPerSyncedRecord: number | null;
  callsPerChange: number;
}

/** Runs the notices through the processor in queue-sized batches and counts the API calls. */
async function run(stack: TestStack, scenario: string, notices: ChangeNotice[]): Promise<ScenarioResult> {
  const size = stack.config.processing.batchSize;
  let synced = 0;
  let skipped = 0;
  let retried = 0;
  let batches = 0;
  const { calls } = await stack.measure(async () => {
    for (let i = 0; i < notices.length; i += size) {
      const result = await stack.process(notices.slice(i, i + size));
      batches++;
      synced += result.summary.synced;
      skipped += result.summary.skipped;
      retried += result.summary.retried;
    }
  });
  const totalCalls =
    calls.hubspot.reads +
    calls.hubspot.writes +
    calls.hubspot.other +
    calls.salesforce.reads +
    calls.salesforce.writes +
    calls.salesforce.other;
  return {
    scenario,
    changes: notices.length,
    batches,
    synced,
    skipped,
    retried,
    calls: {
      hubspot: { reads: calls.hubspot.reads, writes: calls.hubspot.writes },
      salesforce: { reads: calls.salesforce.reads, writes: calls.salesforce.writes },
    },
    totalCalls,
    callsPerSyncedRecord: synced > 0 ? round(totalCalls / synced) : null,
    callsPerChange: round(totalCalls / notices.length),
  };
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

async function withStack<T>(fn: (stack: TestStack) => Promise<T>): Promise<T> {
  const stack = await startTestStack();
  try {
    return await fn(stack);
  } finally {
    await stack.close();
  }
}

const scenarios: ScenarioResult[] = [];

// Linked contacts changed in HubSpot: read both sides, write Salesforce.
scenarios.push(
  await withStack(async (stack) => {
    const pairs = await seedLinkedPairs(stack, CHANGES);
    for (const [i, id] of pairs.hubspotIds.entries())
      await stack.hubspotSandbox.userUpdateContact(id, { jobtitle: `Bench ${i}` });
    return run(
      stack,
      'linked, changed in HubSpot',
      pairs.hubspotIds.map((id) => hubspotNotice(id, { changedFields: ['jobtitle'] })),
    );
  }),
);

// Linked leads changed in Salesforce: read both sides, write HubSpot.
scenarios.push(
  await withStack(async (stack) => {
    const pairs = await seedLinkedPairs(stack, CHANGES);
    for (const [i, id] of pairs.salesforceIds.entries())
      await stack.salesforceSandbox.userUpdate('Lead', id, { Title: `Bench ${i}` });
    return run(
      stack,
      'linked, changed in Salesforce',
      pairs.salesforceIds.map((id) => salesforceNotice('Lead', id, { changedFields: ['Title'] })),
    );
  }),
);

// New HubSpot contacts with no Salesforce twin: read, look up by email, create Leads.
scenarios.push(
  await withStack(async (stack) => {
    const ids = stack.hubspotSandbox.seed({ contacts: CHANGES, seed: 4242 });
    return run(
      stack,
      'new in HubSpot, created in Salesforce',
      ids.map((id) => hubspotNotice(id, { kind: 'created' })),
    );
  }),
);

// Changes to contacts outside the inclusion segment: the gate refuses them from the store alone (R3).
scenarios.push(
  await withStack(async (stack) => {
    const pairs = await seedLinkedPairs(stack, CHANGES);
    const current = await stack.store.getSettings();
    await stack.store.putSettings(
      {
        inclusionSegmentId: '999999',
        segmentSelectedAt: Date.now(),
        segmentLoaded: true,
        autoCreateFromLeads: true,
        autoCreateFromContacts: true,
        version: (current?.version ?? 0) + 1,
      },
      current?.version ?? 0,
    );
    return run(
      stack,
      'outside the segment (R3)',
      pairs.hubspotIds.map((id) => hubspotNotice(id, { changedFields: ['jobtitle'] })),
    );
  }),
);

// C6 and O1–O3 on linked Contacts: account and owner changed in Salesforce, then primary company and
// owner changed in HubSpot. The owner and AccountId ride in the contacts' own batch updates; primary
// companies cost one associations v4 batch read and at most one batch write per processor batch.
scenarios.push(
  ...(await withStack(async (stack) => {
    const setup = await setUpContactLinks(stack, CHANGES);
    return [
      await run(
        stack,
        'Contacts: account and owner changed in Salesforce (C6, O3)',
        await moveInSalesforce(stack, setup),
      ),
      await run(
        stack,
        'Contacts: primary company and owner changed in HubSpot (C6, O2)',
        await moveInHubSpot(stack, setup),
      ),
    ];
  })),
);

// Companies ⇄ accounts (C7, C8): the account lane, against its batch floor (bench/company-api-calls.ts).
const companies = await companyScenarios(withStack, run, CHANGES);

console.log(
  JSON.stringify(
    {
      benchmark: 'api-calls-per-synced-record',
      changesPerScenario: CHANGES,
      scenarios: [...scenarios, ...companies],
    },
    null,
    2,
  ),
);

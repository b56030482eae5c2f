/**
 * What keeping a segment's membership costs in HubSpot calls per day, before and after the
 * incremental refresh (docs/benchmarks.md#membership-cost). A segment of N members (default 50,000)
 * in the HubSpot sandbox, crmsync's store in dynalite; every call is counted by the sandbox.
 *   node bin/run-ts.js bench/membership-cost.ts [--members N]
 *
 * - before: every refresh read the list (R1) and every membership page (`readAllMembers`, 250 per page);
 * - after: a refresh reads the list and the join order from the last page it saw (about one page when
 *   nothing joined); a full reconciliation (leaves) runs once a day or with the resync.
 * Per day with AWS's 5-minute schedule (288 refreshes).
 */
import { performance } from 'node:perf_hooks';
import { selectSegment } from '../lib/sync/segment-choice.ts';
import { readAllMembers, refreshSegment } from '../lib/sync/segment-refresh.ts';
import { machine, progress, round, stackSyncDeps, startBenchStack } from './bench-support.ts';

const BENCH = 'membership-cost';
const i = process.argv.indexOf('--members');
const n = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
const MEMBERS = Number.isInteger(n) && n > 0 ? n : 50_000;
const REFRESHES_PER_DAY = (24 * 60) / 5;
const GIVE_UP_MS = 60_000 + MEMBERS * 12;
setTimeout(() => {
  progress(BENCH, `gave up after ${Math.round(GIVE_UP_MS / 1000)} s`);
  process.exit(2);
}, GIVE_UP_MS).unref();

const atStart = machine();
const stack = await startBenchStack({ budgets: 'raised' });
try {
  const hs = stack.hubspotSandbox!;
  /** HubSpot calls the sandbox counted while `fn` ran. */
  const hubspotCalls = async (fn: () => Promise<unknown>) => {
    const total = () => Object.values(hs.counters()).reduce((a, b) => a + b, 0);
    const before = total();
    const t0 = performance.now();
    await fn();
    return { calls: total() - before, seconds: round((performance.now() - t0) / 1000, 2) };
  };
  const members = hs.seed({ contacts: MEMBERS, seed: 51, segmentRate: 1 });
  const outside = hs.seed({ contacts: 10, seed: 52, segmentRate: 0 });
  const deps = stackSyncDeps(stack);
  const list = await stack.hubspot.createDynamicList('Bench: membership cost', {
    property: 'lifecyclestage',
    operator: 'IS_ANY_OF',
    values: ['marketingqualifiedlead', 'salesqualifiedlead'],
  });
  progress(BENCH, `first load of ${members.length} members`);
  const firstLoad = await hubspotCalls(() => selectSegment(deps, list.listId));
  const before = await hubspotCalls(async () => {
    await stack.hubspot.getList(list.listId);
    await readAllMembers(stack.hubspot, list.listId);
  });
  const nothingJoined = await hubspotCalls(() => refreshSegment(deps));
  // A user edit moves one outside contact in: the DYNAMIC list picks it up.
  const joiner = outside[0]!;
  await hs.userUpdateContact(joiner, { lifecyclestage: 'salesqualifiedlead' });
  hs.processLists();
  let joined = 0;
  const oneJoined = await hubspotCalls(async () => {
    joined = (await refreshSegment(deps)).joined;
  });
  progress(BENCH, 'full reconciliation');
  const full = await hubspotCalls(() => refreshSegment(deps, undefined, { full: true }));
  const perDay = {
    before: before.calls * REFRESHES_PER_DAY,
    after: nothingJoined.calls * REFRESHES_PER_DAY + full.calls,
  };
  progress(BENCH, `per day at ${MEMBERS}: before ${perDay.before}, after ${perDay.after}`);
  console.log(
    JSON.stringify(
      {
        bench: BENCH,
        machineAtStart: atStart,
        machineAtEnd: machine(),
        members: MEMBERS,
        refreshesPerDay: REFRESHES_PER_DAY,
        firstLoad,
        refresh: {
          beforeEveryRefreshReadAll: before,
          afterNothingJoined: nothingJoined,
          afterOneJoined: { ...oneJoined, joined, joiner },
          afterFullReconciliation: full,
        },
        hubspotCallsPerDay: perDay,
      },
      null,
      2,
    ),
  );
} finally {
  await stack.close();
}
process.exit(0);

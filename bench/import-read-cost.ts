/**
 * What the Salesforce side of an import costs in API calls, SOQL pages against a Bulk API 2.0 query
 * job (docs/benchmarks.md#import-read-cost): N leads in the Salesforce sandbox, read page by page
 * through the import's own reader (`readImportPage`: the first SOQL page, then the threshold
 * decision) and the real adapter (jsforce, its `bulk2` client), every call counted by the sandbox.
 * Records are read and dropped: the HubSpot and store work of an import is the same whichever way the
 * records were read, so it is left out.
 *   node bin/run-ts.js bench/import-read-cost.ts [--records 20000,200000]
 */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../lib/config.ts';
import { bulkBreakEven, bulkReadCalls, soqlReadCalls } from '../lib/domain/read-cost.ts';
import { createRateLimiters } from '../lib/rate-limit/index.ts';
import { createSalesforceConnection } from '../lib/salesforce/salesforce-connection.ts';
import { SalesforceCrm } from '../lib/salesforce/salesforce-crm.ts';
import { type ImportReadNote, type ImportReadState, readImportPage } from '../lib/sync/large-reads.ts';
import { startSalesforceSandbox } from '../sandbox/salesforce/index.ts';
import { exampleConfigInput } from '../test/support/test-config.ts';
import { machine, progress, round } from './bench-support.ts';

const BENCH = 'import-read-cost';
const i = process.argv.indexOf('--records');
const SIZES = (i >= 0 ? (process.argv[i + 1] ?? '') : '20000,200000')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
setTimeout(() => {
  progress(BENCH, 'gave up after 9 minutes');
  process.exit(2);
}, 540_000).unref();

const atStart = machine();
const sandbox = await startSalesforceSandbox({ port: 0, autoDeliver: false, dailyApiLimit: 10_000_000 });

/** Reads every lead the way the import does, with this threshold; counts the sandbox's calls. */
async function read(threshold: number) {
  const input = exampleConfigInput();
  input.salesforce.instanceUrl = sandbox.url;
  input.salesforce.bulkQuery = { threshold };
  input.budgets = { salesforce: { dailyLimit: 10_000_000, dailyShare: 1, maxRequestsPer10s: 10_000 } };
  const config = parseConfig(input, 'bench config');
  const limiters = createRateLimiters(config.budgets);
  const crm = new SalesforceCrm({
    connection: createSalesforceConnection({
      instanceUrl: sandbox.url,
      accessToken: 'bench',
      clientName: 'crmsync',
    }),
    limiter: limiters.salesforce,
    clientName: 'crmsync',
    lane: 'bulk',
    bulk: config.salesforce.bulkQuery,
  });
  const before = sandbox.counters();
  const state: ImportReadState = { afterId: null };
  let note: ImportReadNote | undefined;
  let records = 0;
  let pages = 0;
  let peakRssMb = 0;
  const t0 = performance.now();
  for (let more = true; more; ) {
    const page = await readImportPage({ salesforce: crm, config }, 'Lead', state, (n) => {
      note = { ...note, ...n };
    });
    records += page.records.length;
    pages++;
    state.afterId = page.records.at(-1)?.id ?? state.afterId;
    more = page.more;
    peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 2 ** 20);
  }
  const seconds = round((performance.now() - t0) / 1000, 2);
  const after = sandbox.counters();
  const calls: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) calls[k] = v - (before[k] ?? 0);
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  return {
    records,
    pages,
    calls,
    totalCalls: total,
    seconds,
    peakRssMb: Math.round(peakRssMb),
    reading: note,
  };
}

const results = [];
try {
  let seeded = 0;
  for (const size of SIZES.sort((a, b) => a - b)) {
    progress(BENCH, `seeding ${size - seeded} more leads (${size} in all)`);
    sandbox.seed({ leads: size - seeded, contacts: 0, seed: 1000 + seeded });
    seeded = size;
    progress(BENCH, `${size}: SOQL pages`);
    const soql = await read(Number.MAX_SAFE_INTEGER);
    progress(BENCH, `${size}: ${soql.totalCalls} calls by SOQL pages; now Bulk (threshold 0)`);
    const bulk = await read(0);
    progress(BENCH, `${size}: ${bulk.totalCalls} calls with Bulk; now the default threshold`);
    const decided = await read(bulkBreakEven());
    progress(BENCH, `${size}: ${decided.totalCalls} calls as decided (${decided.reading?.via})`);
    results.push({
      records: size,
      soql,
      bulk,
      decided: { via: decided.reading?.via, totalCalls: decided.totalCalls, calls: decided.calls },
      model: { soqlCalls: soqlReadCalls(size), bulkCallsAtExpectedPolls: 1 + bulkReadCalls(size - 2000) },
    });
  }
  console.log(
    JSON.stringify(
      {
        bench: BENCH,
        machineAtStart: atStart,
        machineAtEnd: machine(),
        threshold: bulkBreakEven(),
        note: 'bulk = the first SOQL page (it tells totalSize) + one job for the rest; the sandbox completes a job at its 2nd status poll, Salesforce takes as long as the query takes (the model assumes 5 polls)',
        results,
      },
      null,
      2,
    ),
  );
} finally {
  await sandbox.close();
}
process.exit(0);

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { exampleConfigInput } from '../support/test-config.ts';
import { runCli } from './run-cli.ts';

/**
 * `crmsync import salesforce` against a running local stack whose config sets a low Bulk threshold:
 * 2,100 leads are one SOQL page of 2,000 (the sandbox's page size, as Salesforce's) and then, since
 * more than the threshold remain, one Bulk API 2.0 job for the other 100 (docs/design.md#bulk-reads).
 */
let stack: LocalStack;
const LEADS = 2100;

beforeAll(async () => {
  const input = exampleConfigInput();
  input.hubspot.inclusionSegmentId = null;
  input.salesforce.bulkQuery = { threshold: 50, pollFirstDelayMs: 10 };
  stack = await startLocalStack({
    port: 0,
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: null,
    demo: false,
    schedules: false,
    backgroundPolling: false,
    firstRunResync: false,
    config: parseConfig(input, 'test config'),
    log: silentLog,
  });
  stack.salesforceSandbox!.seed({ leads: LEADS, contacts: 0, seed: 99 });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('crmsync import salesforce above the Bulk threshold (R7)', () => {
  it('R7: reads the first SOQL page, then the rest through one Bulk API 2.0 job, and says so in its output', async () => {
    const before = stack.salesforceSandbox!.counters();

    const run = await runCli(['import', 'salesforce', '--objects', 'Lead', '--url', stack.url], 240_000);

    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(
      lines.some((l) => /^import Lead: .* \(via Bulk API 2\.0 job 750\w+: (InProgress|JobComplete)/.test(l)),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^import Lead: ${LEADS} read, ${LEADS} created, 0 linked, 0 already linked, ${LEADS} queued for sync \\(via Bulk API 2\\.0 job 750\\w+: JobComplete, 2 polls\\)$`,
      ),
    );
    const after = stack.salesforceSandbox!.counters();
    const n = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    const V = '/services/data/v{version}';
    expect([
      n(`GET ${V}/query`),
      n(`GET ${V}/query/{locator}`),
      n(`POST ${V}/jobs/query`),
      n(`GET ${V}/jobs/query/{id}/results`),
    ]).toEqual([1, 0, 1, 1]);
  }, 300_000);
});

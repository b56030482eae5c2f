import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../lib/cli/stack-target.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { startSigV4Proxy, TEST_AWS, testAwsEnv } from '../support/sigv4-proxy.ts';
import { runCli } from './run-cli.ts';

/**
 * The CLI against a deployed stack, proven without AWS: a local stack behind a proxy that checks
 * every request's SigV4 signature as API Gateway's AWS_IAM authorization does, recomputing it with
 * the test credentials. The CLI signs with the standard credential chain (here: the environment).
 */
let stack: LocalStack;
let proxy: Awaited<ReturnType<typeof startSigV4Proxy>>;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: null,
    demo: { hubspotContacts: 20, leads: 10, contacts: 5, salesforceOnlyLeads: 2, seed: 7 },
    schedules: false,
    queue: { batchingWindowMs: 200 },
    log: silentLog,
  });
  await stack.flush();
  proxy = await startSigV4Proxy(stack.url);
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await stack?.close();
});

const signed = () => ['--url', proxy.url, '--sign', '--region', TEST_AWS.region];

describe('CLI commands signed with SigV4 (a deployed stack)', () => {
  it('status, segment list, record, sync and dlq pass the signature check with the right credentials', async () => {
    const status = await runCli(['status', '--json', ...signed()], 60_000, testAwsEnv());
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ mode: 'sandbox' });

    const segments = await runCli(['segment', 'list', '--json', ...signed()], 60_000, testAwsEnv());
    expect(segments.code, segments.stderr).toBe(0);
    const { current } = JSON.parse(segments.stdout) as { current: string };
    const [member] = await stack.store.listMembers(current);

    const record = await runCli(['record', member!, '--json', ...signed()], 60_000, testAwsEnv());
    expect(record.code, record.stderr).toBe(0);
    expect(JSON.parse(record.stdout)).toMatchObject({ side: 'hubspot', id: member, inSegment: true });

    const sync = await runCli(['sync', member!, '--json', ...signed()], 90_000, testAwsEnv());
    expect(sync.code, sync.stderr).toBe(0);
    const receipt = JSON.parse(sync.stdout) as { noticeId: string; decision: { eventId: string } | null };
    expect(receipt.decision?.eventId).toBe(receipt.noticeId);

    const dlq = await runCli(['dlq', 'list', '--json', ...signed()], 60_000, testAwsEnv());
    expect(dlq.code, dlq.stderr).toBe(0);
    expect(JSON.parse(dlq.stdout)).toEqual({ messages: [] });

    expect(proxy.refused).toEqual([]);
    expect(proxy.passed).toEqual(
      expect.arrayContaining([
        'GET /api/status',
        'GET /api/segments',
        'GET /api/records/search',
        `POST /api/records/hubspot/${member}/sync`,
        'GET /api/dlq',
      ]),
    );
  }, 400_000);

  it('a wrong secret key is refused (403), and the CLI says so', async () => {
    const refusedBefore = proxy.refused.length;
    const run = await runCli(['segment', 'list', ...signed()], 60_000, testAwsEnv('not-the-secret-key'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Forbidden: the signature does not match');
    expect(proxy.refused.slice(refusedBefore)).toEqual(['the signature does not match']);
  }, 120_000);

  it('an unsigned request to the stand-in is refused: the local stack is only reached through it signed', async () => {
    const res = await fetch(`${proxy.url}/api/status`);
    expect(res.status).toBe(403);
  });

  it('--url https://… of an API Gateway endpoint signs for the region in its host name', async () => {
    const target = await resolveTarget({
      url: 'https://abc123.execute-api.ap-southeast-2.amazonaws.com/api',
    });
    expect(target).toMatchObject({
      baseUrl: 'https://abc123.execute-api.ap-southeast-2.amazonaws.com',
      region: 'ap-southeast-2',
    });
    expect(target.sign).toBeTypeOf('function');
    expect((await resolveTarget({ url: 'http://127.0.0.1:3000' })).sign).toBeUndefined();
  });

  it('--stack reads the AdminApiUrl output of the stack', async () => {
    const target = await resolveTarget(
      { stack: 'crmsync-prod' },
      {
        describeAdminUrl: async (name) =>
          name === 'crmsync-prod' ? 'https://xyz789.execute-api.us-east-2.amazonaws.com/api' : undefined,
      },
    );
    expect(target).toMatchObject({ label: 'crmsync-prod', region: 'us-east-2' });
    await expect(
      resolveTarget({ stack: 'other' }, { describeAdminUrl: async () => undefined }),
    ).rejects.toThrow('has no AdminApiUrl output');
  });
});

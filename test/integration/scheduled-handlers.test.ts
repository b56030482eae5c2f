import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyOnce } from '../../lib/lambda/lazy.ts';
import { createScheduledHandler } from '../../lib/lambda/scheduled-handler.ts';
import { buildScheduledDependencies } from '../../lib/lambda/sync-dependencies.ts';
import { SANDBOX_APP_TOKEN, SANDBOX_SALESFORCE_TOKEN } from '../../lib/local/adapters.ts';
import { runOwnerRefresh } from '../../lib/sync/owner-directory.ts';
import { runResync } from '../../lib/sync/resync.ts';
import { refreshSegment } from '../../lib/sync/segment-refresh.ts';
import { lambdaContext } from '../intake/lambda-context.ts';
import { apiBudgetPercents, captureEmf } from '../support/emf-lines.ts';
import { takeQueued } from '../support/queued-notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const schedule: ScheduledEvent = {
  version: '0',
  id: 'evt-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-29T03:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
};

/** functions/resync.ts, segment-refresh.ts, poll.ts: thin scheduled handlers built from the environment. */
describe('scheduled Lambda handlers', () => {
  let stack: TestStack;
  let listId: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack({ queue: true });
    listId = stack.hubspotSandbox.seedDemo(60, 7);
    const dir = mkdtempSync(join(tmpdir(), 'crmsync-scheduled-'));
    const configPath = join(dir, 'crmsync.config.json');
    writeFileSync(
      configPath,
      JSON.stringify({ ...stack.config, hubspot: { ...stack.config.hubspot, inclusionSegmentId: listId } }),
    );
    env = {
      CRMSYNC_TABLE_NAME: stack.tableName,
      CRMSYNC_QUEUE_URL: stack.queueUrl!,
      CRMSYNC_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:crmsync-test',
      CRMSYNC_CONFIG_PATH: configPath,
    };
  });
  afterAll(() => stack?.close());

  const getDeps = () =>
    lazyOnce(() =>
      buildScheduledDependencies({
        env,
        dynamoClient: stack.dynamo.client,
        sqsClient: stack.sqs!.client,
        secretSource: {
          getSecretString: async () =>
            JSON.stringify({
              hubspotAccessToken: SANDBOX_APP_TOKEN,
              salesforceInstanceUrl: stack.salesforceSandbox.url,
              salesforceAccessToken: SANDBOX_SALESFORCE_TOKEN,
            }),
        },
      }),
    );

  const drainQueue = () => takeQueued(stack.sqs!.client, stack.queueUrl!);

  it('segment-refresh loads the segment from the config without queueing anyone on the first load (R4), and counts API usage', async () => {
    const handler = createScheduledHandler('segment-refresh', getDeps(), (deps) => refreshSegment(deps));
    const { result, emf } = await captureEmf(() => handler(schedule, lambdaContext('segment-refresh')));
    expect(result).toMatchObject({
      segment: { listId, processingType: 'DYNAMIC' },
      firstLoad: true,
      notices: 0,
    });
    expect((result as { members: number }).members).toBeGreaterThan(0);
    expect(await drainQueue()).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await stack.store.getApiUsage('hubspot', today)).toBeGreaterThan(0);
    // The flush reported HubSpot's share used (the budget alarm's metric); Salesforce was not called.
    expect(Object.keys(apiBudgetPercents(emf))).toEqual(['hubspot']);
  });

  it('resync queues one resync notice per member (R5)', async () => {
    const handler = createScheduledHandler('resync', getDeps(), (deps) => runResync(deps));
    const members = await stack.store.listMembers(listId);
    const result = await handler(schedule, lambdaContext('resync'));
    expect(result).toEqual({ segmentId: listId, queued: members.length, done: true });
    const notices = await drainQueue();
    expect(notices.map((n) => n.recordId).sort()).toEqual([...members].sort());
    expect(new Set(notices.map((n) => n.kind))).toEqual(new Set(['resync']));
  });

  it('O2/O3: owner-refresh lists both CRMs’ owners into the store, and queues nothing', async () => {
    stack.hubspotSandbox.addOwner({ email: 'scheduled.owner@example.com' });
    stack.salesforceSandbox.addUser({ Email: 'scheduled.user@example.com', LastName: 'User' });
    const handler = createScheduledHandler('owner-refresh', getDeps(), (deps) => runOwnerRefresh(deps));
    const result = await handler(schedule, lambdaContext('owner-refresh'));
    const directory = await stack.store.getOwnerDirectory();
    expect(result).toEqual({
      hubspotOwners: directory?.hubspotOwners.length,
      salesforceUsers: directory?.salesforceUsers.length,
    });
    expect(directory?.hubspotOwners.map((o) => o.email)).toContain('scheduled.owner@example.com');
    expect(directory?.salesforceUsers.map((u) => u.email)).toContain('scheduled.user@example.com');
    expect(await drainQueue()).toEqual([]);
  });

  it('a missing queue URL fails the invocation, naming the variable', async () => {
    const handler = createScheduledHandler(
      'poll',
      () =>
        buildScheduledDependencies({
          env: { ...env, CRMSYNC_QUEUE_URL: '' },
          dynamoClient: stack.dynamo.client,
        }),
      async () => ({}),
    );
    await expect(handler(schedule, lambdaContext('poll'))).rejects.toThrow(/CRMSYNC_QUEUE_URL/);
  });
});

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminHandler } from '../../functions/admin.ts';
import { createJobHandler } from '../../functions/job.ts';
import type { JobLauncher } from '../../lib/admin/jobs.ts';
import type { ImportProgress } from '../../lib/admin/import-tracker.ts';
import type { RecordTrace, StatusReport, SyncNowReceipt } from '../../lib/admin/services.ts';
import { buildAdminServices, buildJobDependencies } from '../../lib/lambda/admin-dependencies.ts';
import { lazyOnce } from '../../lib/lambda/lazy.ts';
import { SANDBOX_APP_TOKEN, SANDBOX_SALESFORCE_TOKEN } from '../../lib/local/adapters.ts';
import { apiGatewayEvent } from '../intake/api-gateway-event.ts';
import { lambdaContext } from '../intake/lambda-context.ts';
import { jsonSecret, lambdaEnv } from '../support/lambda-env.ts';
import { takeQueued } from '../support/queued-notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/**
 * functions/admin.ts driven by API Gateway v2 events against dynalite, the local SQS and the CRM
 * sandboxes: the same routes as the local `/api/*`, served from a deployed stack's pieces. Jobs go
 * through functions/job.ts, started the way Lambda's asynchronous invoke starts it (not awaited).
 */
describe('admin API Lambda (functions/admin.ts)', () => {
  let stack: TestStack;
  let listId: string;
  let admin: ReturnType<typeof createAdminHandler>;
  const jobsInFlight: Promise<unknown>[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ queue: true });
    listId = stack.hubspotSandbox.seedDemo(30, 7);
    const env = {
      ...lambdaEnv(stack),
      CRMSYNC_QUEUE_URL: stack.queueUrl!,
      CRMSYNC_DLQ_URL: stack.dlqUrl!,
      CRMSYNC_JOB_FUNCTION: 'crmsync-job',
    };
    const clients = {
      env,
      dynamoClient: stack.dynamo.client,
      sqsClient: stack.sqs!.client,
      secretSource: jsonSecret({
        hubspotAccessToken: SANDBOX_APP_TOKEN,
        salesforceInstanceUrl: stack.salesforceSandbox.url,
        salesforceAccessToken: SANDBOX_SALESFORCE_TOKEN,
      }),
    };
    const job = createJobHandler(lazyOnce(() => buildJobDependencies(clients)));
    // Lambda's InvocationType Event: accepted at once, run later; the test awaits the runs it started.
    const launcher: JobLauncher = {
      launch: async (request) => {
        jobsInFlight.push(job(request, lambdaContext('job')));
      },
    };
    admin = createAdminHandler(() => buildAdminServices({ ...clients, launcher }));
  });
  afterAll(() => stack?.close());

  async function call<T>(method: string, path: string, body?: unknown, query = '') {
    const event = apiGatewayEvent({
      method,
      path,
      query,
      body: body === undefined ? '' : JSON.stringify(body),
    });
    const res = await admin(event, lambdaContext('admin'));
    return { status: res.statusCode, body: JSON.parse(res.body ?? '{}') as T };
  }
  const settled = async () => {
    await Promise.all(jobsInFlight.splice(0));
  };

  it('R4: setting the segment through the admin API loads its members and queues nobody', async () => {
    const lists = await call<{ lists: { listId: string; processingType: string }[] }>('GET', '/api/segments');
    expect(lists.status).toBe(200);
    expect(lists.body.lists.map((l) => l.listId)).toContain(listId);
    expect(new Set(lists.body.lists.map((l) => l.processingType))).toEqual(new Set(['DYNAMIC']));

    const res = await call<{ settings: { inclusionSegmentId: string } }>('POST', '/api/segments/select', {
      listId,
    });
    expect(res.status).toBe(200);
    expect(res.body.settings.inclusionSegmentId).toBe(listId);
    expect((await stack.store.listMembers(listId)).length).toBeGreaterThan(0);
    expect(await takeQueued(stack.sqs!.client, stack.queueUrl!)).toEqual([]);

    const status = await call<StatusReport>('GET', '/api/status');
    expect(status.status).toBe(200);
    expect(status.body.segment).toMatchObject({ id: listId, processingType: 'DYNAMIC', loaded: true });
  });

  it('R1: a MANUAL list is refused with 422 naming its type; the segment stays as it was', async () => {
    const created = await fetch(`${stack.hubspotSandbox.url}/crm/v3/lists/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_APP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Trade show (manual)', objectTypeId: '0-1', processingType: 'MANUAL' }),
    });
    const manualId = ((await created.json()) as { list: { listId: string } }).list.listId;
    const res = await call<{ error: string }>('POST', '/api/segments/select', { listId: manualId });
    expect(res.status).toBe(422);
    expect(res.body.error).toContain('MANUAL list');
    expect((await call<StatusReport>('GET', '/api/status')).body.segment?.id).toBe(listId);
  });

  it('R5: a resync starts asynchronously in the job function and its progress is read from the status', async () => {
    const started = await call<StatusReport['resync']>('POST', '/api/resync');
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ running: true, enqueued: 0 });
    await settled();
    const members = (await stack.store.listMembers(listId)).length;
    const { resync } = (await call<StatusReport>('GET', '/api/status')).body;
    expect(resync).toMatchObject({ running: false, enqueued: members, total: members, error: null });
    const queued = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(queued).toHaveLength(members);
    expect(new Set(queued.map((n) => n.kind))).toEqual(new Set(['resync']));
  });

  it('R7: an import starts asynchronously and its progress is read from GET /api/import', async () => {
    stack.salesforceSandbox.seed({ leads: 3, contacts: 0, seed: 5 });
    const started = await call<ImportProgress>('POST', '/api/import', { objects: ['Lead'] });
    expect(started.status).toBe(202);
    expect(started.body.running).toBe(true);
    await settled();
    const progress = (await call<ImportProgress>('GET', '/api/import')).body;
    expect(progress).toMatchObject({ running: false, error: null });
    expect(progress.objects.map((o) => [o.object, o.done, o.read])).toEqual([['Lead', true, 3]]);
    await takeQueued(stack.sqs!.client, stack.queueUrl!);
  });

  it("reads a record's trace, and sync now queues it through the normal path: the decision carries the notice id", async () => {
    const [member] = await stack.store.listMembers(listId);
    const trace = await call<RecordTrace>('GET', `/api/records/hubspot/${member}`);
    expect(trace.status).toBe(200);
    expect(trace.body).toMatchObject({ side: 'hubspot', id: member, inSegment: true });
    expect(trace.body.hubspot?.properties.email).toMatch(/@/);

    const receipt = await call<SyncNowReceipt>('POST', `/api/records/hubspot/${member}/sync`);
    expect(receipt.status).toBe(202);
    const queued = await takeQueued(stack.sqs!.client, stack.queueUrl!);
    expect(queued.map((n) => [n.source, n.recordId, n.eventId])).toEqual([
      ['hubspot', member, receipt.body.noticeId],
    ]);
    await stack.process(queued);
    const after = (await call<RecordTrace>('GET', `/api/records/hubspot/${member}`)).body;
    const decision = after.decisions.find((d) => d.eventId === receipt.body.noticeId);
    expect(decision?.outcome).toBe('synced');
    expect(after.pair?.salesforceId).toMatch(/^00Q/);
  });

  it('sync now refuses an id that is not a record id, saying what one looks like', async () => {
    const res = await call<{ error: string }>('POST', '/api/records/salesforce/not-an-id/sync');
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('Lead (00Q…) or Contact (003…)');
  });

  it('lists the dead letters and redrives them to the changes queue', async () => {
    const body = JSON.stringify({
      source: 'hubspot',
      objectType: 'contact',
      recordId: '42',
      kind: 'updated',
      eventId: 'dead-1',
      occurredAt: 1,
    });
    await stack.sqs!.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl!, MessageBody: body }));
    const listed = await call<{ messages: { body: string }[] }>('GET', '/api/dlq', undefined, 'max=5');
    expect(listed.body.messages.map((m) => m.body)).toEqual([body]);
    const redriven = await call<{ moved: number }>('POST', '/api/dlq/redrive');
    expect(redriven.body).toEqual({ moved: 1 });
    expect((await takeQueued(stack.sqs!.client, stack.queueUrl!)).map((n) => n.eventId)).toEqual(['dead-1']);
    expect((await call<{ messages: unknown[] }>('GET', '/api/dlq')).body.messages).toEqual([]);
  });

  it('serves no sandbox playground (a deployed stack has none) and names an unknown path', async () => {
    expect((await call('GET', '/api/playground/hubspot')).status).toBe(404);
    expect((await call('GET', '/api/nothing')).status).toBe(404);
    expect((await call('DELETE', '/api/status')).status).toBe(405);
  });
});

import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessorHandler } from '../../functions/processor.ts';
import { buildProcessorDependencies } from '../../lib/lambda/sync-dependencies.ts';
import { SANDBOX_APP_TOKEN, SANDBOX_SALESFORCE_TOKEN } from '../../lib/local/adapters.ts';
import { apiBudgetPercents, captureEmf } from '../support/emf-lines.ts';
import { lambdaEnv } from '../support/lambda-env.ts';
import { type LinkedPairs, seedLinkedPairs } from '../support/linked-pairs.ts';
import { hubspotNotice } from '../support/notices.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

/** functions/processor.ts: the thin middy handler, its dependencies built from the environment. */
describe('processor Lambda handler', () => {
  let stack: TestStack;
  let pairs: LinkedPairs;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack();
    pairs = await seedLinkedPairs(stack, 2);
    env = lambdaEnv(stack);
  });
  afterAll(() => stack?.close());

  const secretSource = () => ({
    getSecretString: async () =>
      JSON.stringify({
        hubspotAccessToken: SANDBOX_APP_TOKEN,
        salesforceInstanceUrl: stack.salesforceSandbox.url,
        salesforceAccessToken: SANDBOX_SALESFORCE_TOKEN,
      }),
  });

  it('processes an SQS event and answers with a partial batch response', async () => {
    const [hubspotId, leadId] = [pairs.hubspotIds[0]!, pairs.salesforceIds[0]!];
    await stack.hubspotSandbox.userUpdateContact(hubspotId, { jobtitle: 'Via the handler' });
    const handler = createProcessorHandler(() =>
      buildProcessorDependencies({ env, dynamoClient: stack.dynamo.client, secretSource: secretSource() }),
    );
    const event: SQSEvent = {
      Records: [
        sqsRecord('m-good', JSON.stringify(hubspotNotice(hubspotId, { changedFields: ['jobtitle'] }))),
        sqsRecord('m-poison', '{"not":"a notice"}'),
      ],
    };

    const today = new Date().toISOString().slice(0, 10);
    const usageBefore = await stack.store.getApiUsage('salesforce', today);

    const { result: response, emf } = await captureEmf(() => handler(event, lambdaContext()));

    expect(response).toEqual({ batchItemFailures: [] });
    // The usage flush published each CRM's ApiBudgetUsedPercent, the metric the budget alarms watch:
    // a handful of calls against the test config's large daily share, so far below the alarm's 80.
    const budget = apiBudgetPercents(emf);
    expect(Object.keys(budget).sort()).toEqual(['hubspot', 'salesforce']);
    for (const percent of Object.values(budget)) expect(percent).toBeLessThan(80);
    expect(stack.salesforceSandbox.getRecord(leadId)?.['Title']).toBe('Via the handler');
    // The invocation's Salesforce calls (one read, one write) were added to the shared daily counter.
    expect((await stack.store.getApiUsage('salesforce', today)) - usageBefore).toBeGreaterThanOrEqual(2);
  });

  it('a missing environment variable fails the invocation (the whole batch is retried), naming the variable', async () => {
    const handler = createProcessorHandler(() =>
      buildProcessorDependencies({ env: { ...env, CRMSYNC_TABLE_NAME: '' }, secretSource: secretSource() }),
    );
    await expect(handler({ Records: [sqsRecord('m-1', '{}')] }, lambdaContext())).rejects.toThrow(
      /CRMSYNC_TABLE_NAME/,
    );
  });
});

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:crmsync-changes',
    awsRegion: 'us-east-1',
  };
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'crmsync-processor',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:crmsync-processor',
    memoryLimitInMB: '1024',
    awsRequestId: 'b2c1d7a0-0000-4000-8000-000000000001',
    logGroupName: '/aws/lambda/crmsync-processor',
    logStreamName: '2026/11/29/[$LATEST]processor',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws, startTestStack } from '../support/test-stack.ts';
import { hubspotNotice } from '../support/notices.ts';
import { historyOfSeed } from './long-run-worker.ts';
import type { FinalState } from './invariants.ts';
import { runHistory } from './run-history.ts';

/**
 * What a history leaves in both CRMs and the store, without times and without the run id in the
 * people's emails (two runs differ in those only).
 */
function outcomeOf(state: FinalState): unknown {
  const fields = (values: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(values).filter(([k]) => !/date|time|modstamp|^hs_/i.test(k)));
  const outcome = {
    hubspot: [...state.hubspot.values()].map((c) => ({ id: c.id, properties: fields(c.properties) })),
    salesforce: [...state.salesforce.values()].map((r) => ({
      id: r.id,
      objectType: r.objectType,
      fields: fields(r.fields),
      isConverted: r.isConverted,
      isDeleted: r.isDeleted,
    })),
    pairs: [...state.pairsByHubSpot.values()]
      .map((p) => [p.hubspotId, p.salesforceId, p.snapshot] as const)
      .sort((a, b) => a[0].localeCompare(b[0])),
    members: [...state.members].sort(),
  };
  return JSON.parse(JSON.stringify(outcome).replace(/(p\d+)\.\d+x\d+@/g, '$1@'));
}

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ unsignedAws: true });
});
afterAll(async () => {
  await aws.close();
});

describe('reliability long run: dynalite and the local SQS reused by one worker', () => {
  it('a history on reused services ends exactly as on its own fresh stack, after another history ran there', async () => {
    // Two histories without concurrent processors (their interleaving is the one timing-dependent part).
    const [people, steps] = historyOfSeed(1240000003, 30, new Set());
    const [otherPeople, otherSteps] = historyOfSeed(1240000006, 30, new Set());

    const fresh = await runHistory(people, steps);
    await runHistory(otherPeople, otherSteps, { aws });
    const reused = await runHistory(people, steps, { aws });

    expect(reused.violations).toEqual(fresh.violations);
    expect(reused.happened).toEqual(fresh.happened);
    expect(outcomeOf(reused.state)).toEqual(outcomeOf(fresh.state));
  }, 120_000);

  it('a stack on shared services leaves nothing behind: its table is deleted and both queues are empty', async () => {
    const stack = await startTestStack({ aws, queue: true });
    await stack.queue!.send([hubspotNotice('101')]);
    const { tableName, queueUrl } = stack;
    await stack.close();

    // dynalite drops a deleted table's items at once and its name a moment later (DELETING meanwhile).
    const gone = await aws.dynamo.client.send(new DescribeTableCommand({ TableName: tableName })).then(
      (d) => d.Table?.TableStatus,
      (error: Error) => error.name,
    );
    expect(['DELETING', 'ResourceNotFoundException']).toContain(gone);
    const next = await startTestStack({ aws, queue: true });
    try {
      expect(next.queueUrl).toBe(queueUrl);
      expect(next.tableName).not.toBe(tableName);
      expect(await next.store.listMembers('any')).toEqual([]);
      const depth = await next.sqs!.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(depth.Attributes).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
    } finally {
      await next.close();
    }
  });
});

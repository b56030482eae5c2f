import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.ts';
import { LOOPBACK_AUTHORIZATION } from '../support/unsigned-aws.ts';

/** The slice of an SDK client's middleware stack this test uses (the same for every client). */
interface MiddlewareStack {
  add(
    middleware: (
      next: (args: { request: unknown }) => Promise<unknown>,
    ) => (args: { request: unknown }) => Promise<unknown>,
    options: { step: 'deserialize'; name: string },
  ): void;
}

/** The Authorization header of every request a client sends, as it leaves the SDK (after signing). */
function recordAuthorization(client: { middlewareStack: unknown }): string[] {
  const seen: string[] = [];
  // The deserialize step runs after finalizeRequest (where the signer works): the request as sent.
  (client.middlewareStack as MiddlewareStack).add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      seen.push(headers['authorization'] ?? '');
      return next(args);
    },
    { step: 'deserialize', name: 'recordAuthorization' },
  );
  return seen;
}

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('test stack: unsigned AWS clients for the reliability long run', () => {
  it('with unsignedAws the store and the queue work against dynalite and the local SQS without SigV4', async () => {
    stack = await startTestStack({ queue: true, unsignedAws: true });
    const dynamoAuth = recordAuthorization(stack.dynamo.client);
    const sqsAuth = recordAuthorization(stack.sqs!.client);

    await stack.store.applyMembershipChanges('list-1', [{ hubspotId: '101', change: 'joined', at: 1 }], {
      record: false,
    });
    expect(await stack.store.listMembers('list-1')).toEqual(['101']);
    await stack.queue!.send([
      {
        source: 'hubspot',
        objectType: 'contact',
        recordId: '101',
        kind: 'updated',
        eventId: 'e1',
        occurredAt: 1,
      },
    ]);
    const attributes = await stack.sqs!.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );

    expect(attributes.Attributes?.['ApproximateNumberOfMessages']).toBe('1');
    expect(dynamoAuth.length).toBeGreaterThan(0);
    expect(new Set([...dynamoAuth, ...sqsAuth])).toEqual(new Set([LOOPBACK_AUTHORIZATION]));
  });

  it('by default the store signs its calls with SigV4, as production does', async () => {
    stack = await startTestStack();
    const dynamoAuth = recordAuthorization(stack.dynamo.client);

    await stack.store.listMembers('list-1');

    expect(dynamoAuth.length).toBeGreaterThan(0);
    for (const header of dynamoAuth) {
      expect(header).toMatch(
        /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/local\/dynamodb\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/,
      );
    }
  });
});

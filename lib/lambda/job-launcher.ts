import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { JobLauncher, JobRequest } from '../admin/jobs.ts';

/**
 * Starts a job in the job function with an asynchronous invocation (`InvocationType: Event`): Lambda
 * queues it and answers 202 at once, so the admin API answers within API Gateway's 30 s while the
 * job may run up to the function's 15 minutes.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 */
export function lambdaJobLauncher(client: LambdaClient, functionName: string): JobLauncher {
  return {
    async launch(request: JobRequest) {
      await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
    },
  };
}

import { type JobRequest, jobRequestSchema, runJob } from '../lib/admin/jobs.ts';
import { buildJobDependencies } from '../lib/lambda/admin-dependencies.ts';
import { lazyOnce } from '../lib/lambda/lazy.ts';
import { withMiddleware } from '../lib/lambda/middy-chain.ts';
import { createPowertools, type Powertools } from '../lib/lambda/powertools.ts';

/**
 * Runs a resync (R5) or an import (R7) started from the admin API (invoked asynchronously), saving
 * its progress in the store for `GET /api/status` and `GET /api/import`. A bad request throws: the
 * asynchronous invocation's retries cannot fix it, and the log names what was wrong.
 */
export function createJobHandler(
  getDeps: () => ReturnType<typeof buildJobDependencies>,
  powertools: Powertools = createPowertools('job'),
) {
  return withMiddleware<JobRequest, unknown>(
    async (event) => {
      const request = jobRequestSchema.parse(event);
      const { deps, progress, flushUsage } = await getDeps();
      try {
        const result = await runJob(request, deps, progress, powertools.logger);
        powertools.logger.info(`${request.kind} job done`, { result });
        return result;
      } finally {
        await flushUsage();
      }
    },
    { powertools },
  );
}

export const handler = createJobHandler(lazyOnce(() => buildJobDependencies()));

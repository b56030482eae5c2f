import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { errorSummary } from '../observability/observability.ts';
import type { Powertools } from './powertools.ts';

/**
 * The one middleware chain of every crmsync Lambda handler (docs/design.md#middy-chain):
 * 1. Powertools Logger `injectLambdaContext` (request id, cold start, function name on each line;
 *    keys added during an invocation are reset after it),
 * 2. Powertools Metrics `logMetrics` (EMF flush after each invocation, cold-start metric),
 * 3. error handling: an uncaught error is logged (name and message only, no event: events carry
 *    emails) and counted as `handler.error`; `onError` may turn it into a response (HTTP
 *    handlers answer 500/503), otherwise it is rethrown so Lambda retries (CDC, SQS).
 */
export interface MiddlewareOptions<TEvent, TResult> {
  powertools: Powertools;
  /** Maps an uncaught error to a response; return undefined to rethrow. */
  onError?: (error: unknown, event: TEvent) => TResult | undefined;
}

export function withMiddleware<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  options: MiddlewareOptions<TEvent, TResult>,
): MiddyfiedHandler<TEvent, TResult, Error, Context> {
  const { logger, metrics } = options.powertools;
  return middy<TEvent, TResult, Error, Context>(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }))
    .use({
      onError: async (request) => {
        logger.error('handler failed', { error: errorSummary(request.error) });
        metrics.addMetric('handler.error', 'Count', 1);
        const response = options.onError?.(request.error, request.event);
        if (response !== undefined) request.response = response;
      },
    });
}

/**
 * The changes queue's settings, shared by the CDK stack and the local stack so the two cannot drift.
 */

/** The processor function's timeout. */
export const PROCESSOR_TIMEOUT_SECONDS = 120;

/**
 * AWS recommends a visibility timeout of at least six times the function timeout for an SQS event
 * source, so a batch retried by the poller is not handed out twice while the first invocation still
 * runs. https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 */
export const CHANGES_VISIBILITY_TIMEOUT_SECONDS = 6 * PROCESSOR_TIMEOUT_SECONDS;

/**
 * Five receives: a retryable error (429 storm, 5xx) gets five tries with SQS backoff before the
 * notice is parked in the DLQ; a permanent error is recorded and never retried at all.
 */
export const CHANGES_MAX_RECEIVE_COUNT = 5;

/**
 * Processor invocations in flight at once: the event source mapping's `maxConcurrency` in AWS (2, the
 * minimum SQS allows), and the local poller's, so the local stack overlaps batches as AWS does.
 */
export const PROCESSOR_MAX_CONCURRENCY = 2;

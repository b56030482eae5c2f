import { Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IDestination, DestinationConfig } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * Least privilege, written out action by action instead of the CDK's broad `grant*` helpers (which
 * add Scan, stream reads, GetQueueUrl, DescribeSecret…). The assertion test in test/cdk lists the
 * exact actions of every function's role; change both together.
 */

/**
 * The DynamoDB calls the store adapter makes (lib/aws): single-item reads and conditional writes,
 * batch reads and writes, and Query on the table and its indexes. No Scan (nothing scans), no
 * stream reads (no stream), no transactions (the store is built without them).
 */
export const STORE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/** Lets a function use the store table and query its indexes. */
export function grantStore(fn: IGrantable & Construct, table: ITableV2): void {
  fn.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [...STORE_ACTIONS],
      resources: [table.tableArn, `${table.tableArn}/index/*`],
    }),
  );
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(table.node.defaultChild as never)}.Arn>/index/*]`,
    reason:
      "Queries on the store table's own secondary indexes (the decision feed and sync-error index); no other table.",
  });
}

/**
 * Lets a function send to a queue: `sqs:SendMessage` also authorizes SendMessageBatch, which is all
 * the queue adapter calls (it never needs the queue URL or attributes: the URL is in the environment).
 */
export function grantSend(fn: IGrantable, queue: IQueue): void {
  fn.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
}

/**
 * An async-invoke on-failure destination that grants only `sqs:SendMessage` on its queue
 * (`SqsDestination` also grants GetQueueAttributes and GetQueueUrl, which Lambda does not need).
 */
export class SendOnlyQueueDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    grantSend(fn, this.queue);
    return { destination: this.queue.queueArn };
  }
}

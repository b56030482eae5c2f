import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

/** The SDK's request signer (SigV4 by default), as a client's `signer` option takes it. */
type RequestSigner = Extract<NonNullable<DynamoDBClientConfig['signer']>, { sign: unknown }>;

/**
 * The Authorization header every loopback request carries instead of a SigV4 signature. dynalite
 * checks that the header is well formed (Credential, SignedHeaders, Signature, X-Amz-Date) and never
 * verifies it; the local SQS ignores it.
 */
export const LOOPBACK_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=local/20200101/local/service/aws4_request, SignedHeaders=host, Signature=unsigned';

/**
 * A signer that stamps the fixed header above. SigV4 (a SHA-256 of the body, a canonical request and
 * an HMAC chain per call) is about a fifth of each DynamoDB call's CPU against dynalite, and the
 * reliability long run makes ~160 AWS calls per history (docs/reliability.md "Speed of the long run").
 * Test harness only: production clients sign, and every other test signs.
 */
export const loopbackSigner: RequestSigner = {
  sign: async (request) => {
    request.headers['authorization'] = LOOPBACK_AUTHORIZATION;
    request.headers['x-amz-date'] = '20200101T000000Z';
    return request;
  },
};

const LOOPBACK = {
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 3,
  signer: loopbackSigner,
  // Resolve the middleware stack once per command class, not on every call (the SDK's documented
  // option; nothing adds middleware to these clients after their first call).
  cacheMiddleware: true,
};

/** A DynamoDB client for a loopback dynalite that does not sign (see `loopbackSigner`). */
export function unsignedDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...LOOPBACK, endpoint, region: 'local' });
}

/** An SQS client for the loopback local SQS that does not sign (see `loopbackSigner`). */
export function unsignedSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ ...LOOPBACK, endpoint, region: 'us-east-1' });
}

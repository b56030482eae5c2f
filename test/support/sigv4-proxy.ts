import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** The credentials the tests sign with (never real: nothing leaves 127.0.0.1). */
export const TEST_AWS = {
  accessKeyId: 'AKIDCRMSYNCTEST0001',
  secretAccessKey: 'crmsync-test-secret-key-not-real',
  region: 'eu-west-1',
};

/** The environment the CLI's credential chain reads TEST_AWS from (no profile, no instance role). */
export function testAwsEnv(secretAccessKey = TEST_AWS.secretAccessKey): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: TEST_AWS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: TEST_AWS.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/**
 * A stand-in for API Gateway's AWS_IAM authorization in front of a local stack: it recomputes each
 * request's SigV4 signature from what arrived (method, path, query, the signed headers, the body and
 * the `x-amz-date`) with the test credentials, refuses a mismatch with 403 as API Gateway does, and
 * forwards a match to `target`. Listens on 127.0.0.1 only.
 */
export async function startSigV4Proxy(target: string): Promise<{
  url: string;
  /** Requests refused, with the reason. */
  refused: string[];
  /** Requests let through: "METHOD /path". */
  passed: string[];
  close(): Promise<void>;
}> {
  const refused: string[] = [];
  const passed: string[] = [];
  const signer = new SignatureV4({
    service: 'execute-api',
    region: TEST_AWS.region,
    credentials: { accessKeyId: TEST_AWS.accessKeyId, secretAccessKey: TEST_AWS.secretAccessKey },
    sha256: Sha256,
  });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const why = await verify(signer, req, body);
      if (why) {
        refused.push(why);
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `Forbidden: ${why}` }));
        return;
      }
      passed.push(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`);
      const answer = await fetch(new URL(req.url ?? '/', target), {
        method: req.method,
        headers: body.length ? { 'content-type': 'application/json' } : {},
        body: body.length ? body : undefined,
      });
      const text = await answer.text();
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(text);
    })().catch((error: unknown) => {
      res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    passed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Undefined when the signature is right; else why not. */
async function verify(signer: SignatureV4, req: IncomingMessage, body: Buffer): Promise<string | undefined> {
  const auth = req.headers.authorization ?? '';
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m || !/^\d{8}T\d{6}Z$/.test(amzDate)) return 'missing or malformed SigV4 authorization';
  if (m[1] !== TEST_AWS.accessKeyId) return `unknown access key ${m[1]}`;
  if (m[3] !== TEST_AWS.region) return `signed for region ${m[3]}`;
  const signedHeaders = (m[4] ?? '').split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(req.headers[name] ?? '');
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const expected = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body.length ? { body: body.toString('utf8') } : {}),
    },
    { signingDate: date },
  );
  return expected.headers.authorization === auth ? undefined : 'the signature does not match';
}

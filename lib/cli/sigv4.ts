import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Signs the CLI's and the console's requests to a deployed stack's admin API (AWS_IAM routes) with
 * Signature Version 4 for `execute-api`, with the SDK's signer and the standard credential chain
 * (environment, shared config and SSO profiles, container and instance roles) — no crypto of ours.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 */

/** A request about to be sent; the signer returns the headers to send with it. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export type RequestSigner = (req: OutgoingRequest) => Promise<Record<string, string>>;

/** API Gateway's default host names carry the region: `{api-id}.execute-api.{region}.amazonaws.com`. */
export function regionOfApiUrl(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
}

type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** A signer for `region` with the given credentials (default: the standard AWS credential chain). */
export function sigV4Signer(opts: { region: string; credentials?: Credentials }): RequestSigner {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: opts.region,
    credentials: opts.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  return async (req) => {
    const signed = await signer.sign({
      method: req.method,
      protocol: req.url.protocol,
      hostname: req.url.hostname,
      ...(req.url.port ? { port: Number(req.url.port) } : {}),
      path: req.url.pathname,
      query: Object.fromEntries(req.url.searchParams),
      // The host header is signed: it must be the one the request goes to.
      headers: { ...req.headers, host: req.url.host },
      ...(req.body === undefined ? {} : { body: req.body }),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers))
      if (name !== 'host') headers[name] = String(value);
    return headers;
  };
}

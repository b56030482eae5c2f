import { CrmSyncError } from '../errors.ts';
import { regionOfApiUrl, type RequestSigner, sigV4Signer } from './sigv4.ts';
import { DEFAULT_STACK_URL } from './stack-client.ts';

/**
 * Which crmsync a command talks to: the local stack (`npm start`, plain HTTP on loopback), or a
 * deployed stack's admin API — by `--url https://…` or by `--stack NAME` (its `AdminApiUrl` output,
 * read with CloudFormation DescribeStacks) — whose requests are SigV4-signed.
 */
export interface StackTarget {
  /** Where `/api/...` paths are resolved: the API's origin. */
  baseUrl: string;
  /** Signs each request for a deployed stack; undefined for the local stack. */
  sign?: RequestSigner;
  /** What the target is called in messages and the console header. */
  label: string;
  region?: string;
}

/** How every such command's help explains its target. */
export const TARGET_HELP = `Target: the local stack (npm start) at --url (default http://127.0.0.1:3000), or a deployed stack by
--stack NAME or --url https://… (signed with your AWS credentials; --region if not in the URL).`;

/** The options every command that talks to a stack takes. */
export const TARGET_OPTIONS = {
  url: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  /** Sign even on loopback: a local stand-in for a deployed API (tests, a tunnel). */
  sign: { type: 'boolean' },
} as const;

/** The options every command that talks to a stack takes: the target, `--json` and `--help`. */
export const STACK_COMMAND_OPTIONS = {
  ...TARGET_OPTIONS,
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export class StackNotFoundError extends CrmSyncError {}

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])$/;

/** Resolves `--stack` / `--url` / CRMSYNC_URL (default: the local stack). */
export async function resolveTarget(
  opts: { url?: string; stack?: string; region?: string; sign?: boolean },
  deps: { describeAdminUrl?: (stack: string, region?: string) => Promise<string | undefined> } = {},
): Promise<StackTarget> {
  if (opts.stack && opts.url) throw new CrmSyncError('give --stack or --url, not both.');
  if (opts.stack) {
    const describe = deps.describeAdminUrl ?? describeAdminUrl;
    const found = await describe(opts.stack, opts.region);
    if (!found)
      throw new StackNotFoundError(
        `stack ${opts.stack} has no AdminApiUrl output: deploy this version of crmsync (npx cdk deploy), or pass --url with the admin API's URL.`,
      );
    return deployed(new URL(found), opts.region, opts.stack);
  }
  const url = new URL(opts.url ?? process.env.CRMSYNC_URL ?? DEFAULT_STACK_URL);
  if (!opts.sign && url.protocol === 'http:' && LOOPBACK.test(url.hostname))
    return { baseUrl: url.origin, label: url.origin };
  return deployed(url, opts.region, url.host);
}

function deployed(url: URL, region: string | undefined, label: string): StackTarget {
  const resolved = region ?? regionOfApiUrl(url) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!resolved)
    throw new CrmSyncError(
      `cannot tell the AWS region of ${url.host} to sign for: pass --region (or set AWS_REGION).`,
    );
  return { baseUrl: url.origin, sign: sigV4Signer({ region: resolved }), label, region: resolved };
}

/** The stack's `AdminApiUrl` output (the CrmSync construct's, whatever its id prefix). */
async function describeAdminUrl(stack: string, region?: string): Promise<string | undefined> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient(region ? { region } : {});
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stack }));
    const outputs = out.Stacks?.[0]?.Outputs ?? [];
    return outputs.find((o) => o.OutputKey?.includes('AdminApiUrl'))?.OutputValue;
  } catch (cause) {
    throw new StackNotFoundError(
      `cannot read stack ${stack} from CloudFormation (${cause instanceof Error ? cause.message : String(cause)}): check the name, --region and your AWS credentials.`,
      { cause },
    );
  } finally {
    client.destroy();
  }
}

import { parseArgs } from 'node:util';
import { type Forward, startConsoleServer } from '../../local/console-server.ts';
import type { LocalHttpServer } from '../../local/http-server.ts';
import { resolveTarget, type StackTarget, TARGET_OPTIONS } from '../stack-target.ts';

const HELP = `usage: crmsync console (--stack NAME | --url https://…) [--region R] [--port 3300]

Serves the dashboard on http://127.0.0.1:<port> for a deployed stack: every /api call of the page is
forwarded to the stack's admin API, signed with your AWS credentials (the standard chain: environment,
profile, SSO). Nothing is exposed beyond this machine. The header shows the stack and region.`;

/** Starts the console for a resolved target (tests call this with a local stand-in). */
export async function startConsole(target: StackTarget, port: number): Promise<LocalHttpServer> {
  const forward: Forward = async (call) => {
    const url = new URL(call.path, target.baseUrl);
    const headers: Record<string, string> =
      call.body === undefined ? {} : { 'content-type': 'application/json' };
    const signed = target.sign
      ? await target.sign({ method: call.method, url, headers, body: call.body })
      : {};
    const res = await fetch(url, {
      method: call.method,
      headers: { ...headers, ...signed },
      body: call.body,
    });
    return {
      status: res.status,
      body: await res.text(),
      contentType: res.headers.get('content-type') ?? 'application/json',
    };
  };
  return startConsoleServer({
    port,
    forward,
    stack: { stack: target.label, region: target.region ?? 'local' },
  });
}

/** `crmsync console`: the dashboard for a deployed stack. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TARGET_OPTIONS,
      port: { type: 'string', default: '3300' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const target = await resolveTarget(values);
  const server = await startConsole(target, Number(values.port));
  console.log(
    `crmsync console for ${target.label}${target.region ? ` (${target.region})` : ''}: ${server.url}  (Ctrl-C stops it)`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StatusReport } from '../../lib/local/services.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** `crmsync dev` running as a child process, as a user starts it (so it can be killed hard). */
export interface DevProcess {
  child: ChildProcess;
  /** The dashboard and endpoints, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Everything it printed so far. */
  output(): string;
  status(): Promise<StatusReport>;
  /** SIGKILL: no handler runs, nothing is flushed or closed. */
  kill9(): Promise<void>;
  /** SIGINT, as Ctrl-C, and waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `node bin/crmsync.js dev` on ephemeral ports and `dataDir`; resolves once it answers. */
export async function startDevProcess(dataDir: string, timeoutMs = 90_000): Promise<DevProcess> {
  const child = spawn(
    process.execPath,
    [
      'bin/crmsync.js',
      'dev',
      '--port',
      '0',
      '--hubspot-port',
      '0',
      '--salesforce-port',
      '0',
      '--data-dir',
      dataDir,
    ],
    {
      cwd: REPO,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`crmsync dev did not start in time:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      const m = out.match(/dashboard\s+(http:\/\/127\.0\.0\.1:\d+)/);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`crmsync dev exited (${code}) before it was ready:\n${out}`));
    });
  });
  const dev: DevProcess = {
    child,
    url,
    output: () => out,
    status: async () => {
      const res = await fetch(`${url}/api/status`);
      if (!res.ok) throw new Error(`status answered ${res.status}`);
      return (await res.json()) as StatusReport;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
  return dev;
}

/** Polls the status until the changes queue is empty (nothing visible, nothing in flight). */
export async function waitUntilQueueEmpty(dev: DevProcess, timeoutMs = 120_000): Promise<StatusReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await dev.status();
    if (status.queue.visible === 0 && status.queue.inFlight === 0) return status;
    if (Date.now() > deadline) throw new Error(`queue not empty in time: ${JSON.stringify(status.queue)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

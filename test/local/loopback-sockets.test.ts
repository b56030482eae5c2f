import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../lib/local/runtime.ts';
import { startQuietStack } from '../support/quiet-stack.ts';

/** A listening TCP socket: its local address as the kernel reports it. */
interface Listener {
  address: string;
  port: number;
}

/**
 * The TCP sockets this process listens on, from /proc (Linux): the inodes of the process's socket
 * descriptors (/proc/self/fd → `socket:[inode]`) matched against the kernel's table of sockets in
 * state LISTEN (0A) in /proc/net/tcp and tcp6. Whatever library opened a socket, it shows here.
 */
async function listeningSockets(): Promise<Listener[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const m = target.match(/^socket:\[(\d+)\]$/);
    if (m?.[1]) inodes.add(m[1]);
  }
  const out: Listener[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [local, , state] = cols.slice(1, 4);
      const inode = cols[9];
      if (!local || state !== '0A' || !inode || !inodes.has(inode)) continue;
      const [hex, port] = local.split(':');
      out.push({ address: decodeAddress(hex ?? ''), port: Number.parseInt(port ?? '0', 16) });
    }
  }
  return out;
}

/** /proc/net/tcp* print addresses as little-endian 32-bit words in hex. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.every((b, i) => (i < 15 ? b === 0 : b === 1))) return '::1';
  if (bytes.every((b) => b === 0)) return '::';
  // IPv4-mapped IPv6 (::ffff:a.b.c.d).
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255)
    return `::ffff:${bytes.slice(12).join('.')}`;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

let stack: LocalStack;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'crmsync-sockets-'));
  stack = await startQuietStack({
    dataDir,
    demo: { hubspotContacts: 10, leads: 5, contacts: 2, salesforceOnlyLeads: 1, seed: 42 },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the local stack listens on loopback only', () => {
  it('every socket it listens on (endpoints, sandboxes, DynamoDB, SQS) is bound to 127.0.0.1 or ::1', async () => {
    const sockets = await listeningSockets();
    // None of them is reachable from the network…
    expect(sockets.filter((s) => !LOOPBACK.has(s.address))).toEqual([]);
    // …and the servers the stack starts are all in the table, so the check looked at the right sockets.
    const ports = new Set(sockets.map((s) => s.port));
    for (const url of [stack.url, stack.urls.hubspot, stack.urls.salesforce, stack.sqs.queueUrl])
      expect(ports).toContain(Number(new URL(url).port));
    expect(sockets.length).toBeGreaterThanOrEqual(5);
  });
});

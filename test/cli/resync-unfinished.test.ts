import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as resync } from '../../lib/cli/commands/resync.ts';
import type { ResyncProgress } from '../../lib/local/services.ts';

/**
 * A stack whose resync queued 5 members of which the processor finished 3, the queue now empty (the
 * other 2 went to the DLQ): `crmsync resync` must stop following and say so, not wait forever.
 */
const STUCK: ResyncProgress = {
  running: false,
  startedAt: 1,
  finishedAt: 2,
  total: 5,
  enqueued: 5,
  processed: 3,
  error: null,
};

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/api/resync') return res.end(JSON.stringify(STUCK));
    if (req.method === 'GET' && req.url === '/api/status')
      return res.end(JSON.stringify({ resync: STUCK, queue: { visible: 0, inFlight: 0, dlq: 2 } }));
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('crmsync resync when members never finish (R5)', () => {
  it('stops following once the queue stays empty, and says how many were not processed and where to look', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await resync(['--url', url])).toBe(1);
      expect(String(errors.mock.calls[0]?.[0])).toBe(
        `resync: the queue is empty but 2 of 5 members were not processed; \`crmsync status --url ${url}\` shows the errors and the DLQ.`,
      );
    } finally {
      errors.mockRestore();
      out.mockRestore();
    }
  });
});

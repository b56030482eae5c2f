import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResult, RawHttpRequest } from '../../lib/http/http.ts';
import { lowerCaseHeaders } from '../../lib/http/http.ts';

/**
 * A loopback HTTP server in front of intake functions, for end-to-end tests with the sandboxes:
 * it hands each function the raw body and the full URL the caller used, as API Gateway does.
 */
export interface IntakeServer {
  url: string;
  close(): Promise<void>;
}

export async function startIntakeServer(
  routes: Record<string, (req: RawHttpRequest) => Promise<HttpResult>>,
): Promise<IntakeServer> {
  let base = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const route = routes[path];
      const done = (result: HttpResult) => {
        res.writeHead(result.statusCode, result.headers ?? {});
        res.end(result.body);
      };
      if (!route) return done({ statusCode: 404, body: '' });
      const raw: RawHttpRequest = {
        method: req.method ?? 'GET',
        url: `${base}${req.url ?? '/'}`,
        headers: lowerCaseHeaders(req.headers),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      route(raw).then(done, () => done({ statusCode: 500, body: '' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

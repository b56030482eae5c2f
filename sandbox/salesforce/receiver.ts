/**
 * A loopback HTTP receiver for tests and demos: records every POST (outbound SOAP messages,
 * Event Relay JSON) and answers with a scripted response — by default the SOAP
 * `notificationsResponse` with `<Ack>true</Ack>` for XML bodies and 200 `{}` for JSON.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRawBody } from '../common/index.ts';

/** One captured request. */
export interface CapturedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The answer for one request. */
export interface ScriptedResponse {
  status: number;
  body: string;
  contentType?: string;
}

/** The SOAP acknowledgement an outbound message endpoint returns (from the Salesforce WSDL). */
export function soapAck(ack = true): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ' <soapenv:Body>',
    '  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">',
    `   <Ack>${ack}</Ack>`,
    '  </notificationsResponse>',
    ' </soapenv:Body>',
    '</soapenv:Envelope>',
  ].join('\n');
}

/** A running receiver. */
export interface CaptureReceiver {
  url: string;
  requests: CapturedRequest[];
  /** Decide the answer per request (index = number of requests before this one). */
  respondWith(fn: (req: CapturedRequest, index: number) => ScriptedResponse): void;
  close(): Promise<void>;
}

/** Start a receiver on 127.0.0.1 (port 0 by default). */
export async function startCaptureReceiver(port = 0): Promise<CaptureReceiver> {
  const requests: CapturedRequest[] = [];
  let responder: (req: CapturedRequest, index: number) => ScriptedResponse = (req) =>
    req.body.trimStart().startsWith('<')
      ? { status: 200, body: soapAck(true), contentType: 'text/xml; charset=utf-8' }
      : { status: 200, body: '{}', contentType: 'application/json' };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = (await readRawBody(req)).toString('utf8');
      const captured: CapturedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
      };
      const index = requests.length;
      requests.push(captured);
      const out = responder(captured, index);
      res.writeHead(out.status, { 'content-type': out.contentType ?? 'text/plain' });
      res.end(out.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    requests,
    respondWith: (fn) => {
      responder = fn;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

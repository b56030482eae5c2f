import type { HttpResult } from '../http/http.ts';

/**
 * SOAP responses to Salesforce outbound messages. Salesforce redelivers a message until it gets
 * an HTTP 200 with `<Ack>true</Ack>` (for up to 24 hours), so anything else means "try again".
 */

const XML_HEADERS = { 'content-type': 'text/xml; charset=utf-8' };

/** The acknowledgement (`notificationsResponse`), covering every notification in the message. */
export function soapAck(): HttpResult {
  return {
    statusCode: 200,
    headers: XML_HEADERS,
    body:
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
      '<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body>' +
      '</soapenv:Envelope>',
  };
}

/**
 * A SOAP 1.1 fault. `Client` faults (bad input, wrong org) and `Server` faults (queue down).
 * The fault string is one of our fixed reason codes, never echoed input.
 */
export function soapFault(statusCode: number, code: 'Client' | 'Server', reason: string): HttpResult {
  return {
    statusCode,
    headers: XML_HEADERS,
    body:
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
      `<soapenv:Body><soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>${escapeXml(reason)}</faultstring></soapenv:Fault></soapenv:Body>` +
      '</soapenv:Envelope>',
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

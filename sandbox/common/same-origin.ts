import type { IncomingHttpHeaders } from 'node:http';

/** The names a loopback server is reached by, with any port. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;

/**
 * Why a request to a local endpoint that changes state must be refused, or undefined to serve it.
 * A browser lets any web page POST to 127.0.0.1 (a `text/plain` form post needs no preflight), so:
 * - a Host other than a loopback name means DNS rebinding (a hostile name resolved to 127.0.0.1);
 * - an Origin other than the server's own means another page is posting cross-site. Browsers send
 *   Origin on every cross-origin POST; servers, the CLI and the CRMs' deliveries send none.
 * One check for the local stack's intake and API and for the sandboxes' control APIs.
 */
export function foreignCaller(headers: IncomingHttpHeaders): string | undefined {
  const host = headers.host ?? '';
  if (!LOOPBACK_HOST.test(host)) {
    return `refused: this local server answers only loopback hosts (127.0.0.1, localhost, [::1]), not Host "${host}"`;
  }
  const origin = headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host.toLowerCase()}`) {
    return `refused: cross-origin request from ${origin} (only pages served by http://${host} may call it)`;
  }
  return undefined;
}

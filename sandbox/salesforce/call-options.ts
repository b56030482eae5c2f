/**
 * `Sforce-Call-Options: client=<name>[, defaultNamespace=<ns>]` names the calling client; CDC
 * reports it in `changeOrigin` as `com/salesforce/api/rest/<version>;client=<name>`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_calloptions.htm
 */
export function parseCallOptionsClient(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k?.toLowerCase() === 'client' && v) return v;
  }
  return undefined;
}

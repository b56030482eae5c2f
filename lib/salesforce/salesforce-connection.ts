import { Connection } from 'jsforce';

export interface SalesforceConnectionOptions {
  /** The org's instance URL (`https://mydomain.my.salesforce.com`) or a sandbox's URL. */
  instanceUrl: string;
  accessToken: string;
  /** REST API version; jsforce 3.10 defaults to 50.0, too old for what we use (TOOLCHAIN.md). */
  version?: string;
  /** Sent as `Sforce-Call-Options: client=<clientName>` on every request, writes included. */
  clientName: string;
}

/**
 * Builds the jsforce connection for `SalesforceCrm`. `callOptions` makes jsforce add
 * `Sforce-Call-Options: client=<clientName>` to every REST request, so CDC events caused by our own
 * writes carry it in `changeOrigin` and are dropped at intake (DESIGN.md decision 3).
 */
export function createSalesforceConnection(opts: SalesforceConnectionOptions): Connection {
  return new Connection({
    instanceUrl: opts.instanceUrl.replace(/\/+$/, ''),
    accessToken: opts.accessToken,
    version: opts.version ?? '64.0',
    callOptions: { client: opts.clientName },
  });
}

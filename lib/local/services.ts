import type { HttpResult, RawHttpRequest } from '../http/http.ts';
import type { AdminServices } from '../admin/services.ts';

export type * from '../admin/services.ts';

/**
 * What the local HTTP server needs from the running stack: the operator's API shared with the
 * deployed stack (`AdminServices`), plus the intake endpoints and the sandboxes' playground.
 * `stack-services.ts` implements it over the real pieces; the server only maps routes to these calls.
 */
export interface StackServices extends AdminServices {
  /** The intake handlers, exactly as the Lambda adapters call them. */
  intake: {
    hubspotWebhook(req: RawHttpRequest): Promise<HttpResult>;
    salesforceOutbound(req: RawHttpRequest): Promise<HttpResult>;
    salesforceCdc(req: RawHttpRequest): Promise<HttpResult>;
  };
  playground: NonNullable<AdminServices['playground']>;
}

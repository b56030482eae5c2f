/**
 * What `@hubspot/api-client` throws for a non-2xx answer, with the error-body fields the sandbox
 * tests read (the client's Error model keeps HubSpot's keys it knows and drops the others).
 */
export interface HubSpotFailure {
  code: number;
  body: {
    status?: string;
    category?: string;
    message?: string;
    policyName?: string;
    errorType?: string;
    errors?: { code?: string }[];
  };
  headers: Record<string, string>;
}

/** The error a call that must fail threw; a call that succeeds fails the test. */
export async function failure(call: Promise<unknown>): Promise<HubSpotFailure> {
  try {
    await call;
  } catch (error) {
    return error as HubSpotFailure;
  }
  throw new Error('expected the call to fail');
}

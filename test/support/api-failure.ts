/** What `@hubspot/api-client` throws for a non-2xx answer: the status and the parsed error body. */
export interface HubSpotApiError {
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

/** Await a call that must fail and return what it threw (fails the test when it resolves). */
export async function failure(p: Promise<unknown>): Promise<HubSpotApiError> {
  try {
    await p;
  } catch (err) {
    return err as HubSpotApiError;
  }
  throw new Error('expected the call to fail');
}

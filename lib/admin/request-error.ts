import { CrmSyncError } from '../errors.ts';

/** A request the operator API (local or deployed) refuses: a 4xx status and the reason, shown to the caller as is. */
export class ApiRequestError extends CrmSyncError {
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs a sandbox action for a request. A sandbox answers a bad id or value with its own 4xx error
 * (HubSpot's and Salesforce's error classes both carry `status`): that is the caller's mistake, so
 * it becomes a ApiRequestError with the sandbox's reason instead of a 500.
 */
export async function asRequestErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500 && error instanceof Error) {
      const known = status === 404 || status === 409 || status === 422 ? status : 400;
      throw new ApiRequestError(known, error.message);
    }
    throw error;
  }
}

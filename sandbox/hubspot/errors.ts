import { randomUUID } from 'node:crypto';

/**
 * HubSpot's standard error body (https://developers.hubspot.com/docs/api/error-handling):
 * `{ status: 'error', message, correlationId, category, errors?, context? }`.
 */
export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  subCategory?: string;
  errors?: { message: string; code?: string; context?: Record<string, string[]>; in?: string }[];
  context?: Record<string, string[]>;
  policyName?: string;
  errorType?: string;
  requestId?: string;
  links?: Record<string, string>;
}

/** An error a route throws to answer with HubSpot's error body. */
export class HubSpotHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: HubSpotErrorBody,
    readonly headers: Record<string, string | number> = {},
  ) {
    super(body.message);
    this.name = 'HubSpotHttpError';
  }
}

/** Build an error body with a fresh correlation id. */
export function errorBody(
  category: string,
  message: string,
  extra: Partial<HubSpotErrorBody> = {},
): HubSpotErrorBody {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

/** 400 VALIDATION_ERROR. */
export function validationError(message: string, extra: Partial<HubSpotErrorBody> = {}): HubSpotHttpError {
  return new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', message, extra));
}

/** 404 OBJECT_NOT_FOUND with HubSpot's empty-message shape for a missing record. */
export function notFound(message = 'resource not found'): HubSpotHttpError {
  return new HubSpotHttpError(404, errorBody('OBJECT_NOT_FOUND', message));
}

/** One property-level validation failure, serialized inside HubSpot's message string. */
export interface PropertyValidationIssue {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
  portalId: number;
}

/**
 * HubSpot reports invalid property values as a JSON array embedded in the message:
 * `Property values were not valid: [{"isValid":false,"message":...,"error":"INVALID_OPTION","name":...}]`.
 */
export function propertyValuesMessage(issues: PropertyValidationIssue[]): string {
  return `Property values were not valid: ${JSON.stringify(issues)}`;
}

/**
 * The checks HubSpot applies to a contact write, with its error shapes: property names, read-only
 * properties, enumeration options, booleans, numbers and email syntax (400 VALIDATION_ERROR), and
 * a duplicate email (409 CONFLICT).
 */
import { type PropertyValidationIssue, propertyValuesMessage } from './errors.ts';
import { type PropertyDefinition, isReadOnly } from './properties.ts';

/** Per-input failure inside a batch (HubSpot's StandardError shape). */
export interface ItemError {
  status: number;
  category: string;
  message: string;
  context?: Record<string, string[]>;
  errors?: { message: string; code?: string; context?: Record<string, string[]> }[];
}

/** Thrown by write paths for a single input; batch routes turn it into a 207 entry. */
export class ItemFailure extends Error {
  constructor(readonly item: ItemError) {
    super(item.message);
  }
}

const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Validate property names and values the way HubSpot does; throws ItemFailure (400). */
export function validateContactProperties(
  properties: Record<string, unknown>,
  definitions: ReadonlyMap<string, PropertyDefinition>,
  portalId: number,
): Record<string, string> {
  const issues: PropertyValidationIssue[] = [];
  const out: Record<string, string> = {};
  const issue = (name: string, error: string, message: string) =>
    issues.push({
      isValid: false,
      message,
      error,
      name,
      localizedErrorMessage: message,
      portalId: portalId,
    });
  for (const [name, raw] of Object.entries(properties)) {
    const def = definitions.get(name);
    if (!def) {
      issue(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
      continue;
    }
    if (isReadOnly(def)) {
      issue(name, 'READ_ONLY_VALUE', `"${name}" is a read only property; its value cannot be set.`);
      continue;
    }
    const value = raw === null || raw === undefined ? '' : String(raw);
    if (value !== '' && def.type === 'enumeration' && !def.externalOptions) {
      const allowed = def.options.map((o) => o.value);
      const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = parts.find((p) => !allowed.includes(p));
      if (bad !== undefined) {
        issue(name, 'INVALID_OPTION', `${bad} was not one of the allowed options: [${allowed.join(', ')}]`);
        continue;
      }
    }
    if (value !== '' && def.type === 'bool' && value !== 'true' && value !== 'false') {
      issue(name, 'INVALID_OPTION', `${value} was not one of the allowed options: [true, false]`);
      continue;
    }
    if (value !== '' && def.type === 'number' && !Number.isFinite(Number(value))) {
      issue(name, 'INVALID_INTEGER', `${value} was not a valid number`);
      continue;
    }
    if (name === 'email' && value !== '' && !EMAIL_RE.test(value.trim())) {
      issue(name, 'INVALID_EMAIL', `Email address ${value} is invalid`);
      continue;
    }
    out[name] = name === 'email' ? value.trim().toLowerCase() : value;
  }
  if (issues.length > 0) {
    throw new ItemFailure({
      status: 400,
      category: 'VALIDATION_ERROR',
      message: propertyValuesMessage(issues),
      errors: issues.map((i) => ({
        message: i.message,
        code: i.error,
        context: { propertyName: [i.name] },
      })),
    });
  }
  return out;
}

/** 409 CONFLICT for an email another contact already has, naming that contact's id as HubSpot does. */
export function contactConflict(existingId: string): ItemFailure {
  return new ItemFailure({
    status: 409,
    category: 'CONFLICT',
    message: `Contact already exists. Existing ID: ${existingId}`,
  });
}

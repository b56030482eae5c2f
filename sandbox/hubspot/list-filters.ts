import type { StoredContact } from './contact-store.ts';
import { validationError } from './errors.ts';

/** A property filter inside a list filter branch (Lists v3). */
export interface ListPropertyFilter {
  filterType: 'PROPERTY';
  property: string;
  operation: {
    operationType?: string;
    operator: string;
    value?: unknown;
    values?: unknown[];
    includeObjectsWithNoValueSet?: boolean;
  };
}

/** A filter branch: OR / AND of filters and nested branches. */
export interface FilterBranch {
  filterBranchType: string;
  filterBranchOperator?: string;
  filters?: ListPropertyFilter[];
  filterBranches?: FilterBranch[];
}

const SUPPORTED = new Set([
  'IS_EQUAL_TO',
  'IS_NOT_EQUAL_TO',
  'IS_ANY_OF',
  'IS_NONE_OF',
  'IS_EXACTLY',
  'IS_NOT_EXACTLY',
  'CONTAINS',
  'DOES_NOT_CONTAIN',
  'STARTS_WITH',
  'ENDS_WITH',
  'IS_KNOWN',
  'IS_UNKNOWN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'IS_GREATER_THAN',
  'IS_GREATER_THAN_OR_EQUAL_TO',
  'IS_LESS_THAN',
  'IS_LESS_THAN_OR_EQUAL_TO',
]);

/**
 * Validate a list filter branch. HubSpot requires the root to be an OR branch whose
 * children are AND branches (https://developers.hubspot.com/docs/api/crm/lists-filters).
 */
export function validateFilterBranch(
  branch: unknown,
  propertyExists: (name: string) => boolean,
): FilterBranch {
  const root = branch as FilterBranch | undefined;
  if (!root || typeof root !== 'object' || root.filterBranchType !== 'OR') {
    throw validationError('The root filter branch must be of type OR.');
  }
  for (const child of root.filterBranches ?? []) {
    if (child.filterBranchType !== 'AND') {
      throw validationError('Each child filter branch of the root OR branch must be of type AND.');
    }
  }
  const walk = (b: FilterBranch): void => {
    if (b.filterBranchType !== 'AND' && b.filterBranchType !== 'OR') {
      throw validationError(`Filter branch type ${b.filterBranchType} is not supported by this sandbox.`);
    }
    for (const f of b.filters ?? []) {
      if (f.filterType !== 'PROPERTY') {
        throw validationError(`Filter type ${String(f.filterType)} is not supported by this sandbox.`);
      }
      if (!propertyExists(f.property)) throw validationError(`Property ${f.property} does not exist.`);
      if (!f.operation || !SUPPORTED.has(f.operation.operator)) {
        throw validationError(
          `Operator ${String(f.operation?.operator)} is not supported for property ${f.property}.`,
        );
      }
    }
    for (const c of b.filterBranches ?? []) walk(c);
  };
  walk(root);
  return root;
}

/** Echo a branch the way HubSpot returns it: with `filterBranchOperator` filled in. */
export function normalizeBranch(b: FilterBranch): FilterBranch {
  return {
    filterBranchType: b.filterBranchType,
    filterBranchOperator: b.filterBranchType,
    filters: (b.filters ?? []).map((f) => ({
      ...f,
      operation: { includeObjectsWithNoValueSet: false, ...f.operation },
    })),
    filterBranches: (b.filterBranches ?? []).map(normalizeBranch),
  };
}

function asNumber(s: string): number {
  const n = Number(s);
  return Number.isFinite(n) ? n : Date.parse(s);
}

function matchFilter(c: StoredContact, f: ListPropertyFilter): boolean {
  const raw = f.property === 'hs_object_id' ? c.id : c.values.get(f.property);
  const op = f.operation;
  if (raw === undefined) {
    if (op.operator === 'IS_UNKNOWN' || op.operator === 'NOT_HAS_PROPERTY') return true;
    return op.includeObjectsWithNoValueSet === true;
  }
  const v = raw.toLowerCase();
  const values = (op.values ?? (op.value === undefined ? [] : [op.value])).map((x) =>
    String(x).toLowerCase(),
  );
  const multi = v.split(';');
  switch (op.operator) {
    case 'IS_KNOWN':
    case 'HAS_PROPERTY':
      return true;
    case 'IS_UNKNOWN':
    case 'NOT_HAS_PROPERTY':
      return false;
    case 'IS_EQUAL_TO':
    case 'IS_ANY_OF':
      return values.some((x) => multi.includes(x) || x === v);
    case 'IS_NOT_EQUAL_TO':
    case 'IS_NONE_OF':
      return !values.some((x) => multi.includes(x) || x === v);
    case 'IS_EXACTLY':
      return [...multi].sort().join(';') === [...values].sort().join(';');
    case 'IS_NOT_EXACTLY':
      return [...multi].sort().join(';') !== [...values].sort().join(';');
    case 'CONTAINS':
      return values.some((x) => v.includes(x));
    case 'DOES_NOT_CONTAIN':
      return !values.some((x) => v.includes(x));
    case 'STARTS_WITH':
      return values.some((x) => v.startsWith(x));
    case 'ENDS_WITH':
      return values.some((x) => v.endsWith(x));
    case 'IS_GREATER_THAN':
      return asNumber(raw) > asNumber(String(op.value));
    case 'IS_GREATER_THAN_OR_EQUAL_TO':
      return asNumber(raw) >= asNumber(String(op.value));
    case 'IS_LESS_THAN':
      return asNumber(raw) < asNumber(String(op.value));
    case 'IS_LESS_THAN_OR_EQUAL_TO':
      return asNumber(raw) <= asNumber(String(op.value));
    default:
      return false;
  }
}

/** Evaluate a branch for one contact. */
export function evaluateBranch(c: StoredContact, b: FilterBranch): boolean {
  const filters = b.filters ?? [];
  const branches = b.filterBranches ?? [];
  if (b.filterBranchType === 'OR') {
    return filters.some((f) => matchFilter(c, f)) || branches.some((x) => evaluateBranch(c, x));
  }
  return filters.every((f) => matchFilter(c, f)) && branches.every((x) => evaluateBranch(c, x));
}

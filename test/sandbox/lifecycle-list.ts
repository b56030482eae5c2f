import type { ListCreateRequest } from '@hubspot/api-client/lib/codegen/crm/lists/models/ListCreateRequest.js';
import { demoSegmentRequest } from '../../sandbox/hubspot/index.ts';

/** The filter branch shape of {@link demoSegmentRequest}, narrowed to the part tests change. */
interface LifecycleBranch {
  filterBranches: { filters: { operation: { values: string[] } }[] }[];
}

/**
 * A DYNAMIC contact list "lifecycle stage is any of `values`": the demo segment's body
 * under another name, with the stages replaced when `values` is given. A fresh object each
 * call, so a test may change it.
 */
export function lifecycleListRequest(name: string, values?: readonly string[]): ListCreateRequest {
  const req = demoSegmentRequest(name);
  if (values) {
    const branch = req.filterBranch as LifecycleBranch;
    branch.filterBranches[0]!.filters[0]!.operation.values = [...values];
  }
  return req as unknown as ListCreateRequest;
}

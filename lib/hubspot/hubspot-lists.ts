import type { Client } from '@hubspot/api-client';
import type { HubSpotList } from '../ports.ts';
import { BATCH, chunks, type HubSpotCall, unique } from './hubspot-call.ts';
import { HubSpotRequestError } from './hubspot-errors.ts';
import {
  MEMBERSHIPS_BATCH_READ,
  parseRecordMemberships,
  requestJson,
  toHubSpotList,
} from './hubspot-list.ts';

// The Lists v3 half of the HubSpot adapter: the segment lists, their members, and creating one.

/** Lists v3 membership pages hold 250 (https://developers.hubspot.com/docs/api/crm/lists). */
const MEMBERSHIP_PAGE = 250;
/** HubSpot's object type id for contacts. */
export const CONTACTS = '0-1';

export async function getList(
  call: HubSpotCall,
  client: Client,
  listId: string,
): Promise<HubSpotList | undefined> {
  try {
    const data = await call('lists.get', () => client.crm.lists.listsApi.getByIdWithHttpInfo(listId, true));
    return toHubSpotList(data.list);
  } catch (error) {
    if (error instanceof HubSpotRequestError && error.status === 404) return undefined;
    throw error;
  }
}

export async function searchLists(call: HubSpotCall, client: Client, query?: string): Promise<HubSpotList[]> {
  const out: HubSpotList[] = [];
  let offset = 0;
  // Lists search pages by offset; 20 pages of 100 is far more lists than a portal shows in a picker.
  for (let page = 0; page < 20; page++) {
    const data = await call('lists.search', () =>
      client.crm.lists.listsApi.doSearchWithHttpInfo({
        query: query ?? '',
        offset,
        count: 100,
        additionalProperties: ['hs_list_size'],
      }),
    );
    for (const list of data.lists) if (list.objectTypeId === CONTACTS) out.push(toHubSpotList(list));
    if (!data.hasMore || data.lists.length === 0) break;
    offset = data.offset;
  }
  return out;
}

export async function createDynamicList(
  call: HubSpotCall,
  client: Client,
  name: string,
  filter: { property: string; operator: 'IS_ANY_OF'; values: string[] },
): Promise<HubSpotList> {
  // Lists v3 filter tree: the root must be an OR branch whose children are AND branches
  // (https://developers.hubspot.com/docs/api/crm/lists-filters).
  const data = await call('lists.create', () =>
    client.crm.lists.listsApi.createWithHttpInfo({
      name,
      objectTypeId: CONTACTS,
      processingType: 'DYNAMIC',
      filterBranch: {
        filterBranchType: 'OR',
        filterBranchOperator: 'OR',
        filters: [],
        filterBranches: [
          {
            filterBranchType: 'AND',
            filterBranchOperator: 'AND',
            filterBranches: [],
            filters: [
              {
                filterType: 'PROPERTY',
                property: filter.property,
                operation: {
                  operationType: 'ENUMERATION',
                  operator: filter.operator,
                  values: filter.values,
                  includeObjectsWithNoValueSet: false,
                },
              },
            ],
          },
        ],
      } as unknown as NonNullable<
        Parameters<Client['crm']['lists']['listsApi']['create']>[0]['filterBranch']
      >,
    }),
  );
  return toHubSpotList(data.list);
}

export async function listMemberships(
  call: HubSpotCall,
  client: Client,
  listId: string,
  after?: string,
): Promise<{ recordIds: string[]; after?: string }> {
  const data = await call('lists.memberships', () =>
    client.crm.lists.membershipsApi.getPageWithHttpInfo(listId, after, undefined, MEMBERSHIP_PAGE),
  );
  const next = data.paging?.next?.after;
  return { recordIds: data.results.map((r) => String(r.recordId)), ...(next ? { after: next } : {}) };
}

/** One page (up to 250) of a list's members by join time, oldest first, from the position `after`. */
export async function joinOrderPage(
  call: HubSpotCall,
  client: Client,
  listId: string,
  after?: string,
): Promise<{ recordIds: string[]; after?: string }> {
  const data = await call('lists.memberships.join-order', () =>
    client.crm.lists.membershipsApi.getPageOrderedByAddedToListDateWithHttpInfo(
      listId,
      after,
      undefined,
      MEMBERSHIP_PAGE,
    ),
  );
  const next = data.paging?.next?.after;
  return { recordIds: data.results.map((r) => String(r.recordId)), ...(next ? { after: next } : {}) };
}

/**
 * The lists each contact belongs to now, 100 contacts per call
 * (`POST /crm/v3/lists/records/memberships/batch/read`; the client has no method for it, so it goes
 * through `apiRequest`, still behind the limiter and its retries).
 */
export async function readListMemberships(
  call: HubSpotCall,
  client: Client,
  recordIds: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const chunk of chunks(unique(recordIds), BATCH)) {
    const data = await call('lists.memberships.batch.read', () =>
      requestJson(client, 'POST', MEMBERSHIPS_BATCH_READ, {
        inputs: chunk.map((recordId) => ({ objectTypeId: CONTACTS, recordId })),
      }),
    );
    for (const r of parseRecordMemberships(data)) out.set(r.recordId, r.listIds);
  }
  return out;
}

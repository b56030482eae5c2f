import type { FieldMapping } from '../../lib/config.ts';
import type { MergeRepoint, MergeRepointInput } from '../../lib/domain/identity.ts';
import type { PicklistTables } from '../../lib/domain/normalize.ts';
import { coalesce } from '../../lib/domain/coalesce.ts';
import { type PlanInput, planBatch, type SyncPlan } from '../../lib/domain/plan/index.ts';
import type { PlannedIntent } from '../../lib/domain/plan/types.ts';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import type { HubSpotContact, PairState, SalesforceRecord } from '../../lib/ports.ts';

/** Mappings of the example config, plus one per remaining type/rule for coverage. */
export const leadMappings: FieldMapping[] = [
  { hubspot: 'email', salesforce: 'Email', rule: 'two-way', type: 'email' },
  { hubspot: 'firstname', salesforce: 'FirstName', rule: 'two-way', type: 'string' },
  { hubspot: 'lastname', salesforce: 'LastName', rule: 'two-way', type: 'string' },
  { hubspot: 'phone', salesforce: 'Phone', rule: 'two-way', type: 'phone' },
  { hubspot: 'company', salesforce: 'Company', rule: 'prefer-salesforce-unless-blank', type: 'string' },
  {
    hubspot: 'hs_lead_status',
    salesforce: 'Status',
    rule: 'two-way',
    type: 'picklist',
    picklist: 'leadStatus',
  },
  { hubspot: 'rating', salesforce: 'Rating', rule: 'always-salesforce', type: 'string' },
  { hubspot: 'score', salesforce: 'Score__c', rule: 'always-hubspot', type: 'number' },
  { hubspot: 'lifecyclestage', salesforce: 'Stage__c', rule: 'dont-sync', type: 'string' },
];
export const contactMappings: FieldMapping[] = leadMappings.filter(
  (m) => m.salesforce !== 'Company' && m.salesforce !== 'Status',
);

export const picklists: PicklistTables = {
  leadStatus: {
    hubspotToSalesforce: {
      NEW: 'Open - Not Contacted',
      CONNECTED: 'Working - Contacted',
      IN_PROGRESS: 'Working - Contacted',
      UNQUALIFIED: 'Closed - Not Converted',
    },
    salesforceToHubspot: {
      'Open - Not Contacted': 'NEW',
      'Working - Contacted': 'IN_PROGRESS',
      'Closed - Not Converted': 'UNQUALIFIED',
    },
  },
};

export const T0 = Date.UTC(2026, 0, 1);

export function hubspotContact(
  id: string,
  properties: Record<string, string | null>,
  at = T0,
): HubSpotContact {
  return { id, properties, updatedAt: at, createdAt: at, archived: false };
}

export function salesforceRecord(
  id: string,
  objectType: 'Lead' | 'Contact',
  fields: SalesforceRecord['fields'],
  extra: Partial<SalesforceRecord> = {},
): SalesforceRecord {
  return { id, objectType, fields, modifiedAt: T0, createdAt: T0, ...extra };
}

export function pairOf(
  hubspotId: string,
  salesforceId: string,
  snapshot: PairState['snapshot'],
  extra: Partial<PairState> = {},
): PairState {
  return {
    hubspotId,
    salesforceId,
    salesforceType: 'Lead',
    snapshot,
    version: 3,
    lastSyncedAt: T0,
    origin: 'matched',
    ...extra,
  };
}

let eventSeq = 0;
export function notice(
  source: ChangeNotice['source'],
  objectType: ChangeNotice['objectType'],
  recordId: string,
  kind: ChangeNotice['kind'],
  extra: Partial<ChangeNotice> = {},
): ChangeNotice {
  eventSeq += 1;
  return { source, objectType, recordId, kind, eventId: `e${eventSeq}`, occurredAt: T0 + 1000, ...extra };
}

/** A plan input with the example settings: segment "1", auto-create on, deletes ignored. */
export function planInput(overrides: Partial<PlanInput>): PlanInput {
  return {
    now: T0 + 10_000,
    records: [],
    config: {
      mappings: { Lead: leadMappings, Contact: contactMappings },
      picklists,
      creation: {
        salesforceObject: 'Lead',
        defaultCompany: 'Unknown',
        autoCreateFromLeads: true,
        autoCreateFromContacts: true,
      },
      deletes: 'ignore',
    },
    settings: { inclusionSegmentId: '1', autoCreateFromLeads: true, autoCreateFromContacts: true },
    hubspotContacts: [],
    salesforceRecords: [],
    pairs: [],
    members: new Set(),
    // crmsync's Salesforce user: records created by anyone else (fixtures have no CreatedById) may take R6.
    integrationUserId: '005000000000001AAA',
    ...overrides,
  };
}

/** Ann as a HubSpot contact's properties. */
export const ann = { email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee', company: 'Acme' };
/** Ann as a Salesforce Lead's fields. */
export const annSf = { Email: 'ann@example.com', FirstName: 'Ann', LastName: 'Lee', Company: 'Acme' };
/** The snapshot of Ann's pair when both sides last agreed (every mapped two-way/one-way field). */
export const annSnapshot = {
  email: 'ann@example.com',
  firstname: 'Ann',
  lastname: 'Lee',
  phone: null,
  company: 'Acme',
  hs_lead_status: null,
  rating: null,
  score: null,
};

/** Ann as Salesforce Contact 0031 (no Company on contacts), with `fields` on top. */
export function annSalesforceContact(fields: SalesforceRecord['fields'] = {}): SalesforceRecord {
  return salesforceRecord('0031', 'Contact', {
    Email: 'ann@example.com',
    FirstName: 'Ann',
    LastName: 'Lee',
    ...fields,
  });
}

/** Plans one batch: `notices` coalesced into its records, over {@link planInput} with `overrides`. */
export function planOf(notices: ChangeNotice[], overrides: Partial<PlanInput> = {}): SyncPlan {
  return planBatch(planInput({ records: coalesce(notices), ...overrides }));
}

/** The claim of a first link of contact 101 and Lead 00Q1 whose commit never came: version 1, empty snapshot. */
export const claimedLink: PairState = {
  hubspotId: '101',
  salesforceId: '00Q1',
  salesforceType: 'Lead',
  snapshot: {},
  version: 1,
  lastSyncedAt: T0,
  origin: 'matched',
};

/**
 * The retry of {@link claimedLink} with its link `intent`, in a batch that has only the contact's
 * segment join: a user's change since was notified elsewhere (docs/design.md#late-first-link).
 */
export function planLateLinkRetry(
  contact: HubSpotContact,
  lead: SalesforceRecord,
  intent: PlannedIntent,
  /** More of the plan's input (the integration user, Salesforce field history read). */
  extra: Partial<PlanInput> = {},
  /** More notices in the retry's batch than the contact's segment join. */
  notices: ChangeNotice[] = [],
): SyncPlan {
  return planOf([notice('hubspot', 'contact', '101', 'segment-joined'), ...notices], {
    hubspotContacts: [contact],
    salesforceRecords: [lead],
    pairs: [claimedLink],
    members: new Set(['101']),
    creationIntents: new Map([['hubspot:101', intent]]),
    ...extra,
  });
}

/**
 * Ann linked: HubSpot contact 101 and Lead 00Q1 as read now (Ann, with `hubspot` / `salesforce`
 * edits on top), and their stored pair at {@link annSnapshot} (with `pair` on top). Spread it into
 * {@link planInput}.
 */
export function annLinked(
  edits: {
    hubspot?: Record<string, string | null>;
    salesforce?: SalesforceRecord['fields'];
    pair?: Partial<PairState>;
  } = {},
): Pick<PlanInput, 'hubspotContacts' | 'salesforceRecords' | 'pairs'> {
  return {
    hubspotContacts: [hubspotContact('101', { ...ann, ...edits.hubspot })],
    salesforceRecords: [salesforceRecord('00Q1', 'Lead', { ...annSf, ...edits.salesforce })],
    pairs: [pairOf('101', '00Q1', annSnapshot, edits.pair)],
  };
}

/** `repointForMerge` input: HubSpot contact 101 merged into 202 at T0, over these stored pairs. */
export function hubspotMergeOf101(pairs: PairState[]): MergeRepointInput {
  return { side: 'hubspot', loserIds: ['101'], survivorId: '202', pairs, now: T0 };
}

/**
 * `repointForMerge` input: Lead 00Q1 merged into Lead 00Q2 in Salesforce at T0, over these stored
 * pairs; `extra` adds what the batch knows (a survivor linked in it, the emails).
 */
export function leadMergeInto00Q2(
  pairs: PairState[],
  extra: Partial<MergeRepointInput> = {},
): MergeRepointInput {
  return {
    side: 'salesforce',
    loserIds: ['00Q1'],
    survivorId: '00Q2',
    survivorType: 'Lead',
    pairs,
    now: T0,
    ...extra,
  };
}

/**
 * The expected `repointForMerge` result when the link of `loser` (HubSpot contact 101, stored at
 * version 3) is dropped instead of moved: listed as `unlinked` (the survivor is linked already) or
 * `otherEmail` (the survivor carries another person's email).
 */
export function dropped101(loser: PairState, as: 'unlinked' | 'otherEmail'): MergeRepoint {
  return {
    put: [],
    delete: [{ hubspotId: '101', expectedVersion: 3 }],
    unlinked: as === 'unlinked' ? [loser] : [],
    otherEmail: as === 'otherEmail' ? [loser] : [],
  };
}

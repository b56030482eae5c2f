/**
 * The entities the domain reasons about: the records of each CRM as the domain sees them, the linked
 * pair with its three-way-merge snapshot, the run-time settings, and the decisions a user reads.
 * They live here, not in `lib/ports.ts`, so the domain depends on nothing outside itself; the ports
 * import them (docs/design.md#layering).
 */
import type { SalesforceObject } from './notice.ts';

export type * from './company-entities.ts';

/** A field value as it crosses the boundary: strings for HubSpot; Salesforce may send numbers/booleans. */
export type FieldValue = string | number | boolean | null;
export type FieldValues = Record<string, FieldValue>;

/** Categories of sync errors, grouped the way HubSpot's sync-errors page groups them. */
export type SyncErrorCategory =
  | 'validation'
  | 'missing-required-field'
  | 'picklist-value-unmapped'
  | 'duplicate'
  | 'permission'
  | 'not-found'
  | 'rate-limit'
  | 'other';

/** A HubSpot contact as read through the CRM v3 objects API. */
export interface HubSpotContact {
  id: string;
  properties: Record<string, string | null>;
  /** `hs_lastmodifieddate`, epoch ms. */
  updatedAt: number;
  /** `createdate`, epoch ms. */
  createdAt: number;
  archived: boolean;
  /** Per-property time of the latest change, epoch ms, where the read asked for history. */
  propertyChangedAt?: Record<string, number>;
  /**
   * Per-property author of that latest change (the version's `sourceType`, `sourceId`), where the read
   * asked for history: tells a user's change from crmsync's own write (docs/design.md#set-back).
   */
  propertyChangedBy?: Record<string, { source: string; sourceId?: string }>;
  /**
   * Who created the contact, as HubSpot recorded it (`hs_object_source`, `hs_object_source_id`): for
   * a record an app created, `INTEGRATION` and the app id. Absent when HubSpot did not answer them.
   */
  createdBy?: { source: string; sourceId?: string };
}

/** A HubSpot list (segment) as the Lists v3 API describes it. */
export interface HubSpotList {
  listId: string;
  name: string;
  /** Only DYNAMIC lists may be inclusion segments (R1). */
  processingType: 'DYNAMIC' | 'MANUAL' | 'SNAPSHOT';
  objectTypeId: string;
  size?: number;
  /** The contact properties the list's filters read (when the filters were asked for). */
  filterProperties?: string[];
}

/** A Salesforce Lead or Contact. */
export interface SalesforceRecord {
  id: string;
  objectType: SalesforceObject;
  fields: FieldValues;
  /** `SystemModstamp`, epoch ms. */
  modifiedAt: number;
  createdAt: number;
  /** `CreatedById`: the user who created the record (crmsync's own: the integration user it runs as). */
  createdById?: string;
  /** Lead only: converted, and to which Contact. */
  isConverted?: boolean;
  convertedContactId?: string | null;
  isDeleted?: boolean;
  /** Set on a record deleted by a merge: the survivor. */
  masterRecordId?: string | null;
}

/**
 * The state of one linked pair: the link itself plus the three-way-merge snapshot. Written with a
 * conditional check on `version` (docs/design.md#per-record-safety): a racing processor loses,
 * retries, and finds nothing to do.
 */
export interface PairState {
  hubspotId: string;
  salesforceId: string;
  salesforceType: SalesforceObject;
  /** Last-synced value of each mapped field, keyed by HubSpot property name (normalized values). */
  snapshot: Record<string, string | null>;
  /** Monotonic; 0 for a pair not yet stored. */
  version: number;
  lastSyncedAt: number;
  /** How the pair came to be, for the trace. */
  origin: 'matched' | 'created-in-salesforce' | 'created-in-hubspot' | 'import' | 'auto-create';
  /**
   * R7: imported with email only and not yet fully synced; R6: auto-created outside the segment.
   * Cleared once a full sync happens.
   */
  emailOnly?: boolean;
}

/** A recorded decision about one record: the trace a user reads to learn why it did (not) sync. */
export interface Decision {
  at: number;
  /**
   * The record the decision is about, as `hubspot:<id>` (a contact), `hubspot-company:<id>` (a
   * company: HubSpot ids are per object) or `salesforce:<id>`.
   */
  recordKey: string;
  eventId?: string;
  /**
   * synced: writes were made; skipped: the gate said no (reason says why); noop: nothing to do;
   * error: a permanent sync error (category says which); linked / relinked: identity changes.
   */
  outcome: 'synced' | 'skipped' | 'noop' | 'error' | 'linked' | 'relinked' | 'received';
  reason?: string;
  category?: SyncErrorCategory;
  /** Fields written per side, conflicts and how they were resolved: free-form detail for the trace. */
  detail?: Record<string, unknown>;
}

/**
 * Run-time settings (docs/design.md#choosing-the-segment): the config file gives defaults, the store
 * keeps the current values.
 */
export interface RuntimeSettings {
  inclusionSegmentId: string | null;
  /** When the segment was selected: the first membership load after this records no joins (R4). */
  segmentSelectedAt: number | null;
  /** True once the first membership load for the current segment has completed. */
  segmentLoaded: boolean;
  autoCreateFromLeads: boolean;
  autoCreateFromContacts: boolean;
  /**
   * C1: company ⇄ account sync on or off. Absent in a record stored before the setting existed: the
   * config's `companies.enabled` applies.
   */
  companiesEnabled?: boolean;
  version: number;
}

/** A membership transition recorded by segment refresh. */
export interface MembershipChange {
  hubspotId: string;
  change: 'joined' | 'left';
  at: number;
}

/**
 * One row of Salesforce Field History (`ContactHistory` / `LeadHistory`): a tracked field's change, by
 * whom and when (docs/design.md#late-first-link). Only fields with Field History Tracking on have rows.
 */
export interface SalesforceFieldChange {
  recordId: string;
  /** The field's API name (`FirstName`), or `created` for the record's creation. */
  field: string;
  /** `CreatedDate` of the row, epoch ms. */
  at: number;
  /** `CreatedById`: the user who made the change. */
  byId: string;
}

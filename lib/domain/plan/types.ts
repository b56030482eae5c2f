import type { PlanConfig } from '../field-mapping.ts';
import type {
  Decision,
  FieldValues,
  HubSpotContact,
  PairState,
  SalesforceFieldChange,
  SalesforceRecord,
} from '../entities.ts';
import type { PlanRecord } from '../coalesce.ts';
import type { PairDelete, PairWrite } from '../identity.ts';
import type { SalesforceObject } from '../notice.ts';
import type { FieldError } from '../sync-rule-error.ts';
import type { Snapshot } from '../three-way-merge.ts';
import type { ContactLinksInput } from '../contact-links.ts';

/**
 * Everything the plan needs, already read by the processor (the plan does no I/O).
 *
 * The processor reads in this order: pairs for the batch's record ids; the records themselves
 * (HubSpot contacts by id, Salesforce records by id per object); the counterparts of linked records;
 * for unlinked records, candidates by normalized email on the other side (and the pairs of those
 * candidates); for converted Leads, the Contact named by ConvertedContactId; membership of every
 * HubSpot contact involved. Records missing from the arrays are treated as not found (deleted).
 */
export interface PlanInput {
  now: number;
  /** Coalesced notices of the batch: `coalesce(notices)`, or any record with these fields (see `steeringKind`). */
  records: PlanRecord[];
  config: Pick<PlanConfig, 'mappings' | 'picklists' | 'creation' | 'deletes'>;
  /** Run-time settings (segment, R6 toggles). */
  settings: PlanSettings;
  /** Every HubSpot contact read: batch records, counterparts, email candidates. */
  hubspotContacts: HubSpotContact[];
  /** Every Salesforce record read: batch records, counterparts, email candidates, converted Contacts. */
  salesforceRecords: SalesforceRecord[];
  /** Every stored pair touching any id above. */
  pairs: PairState[];
  /** HubSpot ids (among those involved) that are members of the inclusion segment. */
  members: ReadonlySet<string>;
  /** Record keys (`hubspot:<id>` / `salesforce:<id>`) known to be echoes of our own writes. */
  echoes?: ReadonlySet<string>;
  /**
   * The Salesforce user crmsync runs as (`CreatedById` of its own records): R6 is refused for them.
   * Unknown (not read because no notice claims a creation): R6 is refused, the records are gated (R3).
   */
  integrationUserId?: string;
  /** R6's auto-create window (default 24 h, `creation.autoCreateWindowHours`). */
  autoCreateWindowMs?: number;
  /** crmsync's HubSpot app id (`hs_object_source_id` of the contacts it creates). */
  hubspotAppId?: string;
  /** C6 and O1–O5 on contacts (contact-links.ts); absent when neither company nor owner sync is on. */
  links?: ContactLinksInput;
  /**
   * What crmsync was about to create for an unlinked record (`hubspot:<id>` → its new Salesforce
   * record's snapshot, `salesforce:<id>` → its new contact's), written before the create: a record
   * crmsync created whose response was lost links with that snapshot (`ownCreation`).
   */
  creationIntents?: ReadonlyMap<string, PlannedIntent>;
  /**
   * Salesforce field history of the records a late first link asked for (`SyncPlan.salesforceHistoryWanted`);
   * undefined: not read (the plan then asks for it when it needs it).
   */
  salesforceFieldChanges?: readonly SalesforceFieldChange[];
}

/** The run-time settings the gate reads: the inclusion segment (R2/R3) and the R6 auto-create toggles. */
export interface PlanSettings {
  inclusionSegmentId: string | null;
  autoCreateFromLeads: boolean;
  autoCreateFromContacts: boolean;
}

/** A HubSpot contact to create; `ref` correlates the batch outcome (WriteOutcome.ref). */
export interface HubSpotCreate {
  ref: string;
  properties: Record<string, string>;
  /** The Salesforce record the new contact is linked to once created. */
  salesforceId: string;
  salesforceType: SalesforceObject;
  /** Pair to store once the id is known (`hubspotId` is '' until then); expectedVersion 0. */
  pair: PairState;
}

export interface HubSpotUpdate {
  ref: string;
  id: string;
  properties: Record<string, string>;
}

export interface SalesforceCreate {
  ref: string;
  fields: FieldValues;
  hubspotId: string;
  /** Pair to store once the id is known (`salesforceId` is '' until then); expectedVersion 0. */
  pair: PairState;
}

export interface SalesforceUpdate {
  ref: string;
  id: string;
  fields: FieldValues;
}

/**
 * C6: a contact's primary company to set (associations v4, type 1) or to demote to unlabeled.
 * `contactId` is '' for a contact this plan creates: the processor fills it in once created.
 */
export interface AssociationWrite {
  ref: string;
  contactId: string;
  companyId: string;
  action: 'set-primary' | 'demote';
}

/** A permanent error about one record (recorded as a decision with outcome `error`). */
export interface PlanError {
  ref: string;
  recordKey: string;
  errors: FieldError[];
}

/**
 * The plan for one batch. Apply order: creates and updates on both sides (batched), then pair writes
 * for the refs whose writes succeeded (creates fill in the new id), then pair deletes, then
 * decisions. A pair write whose ref's writes failed must not be stored (its snapshot assumes them).
 */
export interface SyncPlan {
  hubspotCreates: HubSpotCreate[];
  hubspotUpdates: HubSpotUpdate[];
  salesforceCreates: Record<SalesforceObject, SalesforceCreate[]>;
  salesforceUpdates: Record<SalesforceObject, SalesforceUpdate[]>;
  /** Propagated deletes (`deletes: propagate`). */
  hubspotArchives: string[];
  salesforceDeletes: string[];
  /** C6 primary company writes, applied after the contact writes (a new contact needs its id first). */
  associationWrites: AssociationWrite[];
  /**
   * Pair writes, each with the `ref` whose writes it depends on. `base`: the snapshot a new link's merge
   * started from (a late creation's, a late first link's), kept in its write intent for a retry;
   * `linkReason`: a new link's `linked` decision reason, kept there too (a failed try records none).
   */
  pairWrites: (PairWrite & { ref: string; base?: Snapshot; linkReason?: string })[];
  pairDeletes: PairDelete[];
  decisions: Decision[];
  errors: PlanError[];
  /**
   * Records whose field history would decide a late first link (a field written to Salesforce does not
   * hold the value written, and the record was modified after the intent): the processor reads it
   * (one SOQL per object) and plans again with `salesforceFieldChanges` (docs/design.md#late-first-link).
   */
  salesforceHistoryWanted?: { id: string; objectType: SalesforceObject; since: number }[];
}

/**
 * A first link's intent: the Salesforce record matched, the HubSpot properties / Salesforce fields its
 * first sync writes, the snapshot it merged from when it had one (a late link of a record crmsync
 * created: its creation's values; a field whose write did not land merges from it again), and why the
 * first try linked them (its `linked` decision's reason, lost with that try) — see `lateFirstLink`.
 */
export interface LinkIntent {
  salesforceId: string;
  hubspot: string[];
  salesforce: string[];
  base?: Record<string, string | null>;
  reason?: string;
}

/**
 * A committed pair's update intent: the Salesforce record, the pair's version the update started
 * from, and the HubSpot properties / Salesforce fields it writes — see `unfinishedUpdate`.
 */
export interface UpdateIntent {
  salesforceId: string;
  version: number;
  hubspot: string[];
  salesforce: string[];
}

/** What a creation, first-link or update intent tells the plan: the pair it would commit, when, and what it writes. */
export interface PlannedIntent {
  snapshot: Record<string, string | null>;
  at: number;
  link?: LinkIntent;
  update?: UpdateIntent;
}
